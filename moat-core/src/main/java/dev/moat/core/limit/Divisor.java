package dev.moat.core.limit;

/**
 * Division of non-negative longs by a divisor fixed when a limit is built, as one multiply and
 * at most one correction instead of a hardware divide (64-bit division takes several times the
 * rest of a GCRA step, and a step divides up to three times). Exact: {@code quotient(x)} equals
 * {@code x / d} for every {@code x >= 0}.
 *
 * <p>With {@code m = floor((2^64 - 1) / d)} and {@code x < 2^63}, the high half of {@code x * m}
 * is at most {@code x / d} and more than {@code x / d - 1/2 - 1/2}, so it is the quotient or one
 * less, which the remainder tells.
 */
final class Divisor {
    private final long d;
    /** floor((2^64 - 1) / d), below 2^63 for d >= 2 so the signed high product is the unsigned one. */
    private final long magic;

    Divisor(long d) {
        if (d < 1) {
            throw new IllegalArgumentException("divisor must be positive, was " + d);
        }
        this.d = d;
        this.magic = d == 1 ? 0 : Long.divideUnsigned(-1L, d);
    }

    /** {@code x / d} for {@code x >= 0}. */
    long quotient(long x) {
        if (d == 1) {
            return x;
        }
        long q = Math.multiplyHigh(x, magic);
        return x - q * d >= d ? q + 1 : q;
    }

    /** {@code ceil(x / d)} for {@code x >= 0}. */
    long ceilQuotient(long x) {
        long q = quotient(x);
        return q * d == x ? q : q + 1;
    }

    /** True when {@code x >= 0} is a multiple of d. */
    boolean divides(long x) {
        return quotient(x) * d == x;
    }

    long value() {
        return d;
    }
}
