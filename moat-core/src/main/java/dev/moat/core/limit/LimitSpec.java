package dev.moat.core.limit;

/**
 * One configured limit: {@code max} units per {@code perMillis}, counted with {@code algorithm}.
 * Validated at construction; messages quote the bad value.
 *
 * @param max             events (or bytes) admitted per window; at least 1
 * @param perMillis       the window; at least 1 ms
 * @param burst           GCRA only: units admissible at once (defaults to {@code max})
 * @param algorithm       the counting algorithm
 * @param precisionMillis sliding window only: bucket width (defaults to {@code perMillis / 10})
 */
public record LimitSpec(long max, long perMillis, long burst, Algorithm algorithm, long precisionMillis) {

    public LimitSpec {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1, was " + max);
        }
        if (perMillis < 1) {
            throw new IllegalArgumentException("per must be at least 1ms, was " + perMillis + "ms");
        }
        if (algorithm == null) {
            algorithm = Algorithm.GCRA;
        }
        if (burst <= 0) {
            burst = max;
        }
        if (algorithm != Algorithm.GCRA && burst != max) {
            throw new IllegalArgumentException("burst applies to gcra only, not " + algorithm.configName());
        }
        if (precisionMillis <= 0) {
            precisionMillis = Math.max(1, perMillis / 10);
        }
        if (precisionMillis > perMillis) {
            throw new IllegalArgumentException(
                    "precision (" + precisionMillis + "ms) must not exceed per (" + perMillis + "ms)");
        }
        if (algorithm == Algorithm.SLIDING_WINDOW && (perMillis + precisionMillis - 1) / precisionMillis > 3600) {
            throw new IllegalArgumentException("precision " + precisionMillis + "ms cuts " + perMillis
                    + "ms into more than 3600 buckets");
        }
    }

    /** A GCRA limit of {@code max} per {@code perMillis} with burst = max. */
    public static LimitSpec gcra(long max, long perMillis) {
        return new LimitSpec(max, perMillis, max, Algorithm.GCRA, 0);
    }

    public static LimitSpec gcra(long max, long perMillis, long burst) {
        return new LimitSpec(max, perMillis, burst, Algorithm.GCRA, 0);
    }

    public static LimitSpec fixedWindow(long max, long perMillis) {
        return new LimitSpec(max, perMillis, max, Algorithm.FIXED_WINDOW, 0);
    }

    public static LimitSpec slidingWindow(long max, long perMillis, long precisionMillis) {
        return new LimitSpec(max, perMillis, max, Algorithm.SLIDING_WINDOW, precisionMillis);
    }

    /** The pure algorithm for this spec. */
    public Limiter limiter() {
        return switch (algorithm) {
            case GCRA -> new Gcra(this);
            case FIXED_WINDOW -> new FixedWindow(this);
            case SLIDING_WINDOW -> new SlidingWindow(this);
        };
    }
}
