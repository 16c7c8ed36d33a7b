package dev.moat.core.store;

import dev.moat.core.limit.Leases;
import dev.moat.core.limit.Limiter;
import dev.moat.core.limit.ScalarLimiter;
import dev.moat.core.limit.Step;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Spliterator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/*
 * How it works and why.
 *
 * Counters live in a ConcurrentHashMap of CounterCells. A cell holds the 128-bit keyed hash of
 * its key (KeyHash: the text is not kept, which is most of what a key used to cost; see KeyHash
 * for why a hash is safe) and the state, and is its own map key, so a tracked key is one map
 * node and one cell (about 85 bytes, moat-bench HeapPerKey). A GCRA cell keeps its state (the
 * TAT) as an unboxed long; other algorithms keep an immutable long[]. A step looks the cell up
 * (a lock-free get by the LimitCall's hash, computed once per call), runs the pure algorithm,
 * and, when it admits, publishes the new state with a compare-and-set on the cell, retried on
 * conflict; a refusal writes nothing. For GCRA the store first asks the limiter for its answer
 * and then for the new TAT (ScalarLimiter), so an admitted call allocates only its outcome. The
 * map itself is written only when a key appears or goes: an earlier version published every
 * step with ConcurrentHashMap.replace(key, old, new), which takes the bin's monitor on every
 * admitted call, and with two threads on one hot key throughput collapsed. There is no global
 * lock; two threads contend only on one key's cell. A limit whose algorithm changed on a reload
 * (same id) meets a cell of the other layout: it is retired and replaced by a fresh one.
 *
 * A cell is removed in two moves: first its state is compare-and-set to RETIRED (a sentinel
 * never stored otherwise), then the entry is removed if the map still holds that very cell (not
 * remove(key, value): cells of one hash are equal, and a fresh cell may have replaced this one).
 * Retiring from the state the remover looked at means a spend that got in first makes the
 * retirement fail (nothing is dropped that is not idle, or that the eviction did not choose),
 * and a spend that comes after finds RETIRED, so it cannot update a cell that is leaving the map
 * (its update would be lost with the cell); it helps remove the cell and starts again on a
 * fresh one. Readers treat a retired cell as no state.
 *
 * Memory is bounded two ways. A state that is back to full is the same as no state, so its cell
 * is retired and removed (on refund, and by the sweep). And the store tracks at most maxKeys
 * keys, counters and lease keys together. When a new key would pass the cap, a sweep looks at two
 * samples of each map: a window of SWEEP_SAMPLE consecutive entries (continuing where the last
 * one stopped and wrapping around, so idle keys are collected systematically), and SWEEP_SAMPLE
 * entries picked at random (by halving the map's spliterator at random down to a bin or two). It
 * drops the idle entries it finds (counters back to full, lease keys whose leases all lapsed;
 * retired cells are skipped), and if none were idle evicts the sampled entry that is closest to
 * full (the least time until idle). An attacker who floods new keys therefore evicts keys that
 * carry almost no debt, like its own; a victim's heavily limited counter is the last to go, so
 * flooding cannot cheaply reset somebody else's limit. The random sample matters: keys with
 * similar names (user:1001, user:1002, ...) have neighbouring hash codes and sit next to each
 * other in iteration order, so a consecutive window alone can hold nothing but heavily limited
 * keys and would evict one of them. Threads that insert new keys at the same moment can pass the
 * cap by one key each; the inserting thread trims back under it at once. Lease keys keep their
 * immutable long[] directly in the map and are replaced by identity (leases are not a hot path).
 */

/** The embedded limit store: this node's memory, lock-free per key, bounded. */
public final class MemoryLimitStore implements LimitStore {
    /**
     * Default cap on tracked keys: about 85 MB of heap, at the 85 bytes per key that moat-bench's
     * HeapPerKey measures for GCRA counters (the same for any key length: the store keeps a hash of
     * the key, not its text; window algorithms add their state array).
     */
    public static final int DEFAULT_MAX_KEYS = 1_000_000;
    private static final int SWEEP_SAMPLE = 32;
    /** Each cell is its own key: the map's key and value are the same object. */
    private final ConcurrentHashMap<KeyHash, CounterCell> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, long[]> leases = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final AtomicInteger evictions = new AtomicInteger();
    private final Sampler<KeyHash, CounterCell> counterSampler = new CounterSampler(counters);
    private final Sampler<String, long[]> leaseSampler = new LeaseSampler(leases);

    public MemoryLimitStore() {
        this(DEFAULT_MAX_KEYS);
    }

