package dev.moat.core.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Keyset pagination over an already sorted list: the cursor is the sort key of the last item
 * returned, so pages stay stable while new items arrive at the front.
 */
public final class Cursors {
    /** The largest page any listing returns. */
    public static final int MAX_LIMIT = 1000;

    private Cursors() {
    }

    static <T> Page<T> page(List<T> sorted, String cursor, int limit, Function<T, String> keyOf, Comparator<T> order) {
        int size = Math.max(1, Math.min(limit, MAX_LIMIT));
        int start = 0;
        if (cursor != null && !cursor.isEmpty()) {
            start = sorted.size();
            for (int i = 0; i < sorted.size(); i++) {
                if (keyOf.apply(sorted.get(i)).equals(cursor)) {
                    start = i + 1;
                    break;
                }
            }
        }
        int end = Math.min(sorted.size(), start + size);
        List<T> items = new ArrayList<>(sorted.subList(Math.min(start, end), end));
        String next = end < sorted.size() && !items.isEmpty() ? keyOf.apply(items.get(items.size() - 1)) : null;
        return new Page<>(items, next);
    }
}
