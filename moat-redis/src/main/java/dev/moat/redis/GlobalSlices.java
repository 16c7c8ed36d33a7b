package dev.moat.redis;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/*
 * How it works and why.
 *
 * A global budget is touched by every request of the fleet, so one Redis key (one slot, one
 * node, one core) would serialise them all. Instead a node takes a slice of the budget (the
 * slice_take script spends it like a request of that size) and then admits requests out of the
 * slice in its own memory; what is left when the slice lapses goes back (slice_return).
 *
 * Lapse times are what make this accurate (docs/redis.md, "Slice leasing"): a fixed-window slice
 * lapses no later than the end of the window it was taken from, and a sliding-window slice no
 * later than the end of its bucket, so every unit is used in the window (bucket) that counted it
 * and the fleet never admits more than max per window. A GCRA slice lapses after at most
 * L = min(slice_ms, per / 64): a unit is used at most L after Redis counted it, so over any
 * interval the fleet admits at most ceil(max * L / per) more than a single GCRA would.
 *
 * Slice sizes adapt: a node asks for twice what it used from its last slice (doubling while it
 * runs out before a lapse), and the script never grants more than capacity / (2 * live nodes),
 * nor more than the budget has left.
 */

/** The slices of global budgets this node holds. Thread-safe: one lock per global key. */
final class GlobalSlices {

    /** One slice: units this node may admit locally until {@code expiresAt}. */
    static final class Slice {
        final String key;
        final LimitArgs args;
        final long granted;
        final long expiresAt;
        final long hint;
        final long takenAt;
        final long redisRemaining;
        final long redisReset;
        long left;
        boolean lapsed;

        Slice(String key, LimitArgs args, long granted, long expiresAt, long hint, long takenAt, long redisRemaining,
              long redisReset) {
            this.key = key;
            this.args = args;
            this.granted = granted;
            this.left = granted;
            this.expiresAt = expiresAt;
            this.hint = hint;
            this.takenAt = takenAt;
            this.redisRemaining = redisRemaining;
            this.redisReset = redisReset;
        }
    }

    private static final class Holder {
        final ArrayDeque<Slice> slices = new ArrayDeque<>();
        long want = 1;
        /** A refusal from Redis, answered locally until it lapses (for this cost or more). */
        long refusedUntil = Long.MIN_VALUE;
        long refusedFrom;
        long refusedCost;
        long refusedRetry;
        long refusedRemaining;
        long refusedReset;
    }

    /** A refusal answered from this node's memory. */
    record Refusal(long remaining, long retryAfterMillis, long resetMillis) {
    }

    /**
     * Remembers that Redis refused {@code cost} at {@code now}: until the retry instant (at most
     * {@code maxMillis} later) this node refuses that cost and more without asking again, so an
     * exhausted global budget does not become a hot key of refusals. Only ever stricter.
     */
    void refused(String key, long cost, long now, long retryAfterMillis, long remaining, long resetMillis, long maxMillis) {
        Holder h = holders.computeIfAbsent(key, k -> new Holder());
        synchronized (h) {
            long hold = retryAfterMillis < 0 ? maxMillis : Math.min(retryAfterMillis, maxMillis);
            h.refusedUntil = now + hold;
            h.refusedFrom = now;
            h.refusedCost = cost;
            h.refusedRetry = retryAfterMillis;
            h.refusedRemaining = remaining;
            h.refusedReset = resetMillis;
        }
    }

    /** The remembered refusal that applies to {@code cost} at {@code now}, or null. */
    Refusal knownRefusal(String key, long cost, long now) {
        Holder h = holders.get(key);
        if (h == null) {
            return null;
        }
        synchronized (h) {
            if (now >= h.refusedUntil || now < h.refusedFrom || cost < h.refusedCost) {
                return null;
            }
            long elapsed = now - h.refusedFrom;
            long retry = h.refusedRetry < 0 ? -1 : Math.max(1, h.refusedRetry - elapsed);
            return new Refusal(h.refusedRemaining, retry, Math.max(0, h.refusedReset - elapsed));
        }
    }

    private final ConcurrentHashMap<String, Holder> holders = new ConcurrentHashMap<>();

    /**
     * Takes {@code cost} units from a live slice of {@code key}; null when no slice has enough.
     * Slices found lapsed are moved to {@code lapsedOut} for the caller to return.
     */
    Slice reserve(String key, long cost, long now, List<Slice> lapsedOut) {
        Holder h = holders.computeIfAbsent(key, k -> new Holder());
        synchronized (h) {
            dropLapsed(h, now, lapsedOut);
            for (Slice s : h.slices) {
                if (s.left >= cost) {
                    s.left -= cost;
                    return s;
                }
            }
            if (!h.slices.isEmpty()) {
                // ran out before the lapse: ask for more next time
                h.want = Math.min(h.want * 2, 1L << 40);
            }
            return null;
        }
    }

    /** Gives units back to a slice (the request was refused elsewhere); lost if it lapsed meanwhile. */
    void unreserve(Slice s, long cost) {
        Holder h = holders.get(s.key);
        if (h == null) {
            return;
        }
        synchronized (h) {
            if (!s.lapsed) {
                s.left += cost;
            }
        }
    }

    /** Adds a freshly taken slice. */
    void add(Slice s) {
        Holder h = holders.computeIfAbsent(s.key, k -> new Holder());
        synchronized (h) {
            h.slices.addLast(s);
        }
    }

    /** How many units to ask for next, at least {@code cost}. */
    long want(String key, long cost) {
        Holder h = holders.get(key);
        long w;
        if (h == null) {
            w = 1;
        } else {
            synchronized (h) {
                w = h.want;
            }
        }
        return Math.max(w, cost);
    }

    /** An estimate of the budget left: this node's slices plus what Redis had left at the last take. */
    long estimateRemaining(Slice s) {
        Holder h = holders.get(s.key);
        long local = 0;
        if (h != null) {
            synchronized (h) {
                for (Slice x : h.slices) {
                    local += x.left;
                }
            }
        }
        return local + s.redisRemaining;
    }

    /** Removes and returns every slice that has lapsed at {@code now}. */
    List<Slice> lapsed(long now) {
        List<Slice> out = new ArrayList<>();
        for (Holder h : holders.values()) {
            synchronized (h) {
                dropLapsed(h, now, out);
            }
        }
        return out;
    }

    /** Removes and returns every slice (at close). */
    List<Slice> drain() {
        List<Slice> out = new ArrayList<>();
        for (Holder h : holders.values()) {
            synchronized (h) {
                for (Slice s : h.slices) {
                    s.lapsed = true;
                    out.add(s);
                }
                h.slices.clear();
            }
        }
        return out;
    }

    /** Slices held, for tests and health. */
    int held() {
        int n = 0;
        for (Holder h : holders.values()) {
            synchronized (h) {
                n += h.slices.size();
            }
        }
        return n;
    }

    private static void dropLapsed(Holder h, long now, List<Slice> out) {
        Iterator<Slice> it = h.slices.iterator();
        while (it.hasNext()) {
            Slice s = it.next();
            if (now >= s.expiresAt || now < s.takenAt) {
                it.remove();
                s.lapsed = true;
                h.want = Math.max(1, Math.min(1L << 40, 2 * (s.granted - s.left)));
                if (s.left > 0) {
                    out.add(s);
                }
            }
        }
    }
}
