package dev.moat.core.limit;

/*
 * How it works and why.
 *
 * Concurrency leases count what is in flight rather than what happened. State per key is a flat
 * array of (leaseId, expiresAtMillis) pairs. Acquire first drops expired pairs, then admits when
 * fewer than max remain. Every lease expires by itself after leaseMillis, so a caller that
 * crashed between acquire and release locks nobody out for longer than that (LibreChat keeps a
 * 60 s TTL on its pending-request counter for the same reason). Release of an unknown or
 * already released lease is a no-op: releasing is idempotent.
 */

/** Pure concurrency-lease transitions over a {@code long[]} of (id, expiry) pairs. */
public final class Leases {
    private Leases() {
    }

    /** Result of an acquire: the new state, and when refused the time until the oldest lease expires. */
    public record Acquire(boolean allowed, long[] state, int inFlight, long retryAfterMillis) {
    }

    public static Acquire acquire(long[] state, long nowMillis, int max, long leaseMillis, long leaseId) {
        long[] live = live(state, nowMillis);
        int count = live.length / 2;
        if (count < max) {
            long[] next = new long[live.length + 2];
            System.arraycopy(live, 0, next, 0, live.length);
            next[live.length] = leaseId;
            next[live.length + 1] = nowMillis + leaseMillis;
            return new Acquire(true, next, count + 1, 0);
        }
        long soonest = Long.MAX_VALUE;
        for (int i = 1; i < live.length; i += 2) {
            soonest = Math.min(soonest, live[i]);
        }
        return new Acquire(false, live, count, Math.max(1, soonest - nowMillis));
    }

    /** Removes {@code leaseId} (and anything expired); returns the same array when nothing changed. */
    public static long[] release(long[] state, long nowMillis, long leaseId) {
        long[] live = live(state, nowMillis);
        for (int i = 0; i < live.length; i += 2) {
            if (live[i] == leaseId) {
                long[] next = new long[live.length - 2];
                System.arraycopy(live, 0, next, 0, i);
                System.arraycopy(live, i + 2, next, i, live.length - i - 2);
                return next;
            }
        }
        return live;
    }

    /** The leases still in force at {@code nowMillis}. */
    public static long[] live(long[] state, long nowMillis) {
        if (state == null) {
            return new long[0];
        }
        int keep = 0;
        for (int i = 1; i < state.length; i += 2) {
            if (state[i] > nowMillis) {
                keep++;
            }
        }
        if (keep * 2 == state.length) {
            return state;
        }
        long[] next = new long[keep * 2];
        int j = 0;
        for (int i = 0; i < state.length; i += 2) {
            if (state[i + 1] > nowMillis) {
                next[j++] = state[i];
                next[j++] = state[i + 1];
            }
        }
        return next;
    }
}
