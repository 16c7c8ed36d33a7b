package dev.moat.core.limit;

/**
 * A rate-limit algorithm as pure state transitions with time passed in. State is a small
 * {@code long[]} that the limiter never mutates: stores keep it, compare-and-set it, or (Redis)
 * mirror it in a script. A {@code null} state means "never seen", which is the same as full.
 */
public interface Limiter {

    /** Tries to spend {@code cost} units at {@code nowMillis}. */
    Step consume(long[] state, long nowMillis, long cost);

    /** Gives back {@code cost} units spent earlier (used when a later limit of the same request refused). */
    long[] refund(long[] state, long nowMillis, long cost);

    /** True when the state is indistinguishable from a fresh one, so a store may drop it. */
    boolean isIdle(long[] state, long nowMillis);

    /** Milliseconds until {@code state} is back to full (0 when idle). Used to pick eviction victims. */
    long millisUntilIdle(long[] state, long nowMillis);

    /** The limit this limiter enforces. */
    LimitSpec spec();
}
