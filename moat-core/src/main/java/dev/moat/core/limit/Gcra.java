package dev.moat.core.limit;

import java.math.BigInteger;

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
 * burst N + 1), Synapse's per_second/burst_count leaky bucket, and bucket4j's greedy token
 * bucket of capacity burst (tokens = burst - (tat - now) / T).
 *
 * Exact arithmetic. T is rarely a whole number of nanoseconds (7 per 5 minutes gives
 * T = 42857142857.14 ns), and rounding each increment while rounding tau the other way makes the
 * burst-th request fail. So the arithmetic is done in ticks of 1/M millisecond, with max/per
 * reduced to lowest terms M/P (20 MiB per hour: M = 32768, P = 5625). Every quantity is then an
 * integer: T = P ticks, tau = burst * P ticks, 1 ms = M ticks, and since requests arrive at whole
 * milliseconds the debt (tat - now) is a whole number of ticks too. The state stays one long, the
 * TAT in epoch nanoseconds rounded up, which is what IdleAt and other stores read; the debt is
 * recovered from it by rounding down, which is exact whenever a tick is at least a nanosecond
 * (M <= 10^6) and otherwise errs by less than a nanosecond per request towards strictness, never
 * looseness. Retry-after is exact: ceil((newDebt - tau) / M) milliseconds, and a retry one
 * millisecond earlier fails.
 */

/** GCRA with burst: one {@code long} of state, the theoretical arrival time in epoch nanoseconds. */
final class Gcra implements ScalarLimiter {
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final LimitSpec spec;
    /** Ticks per millisecond (M): a tick is 1/M ms. */
    private final long ticksPerMilli;
    /** The emission interval T in ticks (P). */
    private final long unitTicks;
    /** The burst tolerance tau in ticks, saturated. */
    private final long toleranceTicks;
    /** Division by M and by P without a hardware divide (Divisor). */
    private final Divisor byTicksPerMilli;
    private final Divisor byUnitTicks;
    /**
     * When a tick is a whole number of nanoseconds (M divides 10^6) and tau in nanoseconds is far
     * from overflow, spend() works on the TAT in nanoseconds directly: newTat = max(tat, now) +
     * cost * T, admitted iff newTat - now <= tau, the textbook form, with no conversion between
     * ticks and nanoseconds on the path from one TAT to the next. It gives the tick arithmetic's
     * exact result whenever tat - now is a whole number of ticks, which every TAT this limit
     * writes is (now is whole milliseconds, newTat = now + ticks * nanosPerTick); any other state
     * (another limit's, after a reload) takes the tick path. 0 when not applicable.
     */
    private final long nanosPerTick;
    private final Divisor byNanosPerTick;
    private final long unitNanos;
    private final Divisor byUnitNanos;
    private final long toleranceNanos;

    Gcra(LimitSpec spec) {
        this.spec = spec;
        long g = gcd(spec.max(), spec.perMillis());
        this.ticksPerMilli = spec.max() / g;
        this.unitTicks = spec.perMillis() / g;
        this.toleranceTicks = saturatedMultiply(spec.burst(), unitTicks);
        this.byTicksPerMilli = new Divisor(ticksPerMilli);
        this.byUnitTicks = new Divisor(unitTicks);
        long k = NANOS_PER_MILLI % ticksPerMilli == 0 ? NANOS_PER_MILLI / ticksPerMilli : 0;
        long tolNanos = k == 0 ? Long.MAX_VALUE : saturatedMultiply(toleranceTicks, k);
        this.nanosPerTick = tolNanos < FAST_LIMIT ? k : 0;
        this.byNanosPerTick = new Divisor(Math.max(1, k));
        this.unitNanos = nanosPerTick == 0 ? 0 : unitTicks * k;
        this.byUnitNanos = new Divisor(Math.max(1, unitNanos));
        this.toleranceNanos = nanosPerTick == 0 ? 0 : tolNanos;
    }

