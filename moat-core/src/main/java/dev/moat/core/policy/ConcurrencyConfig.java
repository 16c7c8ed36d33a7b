package dev.moat.core.policy;

/** At most {@code max} requests of one action in flight per user, each lease lapsing after {@code leaseMillis}. */
public record ConcurrencyConfig(int max, long leaseMillis) {
    public ConcurrencyConfig {
        if (max < 1) {
            throw new IllegalArgumentException("concurrent max must be at least 1, was " + max);
        }
        if (leaseMillis < 1) {
            throw new IllegalArgumentException("lease must be at least 1ms, was " + leaseMillis + "ms");
        }
    }
}
