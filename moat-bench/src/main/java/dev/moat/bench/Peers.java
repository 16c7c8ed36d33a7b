package dev.moat.bench;

import dev.moat.core.ManualClock;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.local.SynchronizationStrategy;

import java.time.Duration;

/**
 * What every benchmark shares: the fixed instant both sides read, and the bucket4j buckets built
 * the way its documentation builds them. Moat's GCRA with burst = max is bucket4j's greedy token
 * bucket of capacity max (see Gcra's comment), so the two sides enforce the same limit.
 */
final class Peers {
    private Peers() {
    }

    /** 2026-01-01T00:00:00Z, ManualClock's default start. */
    static final long FIXED_MILLIS = new ManualClock().nowMillis();

    /**
     * A limit that never refuses during a benchmark iteration: 10^9 per second with a burst of
     * 10^9. On a fixed clock nothing refills, so a state is good for 10^9 admissions; iterations
     * reset it. Moat: T = 1 ns exactly (ticks of 1/10^6 ms), so the GCRA stays on its long-only path.
     */
    static final long HUGE = 1_000_000_000L;
    static final long HUGE_PER_MILLIS = 1_000;

    /** A limit that is exhausted after one unit and refills in a day: every later call is refused. */
    static final long TINY = 1;
    static final long TINY_PER_MILLIS = 24L * 3600 * 1000;

    /** bucket4j's clock for the fixed-clock runs: the same instant as Moat's ManualClock. */
    static final TimeMeter FIXED_METER = new TimeMeter() {
        @Override
        public long currentTimeNanos() {
            return FIXED_MILLIS * 1_000_000L;
        }

        @Override
        public boolean isWallClockBased() {
            return true;
        }
    };

    static Bandwidth bandwidth(long max, long perMillis) {
        return Bandwidth.builder().capacity(max).refillGreedy(max, Duration.ofMillis(perMillis)).build();
    }

    /**
     * A local bucket: {@code fixed} reads {@link #FIXED_METER}, else bucket4j's default clock
     * ({@code TimeMeter.SYSTEM_MILLISECONDS}, System.currentTimeMillis: the same source as Moat's
     * {@code Clock.SYSTEM}). {@code strategy} LOCK_FREE is bucket4j's default (CAS on an
     * AtomicReference to an immutable state copy, like Moat's store); SYNCHRONIZED takes a lock.
     */
    static Bucket bucket(Bandwidth bandwidth, boolean fixed, SynchronizationStrategy strategy) {
        var b = Bucket.builder().addLimit(bandwidth).withSynchronizationStrategy(strategy);
        if (fixed) {
            b.withCustomTimePrecision(FIXED_METER);
        }
        return b.build();
    }
}
