package dev.moat.core.limit;

/**
 * Every algorithm's state starts with the instant it is back to full: GCRA's single long is its
 * theoretical arrival time in nanoseconds, the window algorithms lead with an idle-at instant in
 * milliseconds. Stores use this to drop idle keys without knowing which limit owns them.
 */
public final class IdleAt {
    private IdleAt() {
    }

    /** The epoch millisecond at which {@code state} is back to full. */
    public static long millis(long[] state) {
        if (state == null || state.length == 0) {
            return Long.MIN_VALUE;
        }
        if (state.length == 1) {
            return Math.floorDiv(state[0] + 999_999L, 1_000_000L);
        }
        return state[0];
    }
}
