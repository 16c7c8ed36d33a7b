package dev.moat.core.limit;

/**
 * The result of one pure algorithm step.
 *
 * @param allowed          whether the cost was admitted
 * @param state            the state to store (the old state when refused); never null
 * @param remaining        units still available right after this step
 * @param retryAfterMillis 0 when allowed; when refused, the exact wait until the same cost can
 *                         succeed, or {@link #NEVER} when the cost exceeds what the limit can
 *                         ever admit
 * @param resetMillis      time until the state is back to full
 */
public record Step(boolean allowed, long[] state, long remaining, long retryAfterMillis, long resetMillis) {
    /** A cost larger than the limit's capacity can never be admitted. */
    public static final long NEVER = -1;
}
