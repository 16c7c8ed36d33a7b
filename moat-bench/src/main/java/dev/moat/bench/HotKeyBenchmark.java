package dev.moat.bench;

import dev.moat.core.CheckRequest;
import dev.moat.core.Clock;
import dev.moat.core.Decision;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.ViolationPolicy;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.local.SynchronizationStrategy;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One check of a single-limit restriction on one hot key, every thread on the same key.
 *
 * <ul>
 *   <li>{@code moatStore}: {@link MemoryLimitStore#consume(LimitCall, long, boolean)}, the
 *       single-limit form, with one GCRA {@link LimitCall} built once (the store's hot path: a map
 *       lookup by the key's 128-bit hash, which the call computes once and keeps as a String keeps
 *       its hashCode; the pure GCRA step; a CAS of the cell's state; and an outcome with
 *       remaining, retry-after and reset).</li>
 *   <li>{@code moatEngine}: the whole {@link Moat#check} of an anonymous request ({@code ip} only)
 *       for the action {@code message} with one limit by ip: identity parsing, ban lookup, the key
 *       built, the store, the {@link Decision}. Violation scoring is off ({@code anonymous: none})
 *       so that the refuse path measures the refusal, not an ever-growing violation log.</li>
 *   <li>{@code bucket4jLockFree}, {@code bucket4jSynchronized}: {@code Bucket.tryConsume(1)} on one
 *       local bucket already in hand (no key lookup, a boolean answer);
 *       {@code bucket4jLockFreeProbe}: {@code tryConsumeAndReturnRemaining(1)}, whose
 *       {@code ConsumptionProbe} carries what Moat's outcome does (remaining, time to wait).</li>
 *   <li>{@code resilience4j}: {@code RateLimiter.acquirePermission()} with a zero timeout (never
 *       waits); always on System.nanoTime, its API takes no clock.</li>
 * </ul>
 *
 * {@code path=admit}: a limit of 10^9 per second with burst 10^9, reset every iteration, so every
 * call is admitted. {@code path=refuse}: 1 per day, spent in setup, so every call is refused.
 * {@code clock=fixed}: Moat on a {@link ManualClock}, bucket4j on a constant TimeMeter;
 * {@code clock=system}: Moat on {@link Clock#SYSTEM} and bucket4j on its default
 * (both System.currentTimeMillis).
 */
public class HotKeyBenchmark {

    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public abstract static class Base {
        @Param({"admit", "refuse"})
        public String path;

        @Param({"fixed", "system"})
        public String clock;

        private Clock moatClock;
        private MemoryLimitStore store;
        private LimitCall call;
        private Moat moat;
        private CheckRequest request;
        private Bucket lockFree;
        private Bucket synchronizedBucket;
        private RateLimiter resilience;

        @Setup(Level.Iteration)
        public void setUp() {
            boolean admit = path.equals("admit");
            boolean fixed = clock.equals("fixed");
            long max = admit ? Peers.HUGE : Peers.TINY;
            long per = admit ? Peers.HUGE_PER_MILLIS : Peers.TINY_PER_MILLIS;
            LimitSpec spec = LimitSpec.gcra(max, per);
            moatClock = fixed ? new ManualClock(Peers.FIXED_MILLIS) : Clock.SYSTEM;

            store = new MemoryLimitStore();
            Limiter limiter = spec.limiter();
            call = new LimitCall("client.target.message|ip:203.0.113.7", limiter, 1);

            RealmLimits client = new RealmLimits(Map.of("message", List.of(LimitConfig.of(spec, By.IP))), Map.of(), Map.of());
            MoatPolicy policy = MoatPolicy.defaults()
                    .withRateLimits(new RateLimits("none", client, null, null))
                    .withViolations(new ViolationPolicy(Map.of(), false, true, 0, 0));
            moat = Moat.builder().policy(policy).clock(moatClock).build();
            request = CheckRequest.builder("message").ip("203.0.113.7").build();

            Bandwidth bandwidth = Peers.bandwidth(max, per);
            lockFree = Peers.bucket(bandwidth, fixed, SynchronizationStrategy.LOCK_FREE);
            synchronizedBucket = Peers.bucket(bandwidth, fixed, SynchronizationStrategy.SYNCHRONIZED);

            resilience = RateLimiter.of("hot", RateLimiterConfig.custom()
                    .limitForPeriod((int) max)
                    .limitRefreshPeriod(Duration.ofMillis(per))
                    .timeoutDuration(Duration.ZERO)
                    .build());

            if (!admit) {
                store.consume(call, moatClock.nowMillis(), false);
                moat.check(request);
                lockFree.tryConsume(1);
                synchronizedBucket.tryConsume(1);
                resilience.acquirePermission();
            }
            check(admit);
        }

        /** A benchmark of the wrong path measures nothing: fail loudly instead. */
        private void check(boolean admit) {
            String what = admit ? "admit" : "refuse";
            if (store.consume(call, moatClock.nowMillis(), true).allowed() != admit
                    || moat.check(CheckRequest.builder("message").ip("203.0.113.7").dryRun(true).build()).allowed() != admit
                    || lockFree.getAvailableTokens() > 0 != admit
                    || synchronizedBucket.getAvailableTokens() > 0 != admit
                    || resilience.getMetrics().getAvailablePermissions() > 0 != admit) {
                throw new IllegalStateException("setup does not " + what);
            }
        }

        @Benchmark
        public LimitOutcome moatStore() {
            return store.consume(call, moatClock.nowMillis(), false);
        }

        @Benchmark
        public Decision moatEngine() {
            return moat.check(request);
        }

        @Benchmark
        public boolean bucket4jLockFree() {
            return lockFree.tryConsume(1);
        }

        /** bucket4j's answer with what Moat's outcome carries: remaining tokens and the wait for a refill. */
        @Benchmark
        public ConsumptionProbe bucket4jLockFreeProbe() {
            return lockFree.tryConsumeAndReturnRemaining(1);
        }

        @Benchmark
        public boolean bucket4jSynchronized() {
            return synchronizedBucket.tryConsume(1);
        }

        @Benchmark
        public boolean resilience4j() {
            return resilience.acquirePermission();
        }
    }

    /** Every benchmark of {@link Base} on one thread. */
    @Threads(1)
    public static class OneThread extends Base {
    }

    /** Every benchmark of {@link Base} on two threads sharing the one key (this machine has two cores). */
    @Threads(2)
    public static class TwoThreads extends Base {
    }
}
