package dev.moat.core.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Keyset pagination over an already sorted list: the cursor is the sort key of the last item
 * returned, and the next page starts at the first item that sorts after it. Pages stay stable
 * while new items arrive at the front, and a page still follows when the item the cursor names
 * has since gone (a ban lifted, a log entry pruned), as a {@code WHERE key < ?} query would.
 */
public final class Cursors {
    /** The largest page any listing returns. */
    public static final int MAX_LIMIT = 1000;

    private Cursors() {
    }

    /**
     * @param sorted   the items in listing order
     * @param keyOf    an item's cursor key
     * @param keyOrder compares two cursor keys in listing order; throws IllegalArgumentException
     *                 for a malformed cursor
     */
    static <T> Page<T> page(List<T> sorted, String cursor, int limit, Function<T, String> keyOf,
                            Comparator<String> keyOrder) {
        int size = Math.max(1, Math.min(limit, MAX_LIMIT));
        int start = 0;
        if (cursor != null && !cursor.isEmpty()) {
            start = sorted.size();
            for (int i = 0; i < sorted.size(); i++) {
                if (keyOrder.compare(keyOf.apply(sorted.get(i)), cursor) > 0) {
                    start = i;
                    break;
                }
            }
        }
        int end = Math.min(sorted.size(), start + size);
        List<T> items = new ArrayList<>(sorted.subList(Math.min(start, end), end));
        String next = end < sorted.size() && !items.isEmpty() ? keyOf.apply(items.get(items.size() - 1)) : null;
        return new Page<>(items, next);
    }

    /** Ban listings: key {@code createdAtMillis:subject}, newest first, then by subject. */
    static final Comparator<String> NEWEST_THEN_SUBJECT = (a, b) -> {
        int c = Long.compare(createdAt(b), createdAt(a));
        return c != 0 ? c : subject(a).compareTo(subject(b));
    };

    /** Log listings: key {@code seq}, highest first. */
    static final Comparator<String> SEQ_DESCENDING = (a, b) -> Long.compare(seq(b), seq(a));

    static String banKey(long createdAtMillis, String subject) {
        return createdAtMillis + ":" + subject;
    }

    private static long createdAt(String key) {
        int colon = key.indexOf(':', 1);
        if (colon < 0) {
            throw malformed(key);
        }
        return seq(key.substring(0, colon));
    }

    private static String subject(String key) {
        return key.substring(key.indexOf(':', 1) + 1);
    }

    private static long seq(String key) {
        try {
            return Long.parseLong(key);
        } catch (NumberFormatException e) {
            throw malformed(key);
        }
    }

    private static IllegalArgumentException malformed(String cursor) {
        String shown = cursor.length() > 64 ? cursor.substring(0, 64) + "..." : cursor;
        return new IllegalArgumentException("malformed cursor '" + shown + "'");
    }
}