    /** Bound on TATs, instants and tau for the nanosecond path: sums of two stay below 2^63. */
    private static final long FAST_LIMIT = 1L << 62;

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public Step consume(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        long debt = debtTicks(state, nowNanos);
        if (cost > spec.burst()) {
            long[] kept = state == null ? new long[] {nowNanos} : state;
            return new Step(false, kept, remaining(debt), Step.NEVER, millisOf(debt));
        }
        long newDebt = saturatedAdd(debt, saturatedMultiply(cost, unitTicks));
        if (newDebt <= toleranceTicks) {
            long[] next = {saturatedAdd(nowNanos, nanosOf(newDebt))};
            return new Step(true, next, remaining(newDebt), 0, millisOf(newDebt));
        }
        long retry = byTicksPerMilli.ceilQuotient(newDebt - toleranceTicks);
        long[] kept = state == null ? new long[] {nowNanos} : state;
        return new Step(false, kept, remaining(debt), retry, millisOf(debt));
    }

    @Override
    public long spend(long state, long nowMillis, long cost) {
        if (cost > spec.burst()) {
            return REFUSED;
        }
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        if (nanosPerTick != 0) {
            long base = Math.max(state, nowNanos);
            // cost <= burst, so cost * T <= tau < 2^62, and base < 2^62: no overflow
            if (nowNanos >= 0 && base < FAST_LIMIT && byNanosPerTick.divides(base - nowNanos)) {
                long newTat = base + cost * unitNanos;
                return newTat - nowNanos <= toleranceNanos ? newTat : REFUSED;
            }
        }
        long newDebt = saturatedAdd(debtTicks(state, nowNanos), saturatedMultiply(cost, unitTicks));
        return newDebt <= toleranceTicks ? saturatedAdd(nowNanos, nanosOf(newDebt)) : REFUSED;
    }

    /** A slot that is never written: {@link #answer} is {@link #spend(long, long, long, Slot, Answer)} with it. */
    private static final Slot PEEK = (expected, next) -> true;

    @Override
    public <T> T answer(long state, long nowMillis, long cost, Answer<T> to) {
        return spend(state, nowMillis, cost, PEEK, to);
    }

    @Override
    public <T> T spend(long state, long nowMillis, long cost, Slot slot, Answer<T> to) {
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        if (nanosPerTick != 0 && cost <= spec.burst()) {
            long base = Math.max(state, nowNanos);
            if (nowNanos >= 0 && base < FAST_LIMIT && byNanosPerTick.divides(base - nowNanos)) {
                // the tick path in nanoseconds (ticks * nanosPerTick = nanos, M * nanosPerTick = 10^6),
                // as spend(long, long, long) takes it
                long debt = base - nowNanos;
                long newDebt = debt + cost * unitNanos;
                if (newDebt <= toleranceNanos) {
                    if (!slot.compareAndSet(state, base + cost * unitNanos)) {
                        return null;
                    }
                    return to.of(true, byUnitNanos.quotient(toleranceNanos - newDebt), 0, ceilMillis(newDebt));
                }
                long remaining = debt >= toleranceNanos ? 0 : byUnitNanos.quotient(toleranceNanos - debt);
                return to.of(false, remaining, ceilMillis(newDebt - toleranceNanos), ceilMillis(debt));
            }
        }
        long debt = debtTicks(state, nowNanos);
        if (cost > spec.burst()) {
            return to.of(false, remaining(debt), Step.NEVER, millisOf(debt));
        }
        long newDebt = saturatedAdd(debt, saturatedMultiply(cost, unitTicks));
        if (newDebt <= toleranceTicks) {
            if (!slot.compareAndSet(state, saturatedAdd(nowNanos, nanosOf(newDebt)))) {
                return null;
            }
            return to.of(true, remaining(newDebt), 0, millisOf(newDebt));
        }
        return to.of(false, remaining(debt), byTicksPerMilli.ceilQuotient(newDebt - toleranceTicks), millisOf(debt));
    }

    @Override
    public long refund(long state, long nowMillis, long cost) {
        if (state == NONE) {
            return NONE;
        }
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        long debt = Math.max(0, debtTicks(state, nowNanos) - saturatedMultiply(cost, unitTicks));
        return saturatedAdd(nowNanos, nanosOf(debt));
    }

