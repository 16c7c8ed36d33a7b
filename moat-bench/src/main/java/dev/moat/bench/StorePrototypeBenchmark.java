package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.limit.Step;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
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

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Sizes a proposed change to MemoryLimitStore's hot path before anyone writes it; compare with
 * {@code HotKeyBenchmark}'s {@code moatStore} and {@code bucket4jLockFree} on the fixed clock,
 * which use the same key, limits and settings (bench/run.sh runs both). Today an admitted call ends with {@code ConcurrentHashMap.replace(key, old, new)},
 * which hashes and walks the bin again and takes the bin's monitor. The prototype keeps one
 * {@link AtomicReference} cell per key and compare-and-sets the cell, as bucket4j's lock-free
 * bucket does, so an admitted call is one lock-free {@code get} and one CAS. It has no refunds,
 * eviction or idle removal (a real version must retire a cell before removing it, so that a
 * spender holding a removed cell retries), so it bounds the gain rather than measuring a store.
 *
 * <pre>java -jar moat-bench/target/benchmarks.jar StorePrototypeBenchmark -prof gc -f 1 -wi 3 -w 2s -i 5 -r 2s</pre>
 */
public class StorePrototypeBenchmark {

    /** The prototype: MemoryLimitStore.consume's loop with a CAS on a per-key cell. */
    static final class CellStore {
        private final ConcurrentHashMap<String, AtomicReference<long[]>> cells = new ConcurrentHashMap<>();

        LimitOutcome[] consume(List<LimitCall> calls, long nowMillis) {
            int n = calls.size();
            LimitOutcome[] out = new LimitOutcome[n];
            boolean refused = false;
            for (int i = 0; i < n; i++) {
                LimitCall call = calls.get(i);
                Step step = refused ? call.limiter().consume(cell(call.key()).get(), nowMillis, call.cost())
                        : spend(call, nowMillis);
                out[i] = new LimitOutcome(step.allowed(), step.remaining(), step.retryAfterMillis(), step.resetMillis());
                refused |= !step.allowed();
            }
            return out;
        }

        private AtomicReference<long[]> cell(String key) {
            AtomicReference<long[]> c = cells.get(key);
            return c != null ? c : cells.computeIfAbsent(key, k -> new AtomicReference<>());
        }

        private Step spend(LimitCall call, long nowMillis) {
            AtomicReference<long[]> c = cell(call.key());
            while (true) {
                long[] old = c.get();
                Step step = call.limiter().consume(old, nowMillis, call.cost());
                if (!step.allowed() || c.compareAndSet(old, step.state())) {
                    return step;
                }
            }
        }
    }

    @State(Scope.Benchmark)
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public abstract static class Base {
        @Param({"admit", "refuse"})
        public String path;

        private CellStore cells;
        private List<LimitCall> calls;
        private final long now = Peers.FIXED_MILLIS;

        @Setup(Level.Iteration)
        public void setUp() {
            boolean admit = path.equals("admit");
            long max = admit ? Peers.HUGE : Peers.TINY;
            long per = admit ? Peers.HUGE_PER_MILLIS : Peers.TINY_PER_MILLIS;
            Limiter limiter = LimitSpec.gcra(max, per).limiter();
            calls = List.of(new LimitCall("client.target.message|ip:203.0.113.7", limiter, 1));
            cells = new CellStore();
            if (!admit) {
                cells.consume(calls, now);
            }
            if (cells.consume(calls, now)[0].allowed() != admit) {
                throw new IllegalStateException("setup does not " + path);
            }
        }

        @Benchmark
        public LimitOutcome[] cellPrototype() {
            return cells.consume(calls, now);
        }
    }

    @Threads(1)
    public static class OneThread extends Base {
    }

    @Threads(2)
    public static class TwoThreads extends Base {
    }
}
