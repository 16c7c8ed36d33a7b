package dev.moat.core.limit;

/*
 * How it works and why.
 *
 * GCRA (generic cell rate algorithm) keeps one number per key: the theoretical arrival time
 * (TAT), the instant at which the key would be back to "empty" if nothing else happened. Each
 * unit of cost pushes the TAT forward by the emission interval T = per / max. A request of cost c
 * at time now is admitted when the pushed TAT is no further ahead of now than the burst
 * tolerance tau = burst * T:
 *
 *     newTat = max(tat, now) + c * T        admitted iff newTat - now <= tau
 *
 * and when refused, the same cost succeeds exactly at newTat - tau. This is Conduit's scheme,
 * nginx's limit_req with burst and nodelay (nginx burst=N admits N + 1 at once, i.e. our
 * burst N + 1), and Synapse's per_second/burst_count leaky bucket.
 *
 * Times are kept in nanoseconds so that byte budgets (20MB per hour gives T = 171.66 us per
 * byte) stay exact enough. Increments and the tolerance are rounded down, consistently, so that
 * exactly burst events fit at once (7 * floor(T) <= floor(7 * T)); the rate is thereby at most one
 * nanosecond per event looser, one extra event in about 10^10. Retry-after is rounded up to the
 * next millisecond, so a retry at now + retryAfterMillis always succeeds (if nothing else spent
 * in between), and one millisecond earlier does not.
 */

/** GCRA with burst: one {@code long} of state, the theoretical arrival time in epoch nanoseconds. */
final class Gcra implements Limiter {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final LimitSpec spec;
    private final long perNanos;
    private final long toleranceNanos;
    private final long unitNanos;

    Gcra(LimitSpec spec) {
        this.spec = spec;
        this.perNanos = Math.multiplyExact(spec.perMillis(), NANOS_PER_MILLI);
        this.toleranceNanos = scaled(spec.burst());
        this.unitNanos = scaled(1);
    }

    /** cost * per / max in nanoseconds, rounded down, at least 1 for a positive cost. */
    private long scaled(long cost) {
        if (cost == 0) {
            return 0;
        }
        long q;
        try {
            q = Math.multiplyExact(cost, perNanos) / spec.max();
        } catch (ArithmeticException overflow) {
            q = (long) Math.floor((double) cost * (double) perNanos / (double) spec.max());
        }
        return Math.max(1, q);
    }

    @Override
    public Step consume(long[] state, long nowMillis, long cost) {
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        long tat = state == null ? nowNanos : Math.max(state[0], nowNanos);
        long increment = scaled(cost);
        long newTat = tat + increment;
        if (newTat - nowNanos <= toleranceNanos) {
            long remaining = (toleranceNanos - (newTat - nowNanos)) / unitNanos;
            return new Step(true, new long[] {newTat}, remaining, 0, ceilMillis(newTat - nowNanos));
        }
        long remaining = Math.max(0, (toleranceNanos - (tat - nowNanos)) / unitNanos);
        long retry = increment > toleranceNanos ? Step.NEVER : ceilMillis(newTat - toleranceNanos - nowNanos);
        long[] kept = state == null ? new long[] {nowNanos} : state;
        return new Step(false, kept, remaining, retry, ceilMillis(tat - nowNanos));
    }

    @Override
    public long[] refund(long[] state, long nowMillis, long cost) {
        if (state == null) {
            return null;
        }
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        return new long[] {Math.max(nowNanos, state[0] - scaled(cost))};
    }

    @Override
    public boolean isIdle(long[] state, long nowMillis) {
        return state == null || state[0] <= nowMillis * NANOS_PER_MILLI;
    }

    @Override
    public long millisUntilIdle(long[] state, long nowMillis) {
        return state == null ? 0 : Math.max(0, ceilMillis(state[0] - nowMillis * NANOS_PER_MILLI));
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    private static long ceilMillis(long nanos) {
        if (nanos <= 0) {
            return 0;
        }
        return (nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
    }
}