    @Override
    public boolean isIdle(long state, long nowMillis) {
        return state == NONE || state <= nowMillis * NANOS_PER_MILLI;
    }

    @Override
    public long[] refund(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        if (state == null) {
            return null;
        }
        long nowNanos = nowMillis * NANOS_PER_MILLI;
        long debt = Math.max(0, debtTicks(state, nowNanos) - saturatedMultiply(cost, unitTicks));
        return new long[] {saturatedAdd(nowNanos, nanosOf(debt))};
    }

    @Override
    public boolean isIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        return state == null || state[0] <= nowMillis * NANOS_PER_MILLI;
    }

    @Override
    public long millisUntilIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        if (state == null) {
            return 0;
        }
        long ahead = saturatedSubtract(state[0], nowMillis * NANOS_PER_MILLI);
        return ahead <= 0 ? 0 : ceilDiv(ahead, NANOS_PER_MILLI);
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /** tat - now in ticks, rounded down (exact when a tick is at least 1 ns); 0 when idle. */
    private long debtTicks(long[] state, long nowNanos) {
        return debtTicks(state == null ? NONE : state[0], nowNanos);
    }

    private long debtTicks(long tat, long nowNanos) {
        long ahead = saturatedSubtract(tat, nowNanos);
        if (ahead <= 0) {
            return 0;
        }
        long product = ahead * ticksPerMilli;
        if (Math.multiplyHigh(ahead, ticksPerMilli) == 0 && product >= 0) {
            return product / NANOS_PER_MILLI; // a constant divisor: the JIT multiplies
        }
        return mulDiv(ahead, ticksPerMilli, NANOS_PER_MILLI, false);
    }

    /** Whole units that still fit under the tolerance with {@code debt} outstanding. */
    private long remaining(long debt) {
        return debt >= toleranceTicks ? 0 : byUnitTicks.quotient(toleranceTicks - debt);
    }

    /** ticks * 10^6 / M rounded up. */
    private long nanosOf(long ticks) {
        long product = ticks * NANOS_PER_MILLI;
        if (Math.multiplyHigh(ticks, NANOS_PER_MILLI) == 0 && product >= 0) {
            return byTicksPerMilli.ceilQuotient(product);
        }
        return mulDiv(ticks, NANOS_PER_MILLI, ticksPerMilli, true);
    }

    /** Nanoseconds (0 to 2^63 - 10^6) to milliseconds, rounded up; a constant divisor, which the JIT multiplies. */
    private static long ceilMillis(long nanos) {
        return (nanos + NANOS_PER_MILLI - 1) / NANOS_PER_MILLI;
    }

    private long millisOf(long ticks) {
        return byTicksPerMilli.ceilQuotient(ticks);
    }

    private static long ceilDiv(long a, long b) {
        long q = a / b;
        return q * b == a ? q : q + 1;
    }

    /** a * b / d for a, b >= 0 and d > 0, rounded down or up, saturating at Long.MAX_VALUE. */
    static long mulDiv(long a, long b, long d, boolean roundUp) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        if (hi == 0 && lo >= 0) {
            long q = lo / d;
            return roundUp && q * d != lo ? q + 1 : q;
        }
        BigInteger[] qr = BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).divideAndRemainder(BigInteger.valueOf(d));
        BigInteger q = roundUp && qr[1].signum() != 0 ? qr[0].add(BigInteger.ONE) : qr[0];
        return q.bitLength() < Long.SIZE ? q.longValue() : Long.MAX_VALUE;
    }

    private static long saturatedMultiply(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return hi == 0 && lo >= 0 ? lo : Long.MAX_VALUE;
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    private static long saturatedSubtract(long a, long b) {
        long r = a - b;
        return ((a ^ b) & (a ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    /**
     * A state of another layout (the limit's algorithm or precision changed on a reload while
     * its id stayed) is treated as fresh rather than misread.
     */
    private long[] ownLayout(long[] state) {
        return state == null || state.length != 1 ? null : state;
    }
}
