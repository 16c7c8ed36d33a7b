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
    private final int twos;
    private final long twosMask;
    private final long oddInverse;
    private final long oddLimit;

    Divisor(long d) {
        if (d < 1) {
            throw new IllegalArgumentException("divisor must be positive, was " + d);
        }
        this.d = d;
        this.magic = d == 1 ? 0 : Long.divideUnsigned(-1L, d);
        this.twos = Long.numberOfTrailingZeros(d);
        this.twosMask = (1L << twos) - 1;
        long odd = d >>> twos;
        long inverse = odd; // correct to 3 bits for any odd number; each step doubles that
        for (int i = 0; i < 5; i++) {
            inverse *= 2 - odd * inverse;
        }
        this.oddInverse = inverse;
        this.oddLimit = Long.divideUnsigned(-1L, odd);
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

    /**
     * True when {@code x >= 0} is a multiple of d: d = 2^twos * odd, and x is a multiple of the odd
     * part exactly when (x / 2^twos) times the inverse of odd modulo 2^64 is at most
     * floor((2^64 - 1) / odd) (the multiples of odd are the only values that map into that range).
     */
    boolean divides(long x) {
        return (x & twosMask) == 0 && Long.compareUnsigned((x >>> twos) * oddInverse, oddLimit) <= 0;
    }

    long value() {
        return d;
    }
}