    public MemoryLimitStore(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("max_keys must be at least 1, was " + maxKeys);
        }
        this.maxKeys = maxKeys;
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        int n = calls.size();
        LimitOutcome[] out = new LimitOutcome[n];
        int refusedAt = -1;
        for (int i = 0; i < n; i++) {
            LimitCall call = calls.get(i);
            boolean spend = !dryRun && refusedAt < 0;
            out[i] = spend ? spend(call, nowMillis) : peek(call, nowMillis);
            if (!out[i].allowed() && refusedAt < 0) {
                refusedAt = i;
            }
        }
        if (refusedAt > 0 && !dryRun) {
            for (int i = 0; i < refusedAt; i++) {
                refund(calls.get(i), nowMillis);
            }
        }
        return out;
    }

    /** One limit: no list, no array, nothing to refund. */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        return dryRun ? peek(call, nowMillis) : spend(call, nowMillis);
    }

    private LimitOutcome peek(LimitCall call, long nowMillis) {
        CounterCell found = counters.get(call.keyHash());
        if (call.limiter() instanceof ScalarLimiter g) {
            long tat = found instanceof CounterCell.Tat c ? c.tat : ScalarLimiter.NONE;
            return g.answer(tat == CounterCell.Tat.RETIRED ? ScalarLimiter.NONE : tat, nowMillis, call.cost(),
                    LimitOutcome::new);
        }
        long[] state = found instanceof CounterCell.Array c ? c.state : null;
        return outcome(call.limiter().consume(state == CounterCell.Array.RETIRED ? null : state, nowMillis, call.cost()));
    }

    private static LimitOutcome outcome(Step step) {
        return new LimitOutcome(step.allowed(), step.remaining(), step.retryAfterMillis(), step.resetMillis());
    }

    private LimitOutcome spend(LimitCall call, long nowMillis) {
        return call.limiter() instanceof ScalarLimiter g ? spendScalar(g, call, nowMillis) : spendArray(call, nowMillis);
    }

    /** The hot path: one lock-free map lookup, the pure step on a long, one compare-and-set, one answer. */
    private LimitOutcome spendScalar(ScalarLimiter g, LimitCall call, long nowMillis) {
        KeyHash key = call.keyHash();
        long cost = call.cost();
        while (true) {
            CounterCell found = counters.get(key);
            if (found == null) {
                long next = g.spend(ScalarLimiter.NONE, nowMillis, cost);
                if (next == ScalarLimiter.REFUSED || insert(new CounterCell.Tat(key, next), nowMillis)) {
                    return g.answer(ScalarLimiter.NONE, nowMillis, cost, LimitOutcome::new);
                }
                continue;
            }
            if (!(found instanceof CounterCell.Tat c)) {
                evict(found); // another algorithm's state under this key (changed on a reload): start fresh
                continue;
            }
            while (true) {
                long old = c.tat;
                if (old == CounterCell.Tat.RETIRED) {
                    remove(c); // help the remover, then start again on a fresh cell
                    break;
                }
                LimitOutcome answer = g.spend(old, nowMillis, cost, c, LimitOutcome::new);
                if (answer != null) {
                    return answer; // null: another thread moved the state first; a refusal writes nothing
                }
            }
        }
    }

    private LimitOutcome spendArray(LimitCall call, long nowMillis) {
        Limiter limiter = call.limiter();
        KeyHash key = call.keyHash();
        while (true) {
            CounterCell found = counters.get(key);
            if (found == null) {
                Step step = limiter.consume(null, nowMillis, call.cost());
                if (!step.allowed() || insert(new CounterCell.Array(key, step.state()), nowMillis)) {
                    return outcome(step);
                }
                continue;
            }
            if (!(found instanceof CounterCell.Array c)) {
                evict(found);
                continue;
            }
            while (true) {
                long[] old = c.state;
                if (old == CounterCell.Array.RETIRED) {
                    remove(c);
                    break;
                }
                Step step = limiter.consume(old, nowMillis, call.cost());
                if (!step.allowed() || c.compareAndSet(old, step.state())) {
                    return outcome(step);
                }
            }
        }
    }

    /** Adds a new key's cell unless another thread added the key first; keeps the cap. */
    private boolean insert(CounterCell fresh, long nowMillis) {
        fit(nowMillis, 1);
        if (counters.putIfAbsent(fresh, fresh) != null) {
            return false;
        }
        fit(nowMillis, 0);
        return true;
    }

    private void refund(LimitCall call, long nowMillis) {
        CounterCell found = counters.get(call.keyHash());
        if (found instanceof CounterCell.Tat c && call.limiter() instanceof ScalarLimiter g) {
            refundScalar(g, c, call.cost(), nowMillis);
        } else if (found instanceof CounterCell.Array c && !(call.limiter() instanceof ScalarLimiter)) {
            refundArray(call.limiter(), c, call.cost(), nowMillis);
        }
        // no cell, or another layout: the spend being refunded is not there to give back
    }

    private void refundScalar(ScalarLimiter g, CounterCell.Tat c, long cost, long nowMillis) {
        while (true) {
            long old = c.tat;
            if (old == CounterCell.Tat.RETIRED) {
                remove(c);
                return;
            }
            long next = g.refund(old, nowMillis, cost);
            boolean idle = g.isIdle(next, nowMillis);
            if (c.compareAndSet(old, idle ? CounterCell.Tat.RETIRED : next)) {
                if (idle) {
                    remove(c);
                }
                return;
            }
        }
    }

    private void refundArray(Limiter limiter, CounterCell.Array c, long cost, long nowMillis) {
        while (true) {
            long[] old = c.state;
            if (old == CounterCell.Array.RETIRED) {
                remove(c);
                return;
            }
            long[] next = limiter.refund(old, nowMillis, cost);
            boolean idle = limiter.isIdle(next, nowMillis);
            if (c.compareAndSet(old, idle ? CounterCell.Array.RETIRED : next)) {
                if (idle) {
                    remove(c);
                }
                return;
            }
        }
    }

    /**
     * Removes this very cell. Not {@code remove(c, c)}: a cell equals every cell of the same key
     * hash, and by now a fresh cell for the key may have taken this one's place.
     */
    private void remove(CounterCell c) {
        counters.computeIfPresent(c, (k, v) -> v == c ? null : v);
    }

    /** Retires and removes {@code c} whatever it holds; false if somebody else retired it first. */
    private boolean evict(CounterCell c) {
        boolean retired = c.retire();
        remove(c);
        return retired;
    }

    /** Keeps the tracked keys at or under the cap with {@code room} more to come. */
    private void fit(long nowMillis, int room) {
        if (trackedKeys() + room <= maxKeys) {
            return;
        }
        synchronized (this) { // only the rare full-store path serialises
            while (trackedKeys() + room > maxKeys) {
                sweep(nowMillis);
            }
        }
    }

    /** Drops idle keys from a window of each map, or else the sampled key with the least debt. */
    private void sweep(long nowMillis) {
        Victim victim = new Victim();
        int removed = counterSampler.sweep(nowMillis, victim) + leaseSampler.sweep(nowMillis, victim);
        if (removed == 0 && victim.key != null && victim.evict()) {
            evictions.incrementAndGet();
        }
    }

    /** The live sampled entry with the least time until idle. */
    private static final class Victim {
        Sampler<?, ?> sampler;
        Object key;
        Object value;
        long debt = Long.MAX_VALUE;

        boolean evict() {
            return evict(sampler);
        }

        @SuppressWarnings("unchecked")
        private <K, V> boolean evict(Sampler<K, V> s) {
            return s.evict((K) key, (V) value);
        }
    }

    /** The counters as the sweep sees them: a retired cell is skipped, removal retires first. */
    private final class CounterSampler extends Sampler<KeyHash, CounterCell> {
        CounterSampler(ConcurrentHashMap<KeyHash, CounterCell> map) {
            super(map);
        }

        @Override
        long idleAt(CounterCell c) {
            return c.idleAtMillis();
        }

        @Override
        boolean dropIdle(KeyHash key, CounterCell c, long nowMillis) {
            if (!c.retireIfIdle(nowMillis)) {
                return false;
            }
            remove(c);
            return true;
        }

        @Override
        boolean evict(KeyHash key, CounterCell c) {
            return MemoryLimitStore.this.evict(c);
        }
    }

    /** The lease keys: immutable arrays in the map, removed by identity. */
    private static final class LeaseSampler extends Sampler<String, long[]> {
        LeaseSampler(ConcurrentHashMap<String, long[]> map) {
            super(map);
        }

        @Override
        long idleAt(long[] pairs) {
            return leasesIdleAt(pairs);
        }

        @Override
        boolean dropIdle(String key, long[] pairs, long nowMillis) {
            return map.remove(key, pairs); // only if unchanged: immutable, so still lapsed
        }

        @Override
        boolean evict(String key, long[] pairs) {
            return map.remove(key) != null;
        }
    }

    /** A cursor over one map that survives between sweeps; used under the store's lock only. */
    private abstract static class Sampler<K, V> {
        final ConcurrentHashMap<K, V> map;
        private Iterator<Map.Entry<K, V>> cursor;

        Sampler(ConcurrentHashMap<K, V> map) {
            this.map = map;
        }

        /** The epoch millisecond at which {@code v} is back to full, or CounterCell.LEAVING if it is being removed. */
        abstract long idleAt(V v);

        /** Removes the entry if it is still back to full at {@code nowMillis}; true if it did. */
        abstract boolean dropIdle(K key, V v, long nowMillis);

        /** Removes the entry whatever it holds now; true if this call removed it. */
        abstract boolean evict(K key, V v);

        /** Samples a window and random entries, removes idle ones, offers the rest as victims. */
        int sweep(long nowMillis, Victim victim) {
            int want = Math.min(SWEEP_SAMPLE, map.size());
            int removed = 0;
            boolean wrapped = false;
            Iterator<Map.Entry<K, V>> it = cursor;
            for (int seen = 0; seen < want; seen++) {
                if (it == null || !it.hasNext()) {
                    if (wrapped) {
                        break;
                    }
                    wrapped = true;
                    it = map.entrySet().iterator();
                    if (!it.hasNext()) {
                        break;
                    }
                }
                removed += consider(it.next(), nowMillis, victim);
            }
            cursor = it;
            for (int i = 0; i < want; i++) {
                Map.Entry<K, V> e = randomEntry();
                if (e != null) {
                    removed += consider(e, nowMillis, victim);
                }
            }
            return removed;
        }

        private int consider(Map.Entry<K, V> e, long nowMillis, Victim victim) {
            V v = e.getValue();
            long idleAt = idleAt(v);
            if (idleAt == CounterCell.LEAVING) {
                return 0;
            }
            long debt = idleAt - nowMillis;
            if (debt <= 0) {
                return dropIdle(e.getKey(), v, nowMillis) ? 1 : 0;
            }
            if (debt < victim.debt) {
                victim.debt = debt;
                victim.key = e.getKey();
                victim.value = v;
                victim.sampler = this;
            }
            return 0;
        }

        /** An entry from a random bin or two of the map's table, or null if those were empty. */
        private Map.Entry<K, V> randomEntry() {
            Spliterator<Map.Entry<K, V>> part = map.entrySet().spliterator();
            ThreadLocalRandom random = ThreadLocalRandom.current();
            while (part.estimateSize() > 2) {
                Spliterator<Map.Entry<K, V>> upper = part.trySplit();
                if (upper == null) {
                    break;
                }
                if (random.nextBoolean()) {
                    part = upper;
                }
            }
            @SuppressWarnings("unchecked")
            Map.Entry<K, V>[] found = new Map.Entry[1];
            return part.tryAdvance(e -> found[0] = e) ? found[0] : null;
        }
    }

    /** The instant the last lease of a key lapses. */
    private static long leasesIdleAt(long[] pairs) {
        long last = Long.MIN_VALUE;
        for (int i = 1; i < pairs.length; i += 2) {
            last = Math.max(last, pairs[i]);
        }
        return last;
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        long id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        while (true) {
            long[] old = leases.get(key);
            Leases.Acquire a = Leases.acquire(old, nowMillis, max, leaseMillis, id);
            if (!a.allowed()) {
                return new LeaseGrant(false, null, 0, a.inFlight(), a.retryAfterMillis());
            }
            boolean stored;
            if (old == null) {
                fit(nowMillis, 1);
                stored = leases.putIfAbsent(key, a.state()) == null;
                if (stored) {
                    fit(nowMillis, 0);
                }
            } else {
                stored = leases.replace(key, old, a.state());
            }
            if (stored) {
                return new LeaseGrant(true, encodeLease(key, id), nowMillis + leaseMillis, a.inFlight(), 0);
            }
        }
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        String[] parts = decodeLease(leaseId);
        if (parts == null) {
            return;
        }
        String key = parts[0];
        long id = Long.parseUnsignedLong(parts[1], 16);
        while (true) {
            long[] old = leases.get(key);
            if (old == null) {
                return;
            }
            long[] next = Leases.release(old, nowMillis, id);
            boolean done = next.length == 0 ? leases.remove(key, old) : (next == old || leases.replace(key, old, next));
            if (done) {
                return;
            }
        }
    }

    /** A lease id: base64url(key) + "." + hex id. Opaque to callers. */
    public static String encodeLease(String key, long id) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(key.getBytes(StandardCharsets.UTF_8))
                + "." + Long.toHexString(id);
    }

    /** Returns {key, hexId}, or null for anything malformed. */
    public static String[] decodeLease(String leaseId) {
        if (leaseId == null || leaseId.length() > 4096) {
            return null;
        }
        int dot = leaseId.lastIndexOf('.');
        if (dot <= 0 || dot == leaseId.length() - 1 || leaseId.length() - dot - 1 > 16) {
            return null;
        }
        try {
            String key = new String(Base64.getUrlDecoder().decode(leaseId.substring(0, dot)), StandardCharsets.UTF_8);
            String hex = leaseId.substring(dot + 1);
            Long.parseUnsignedLong(hex, 16);
            return new String[] {key, hex};
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Keys currently tracked (counters plus lease keys). */
    public int trackedKeys() {
        return counters.size() + leases.size();
    }

    /** Keys evicted because the cap was reached. */
    public int evictions() {
        return evictions.get();
    }

    @Override
    public String kind() {
        return "memory";
    }
}
