package dev.moat.core;

import dev.moat.core.store.LimitCall;

import java.util.Arrays;

/**
 * The limit calls a memo's identity has made, kept for its next checks (see {@link IdentityMemo}):
 * a gateway connection's frames check the same limits for the same subject again and again, so
 * the call, its counter key and the key's hash are made once per connection instead of per frame.
 *
 * <p>An entry is found by the very limit of the very policy it was made for (compared by
 * reference: a reload makes new limits), the same subject key and the same cost; anything else
 * makes a new call, kept while there is room.
 * The array is replaced whole and never changed in place, and each entry is immutable: a caller
 * on another thread sees a complete older array, or a slot not yet visible, and then makes the
 * call afresh, the same call, never a wrong one.
 */
final class KeptCalls {
    /** Enough for every limit of a few actions; a connection that uses more makes the rest per check. */
    static final int MAX_CALLS = 8;

    private record Entry(CompiledPolicy.CompiledLimit limit, String subjectKey, long cost, LimitCall call) {
    }

    private Entry[] entries = new Entry[0];

    /** The call of {@code limit} on {@code subjectKey} for {@code cost} units: a kept one, or a new one. */
    LimitCall call(CompiledPolicy.CompiledLimit limit, String subjectKey, long cost) {
        Entry[] e = entries;
        for (Entry x : e) {
            if (x != null && x.limit == limit && x.subjectKey.equals(subjectKey) && x.cost == cost) {
                return x.call;
            }
        }
        LimitCall c = new LimitCall(limit.keys(), subjectKey, limit.limiter(), cost);
        if (e.length < MAX_CALLS) {
            Entry[] more = Arrays.copyOf(e, e.length + 1);
            more[e.length] = new Entry(limit, subjectKey, cost, c);
            entries = more;
        }
        return c;
    }

    /** How many calls are kept (for tests). */
    int size() {
        return entries.length;
    }
}
