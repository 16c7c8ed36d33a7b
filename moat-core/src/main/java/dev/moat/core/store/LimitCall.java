package dev.moat.core.store;

import dev.moat.core.limit.Limiter;

/**
 * One limit to apply to one key.
 *
 * @param key     the counter's key, unique per (limit, subject); stores add their own prefix
 * @param limiter the algorithm and its parameters
 * @param cost    units to spend (1 for events, bytes for media)
 */
public record LimitCall(String key, Limiter limiter, long cost) {
    public LimitCall {
        if (key == null || limiter == null) {
            throw new IllegalArgumentException("key and limiter are required");
        }
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
    }
}
