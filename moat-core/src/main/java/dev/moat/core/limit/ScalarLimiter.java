package dev.moat.core.limit;

/**
 * A limiter whose whole state is one {@code long} (GCRA: the theoretical arrival time in epoch
 * nanoseconds, the one element of its {@code long[]} state). A store can keep that state unboxed
 * and compare-and-set it in place, so an admitted call allocates no state and no {@link Step}.
 * The answers are exactly those of {@link #consume} on {@code new long[] {state}}.
 */
public interface ScalarLimiter extends Limiter {
    /** As a state argument: never seen (the same as full). */
    long NONE = Long.MIN_VALUE;
    /** As the result of {@link #spend}: the cost was refused and the state stays as it was. */
    long REFUSED = Long.MIN_VALUE;

    /** The state after spending {@code cost} at {@code nowMillis}, or {@link #REFUSED}; never {@link #NONE}. */
    long spend(long state, long nowMillis, long cost);

    /** What {@link #consume} answers for the same arguments, handed to {@code to} instead of a Step. */
    <T> T answer(long state, long nowMillis, long cost, Answer<T> to);

    /**
     * Spends {@code cost} from {@code state} and answers, in one pass: when admitted, the next
     * state is compare-and-set into {@code slot} (expecting {@code state}) before the answer is
     * built, and {@code null} is returned if the slot had changed (the caller reads it again and
     * retries); when refused, the slot is left alone. The answer is exactly {@link #answer}'s, the
     * state written exactly {@link #spend}'s. One computation on both paths, and nothing but
     * arithmetic between reading the state and setting it, which keeps a hot key's retries rare.
     */
    <T> T spend(long state, long nowMillis, long cost, Slot slot, Answer<T> to);

    /** The state after giving back {@code cost} units; {@link #NONE} stays {@link #NONE}. */
    long refund(long state, long nowMillis, long cost);

    /** True when the state is indistinguishable from a fresh one. */
    boolean isIdle(long state, long nowMillis);

    /** The epoch millisecond at which {@code state} is back to full (as {@link IdleAt#millis}). */
    static long idleAtMillis(long state) {
        return state == NONE ? Long.MIN_VALUE : Math.floorDiv(state + 999_999L, 1_000_000L);
    }

    /** Where a store keeps one key's state: a compare-and-set of a {@code long}. */
    interface Slot {
        boolean compareAndSet(long expected, long next);
    }

    /** Receives one answer without an intermediate object; {@code LimitOutcome::new} fits. */
    @FunctionalInterface
    interface Answer<T> {
        T of(boolean allowed, long remaining, long retryAfterMillis, long resetMillis);
    }
}
