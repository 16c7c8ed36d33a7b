package dev.moat.core;

/**
 * One limit as evaluated for a request: enough for the RateLimit headers of a caller.
 *
 * @param id           the config entry, e.g. {@code client.target.login} or {@code client.target.message[1]}
 * @param scope        {@code ip}, {@code user}, {@code target}, {@code email}, {@code server}, {@code appservice} or {@code global}
 * @param key          the subject the counter belongs to, e.g. {@code ip:203.0.113.7} ({@code global} for global budgets)
 * @param max          units per window
 * @param windowMillis the window
 * @param remaining    units left after this request
 * @param resetMillis  time until the limit is back to full
 * @param allowed      whether this limit admitted the request
 * @param retryAfterMillis when refused: exact wait, or -1 for never
 */
public record LimitStatus(String id, String scope, String key, long max, long windowMillis, long remaining,
                          long resetMillis, boolean allowed, long retryAfterMillis) {
}
