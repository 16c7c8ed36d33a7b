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
    /** With {@link #rest}, the key when it was given in two parts; null when given whole. */
    private final KeyPrefix prefix;
    private final String rest;
    private final Limiter limiter;
    private final long cost;
    /** The key's text; built from prefix and rest on first use. Racy single-check cache, as keyHash. */
    private String key;
    /** Racy single-check cache: KeyHash is immutable with final fields, so any thread may publish it. */
    private KeyHash keyHash;

    public LimitCall(String key, Limiter limiter, long cost) {
        this(null, key, limiter, cost);
    }

    /**
     * The call for key {@code prefix.text() + rest}: the same call as one given the whole key
     * (equal, same key, same hash), but the prefix's hash is reused and the text built only when
     * asked for.
     */
    public LimitCall(KeyPrefix prefix, String rest, Limiter limiter, long cost) {
        if (rest == null || limiter == null) {
            throw new IllegalArgumentException("key and limiter are required");
        }
        if (cost < 0) {
            throw new IllegalArgumentException("cost must not be negative, was " + cost);
        }
        this.prefix = prefix;
        this.rest = rest;
        this.limiter = limiter;
        this.cost = cost;
        this.key = prefix == null ? rest : null;
    }

    public String key() {
        String k = key;
        if (k == null) {
            k = prefix.text() + rest;
            key = k;
        }
        return k;
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
            h = prefix == null ? KeyHash.of(rest) : prefix.hash(rest);
            keyHash = h;
        }
        return h;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LimitCall c && c.cost == cost && c.key().equals(key()) && c.limiter.equals(limiter);
    }

    @Override
    public int hashCode() {
        return Objects.hash(key(), limiter, cost);
    }

    @Override
    public String toString() {
        return "LimitCall[key=" + key() + ", limiter=" + limiter + ", cost=" + cost + "]";
    }
}
