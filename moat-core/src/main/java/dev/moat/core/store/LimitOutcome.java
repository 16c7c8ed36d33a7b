package dev.moat.core.store;

/**
 * What a store answers for one limit of a check.
 *
 * @param allowed          this limit admitted the cost
 * @param remaining        units left after the check
 * @param retryAfterMillis when refused: exact wait until the cost can succeed, or -1 for never
 * @param resetMillis      time until the limit is back to full
 */
public record LimitOutcome(boolean allowed, long remaining, long retryAfterMillis, long resetMillis) {
}
