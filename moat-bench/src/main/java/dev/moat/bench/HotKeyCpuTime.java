package dev.moat.bench;

import dev.moat.core.Clock;
import dev.moat.core.ManualClock;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.MemoryLimitStore;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * A cross-check of {@code HotKeyBenchmark}'s {@code moatStore} against {@code bucket4jLockFree}
 * (fixed clock, one thread, same limits) that other processes' load disturbs less: each round
 * times a few million calls of each side back to back in the thread's CPU time, not wall time, so
 * a round in which the machine is busy slows both sides alike. Not a JMH benchmark (no blackhole,
 * no forks): read the ratio, not the nanoseconds, and prefer JMH on a quiet machine.
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.HotKeyCpuTime [admit|refuse] [rounds=12]</pre>
 */
public final class HotKeyCpuTime {
    private HotKeyCpuTime() {
    }

    static volatile Object sink;
    static volatile boolean booleanSink;

    public static void main(String[] args) {
        boolean admit = args.length == 0 || args[0].equals("admit");
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 12;
        long max = admit ? Peers.HUGE : Peers.TINY;
        long per = admit ? Peers.HUGE_PER_MILLIS : Peers.TINY_PER_MILLIS;
        Clock clock = new ManualClock(Peers.FIXED_MILLIS);
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int calls = 5_000_000;
        double[] ratios = new double[rounds];
        for (int round = 0; round < rounds; round++) {
            MemoryLimitStore store = new MemoryLimitStore();
            LimitCall call = new LimitCall("client.target.message|ip:203.0.113.7", LimitSpec.gcra(max, per).limiter(), 1);
            Bucket bucket = Peers.bucket(Peers.bandwidth(max, per), true, SynchronizationStrategy.LOCK_FREE);
            if (!admit) {
                store.consume(call, clock.nowMillis(), false);
                bucket.tryConsume(1);
            }
            long t0 = mx.getCurrentThreadCpuTime();
            Object last = null;
            for (int i = 0; i < calls; i++) {
                last = store.consume(call, clock.nowMillis(), false);
            }
            sink = last;
            long t1 = mx.getCurrentThreadCpuTime();
            boolean any = false;
            for (int i = 0; i < calls; i++) {
                any ^= bucket.tryConsume(1);
            }
            booleanSink = any;
            long t2 = mx.getCurrentThreadCpuTime();
            ratios[round] = (t2 - t1) / (double) (t1 - t0);
            System.out.printf("round %2d: Moat store %.1f ns/call, bucket4j lock-free %.1f ns/call, Moat speed / bucket4j %.2f%n",
                    round, (t1 - t0) / (double) calls, (t2 - t1) / (double) calls, ratios[round]);
        }
        double[] warm = java.util.Arrays.copyOfRange(ratios, rounds / 2, rounds); // the first half warms up the JIT
        java.util.Arrays.sort(warm);
        System.out.printf("RESULT %s_moat_speed_over_bucket4j_median %.2f%n", admit ? "admit" : "refuse", warm[warm.length / 2]);
    }
}
