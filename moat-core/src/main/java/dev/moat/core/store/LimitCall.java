package dev.moat.core.store;

import dev.moat.core.limit.Limiter;

import java.util.Objects;

/**
 * One limit to apply to one key: {@code key} (the counter's key, unique per (limit, subject);
 * stores add their own prefix), {@code limiter} (the algorithm and its parameters) and
 * {@code cost} (units to spend: 1 for events, bytes for media).
 *
 * <p>A value class with a record's accessors, equality and text. It is not a record because it
 * caches the memory store's {@link KeyHash} of its key, computed on first use, as a String
 * caches its hashCode: a call reused across checks hashes its key once.
 */
public final class LimitCall {
    private final String key;
    private final Limiter limiter;
    private final long cost;
    /** Racy single-check cache: KeyHash is immutable with final fields, so any thread may publish it. */
    private KeyHash keyHash;

    public LimitCall(String key, Limiter limiter, long cost) {
        if (key == null || limiter == null) {
            throw new IllegalArgumentException("key and limiter are required");
        }
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
        this.key = key;
        this.limiter = limiter;
        this.cost = cost;
    }

    public String key() {
        return key;
    }

    public Limiter limiter() {
        return limiter;
    }

    public long cost() {
        return cost;
    }

    KeyHash keyHash() {
        KeyHash h = keyHash;
        if (h == null) {
            h = KeyHash.of(key);
            keyHash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LimitCall c && c.cost == cost && c.key.equals(key) && c.limiter.equals(limiter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key, limiter, cost);
    }

    @Override
    public String toString() {
        return "LimitCall[key=" + key + ", limiter=" + limiter + ", cost=" + cost + "]";
    }
}
