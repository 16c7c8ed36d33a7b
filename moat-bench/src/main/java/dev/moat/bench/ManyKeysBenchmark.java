package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;
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

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One check on a key picked at random among {@code keys} tracked keys (100k, 1M): the cost of
 * finding a counter in a big map (cache misses) more than of the arithmetic. Both sides are
 * filled with every key before measuring, hold the same key strings (built once), run on the same
 * fixed instant and admit every call (10^9 per second).
 *
 * <ul>
 *   <li>{@code moat}: {@link MemoryLimitStore#consume(LimitCall, long, boolean)} with a
 *       {@link LimitCall} made per call (as the engine does), so the key's 128-bit hash is computed
 *       on every call; capped at the number of keys so that nothing is evicted.</li>
 *   <li>{@code bucket4j}: {@code ConcurrentHashMap<String, Bucket>.computeIfAbsent(key, build)}
 *       then {@code tryConsume(1)}, the pattern bucket4j's documentation gives for per-key
 *       limits; the buckets share one {@code Bandwidth}.</li>
 * </ul>
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Threads(1)
public class ManyKeysBenchmark {

    @State(Scope.Benchmark)
    public static class Names {
        @Param({"100000", "1000000"})
        public int keys;

        String[] names;

        @Setup(Level.Trial)
        public void setUp() {
            names = Keys.ipKeys("client.target.message|", keys);
        }

        String pick() {
            return names[ThreadLocalRandom.current().nextInt(names.length)];
        }
    }

    @State(Scope.Benchmark)
    public static class MoatSide {
        MemoryLimitStore store;
        Limiter limiter;
        long now;

        @Setup(Level.Trial)
        public void setUp(Names n) {
            store = new MemoryLimitStore(n.keys);
            limiter = LimitSpec.gcra(Peers.HUGE, Peers.HUGE_PER_MILLIS).limiter();
            now = Peers.FIXED_MILLIS;
            for (String key : n.names) {
                store.consume(new LimitCall(key, limiter, 1), now, false);
            }
            if (store.trackedKeys() != n.keys) {
                throw new IllegalStateException("expected " + n.keys + " keys, have " + store.trackedKeys());
            }
        }
    }

    @State(Scope.Benchmark)
    public static class Bucket4jSide {
        final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
        Bandwidth bandwidth;

        @Setup(Level.Trial)
        public void setUp(Names n) {
            bandwidth = Peers.bandwidth(Peers.HUGE, Peers.HUGE_PER_MILLIS);
            for (String key : n.names) {
                consume(key);
            }
        }

        boolean consume(String key) {
            return buckets.computeIfAbsent(key, k -> Peers.bucket(bandwidth, true, SynchronizationStrategy.LOCK_FREE))
                    .tryConsume(1);
        }
    }

    @Benchmark
    public LimitOutcome moat(Names n, MoatSide m) {
        return m.store.consume(new LimitCall(n.pick(), m.limiter, 1), m.now, false);
    }

    @Benchmark
    public boolean bucket4j(Names n, Bucket4jSide b) {
        return b.consume(n.pick());
    }
}
