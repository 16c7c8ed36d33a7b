package dev.moat.core.store;

import dev.moat.core.limit.IdleAt;
import dev.moat.core.limit.Leases;
import dev.moat.core.limit.Limiter;
import dev.moat.core.limit.Step;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * Counters live in a ConcurrentHashMap from key to a Cell, a small mutable holder of one
 * immutable long[] state. A step looks the cell up (a lock-free get), reads the state, runs the
 * pure algorithm, and publishes the new array with a compare-and-set on the cell's field,
 * retried on conflict. The map itself is written only when a key appears or goes: an earlier
 * version published every step with ConcurrentHashMap.replace(key, old, new), which takes the
 * bin's monitor on every admitted call, and with two threads on one hot key throughput collapsed
 * (BENCHMARKS.md, Findings). There is no global lock; two threads contend only on one key's cell.
 *
 * A cell is removed in two moves: first its state is compare-and-set to RETIRED (a shared
 * zero-length array, compared by identity), then the entry is removed with remove(key, cell).
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
     * Default cap on tracked keys: about 150 MB of heap, at the 149 bytes per key that moat-bench's
     * HeapPerKey measures for GCRA counters with keys of 30 to 38 characters (longer keys cost more).
     */
    public static final int DEFAULT_MAX_KEYS = 1_000_000;
    private static final int SWEEP_SAMPLE = 32;
    /** The state of a cell that is being removed; compared by identity, never given to a limiter. */
    private static final long[] RETIRED = new long[0];

    /** Each cell is its own key: the map's key and value are the same object. */
    private final ConcurrentHashMap<KeyHash, Cell> counters = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, long[]> leases = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final AtomicInteger evictions = new AtomicInteger();
    private final Sampler<KeyHash, Cell> counterSampler = new CounterSampler(counters);
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

    /**
     * One key's counter: the key's hash (inherited, final) and the state, replaced whole by
     * compare-and-set; RETIRED once it is leaving the map.
     */
    private static final class Cell extends KeyHash {
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Cell.class, "state", long[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private volatile long[] state;

        Cell(KeyHash key, long[] state) {
            super(key);
            this.state = state;
        }

        boolean compareAndSet(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        int n = calls.size();
        LimitOutcome[] out = new LimitOutcome[n];
        int refusedAt = -1;
        for (int i = 0; i < n; i++) {
            LimitCall call = calls.get(i);
            boolean spend = !dryRun && refusedAt < 0;
            Step step = spend ? spend(call, nowMillis) : peek(call, nowMillis);
            out[i] = outcome(step);
            if (!step.allowed() && refusedAt < 0) {
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
        return outcome(dryRun ? peek(call, nowMillis) : spend(call, nowMillis));
    }

    private static LimitOutcome outcome(Step step) {
        return new LimitOutcome(step.allowed(), step.remaining(), step.retryAfterMillis(), step.resetMillis());
    }

    private Step peek(LimitCall call, long nowMillis) {
        Cell c = counters.get(call.keyHash());
        long[] state = c == null ? null : c.state;
        return call.limiter().consume(state == RETIRED ? null : state, nowMillis, call.cost());
    }

    private Step spend(LimitCall call, long nowMillis) {
        Limiter limiter = call.limiter();
        KeyHash key = call.keyHash();
        while (true) {
            Cell c = counters.get(key);
            if (c == null) {
                Step step = limiter.consume(null, nowMillis, call.cost());
                if (!step.allowed()) {
                    return step;
                }
                fit(nowMillis, 1);
                Cell fresh = new Cell(key, step.state());
                if (counters.putIfAbsent(fresh, fresh) == null) {
                    fit(nowMillis, 0);
                    return step;
                }
                continue;
            }
            while (true) {
                long[] old = c.state;
                if (old == RETIRED) {
                    remove(c); // help the remover, then start again on a fresh cell
                    break;
                }
                Step step = limiter.consume(old, nowMillis, call.cost());
                if (!step.allowed() || c.compareAndSet(old, step.state())) {
                    return step;
                }
            }
        }
    }

    private void refund(LimitCall call, long nowMillis) {
        Limiter limiter = call.limiter();
        KeyHash key = call.keyHash();
        while (true) {
            Cell c = counters.get(key);
            if (c == null) {
                return;
            }
            long[] old = c.state;
            if (old == RETIRED) {
                remove(c);
                continue;
            }
            long[] next = limiter.refund(old, nowMillis, call.cost());
            if (limiter.isIdle(next, nowMillis)) {
                if (retire(c, old)) {
                    return;
                }
            } else if (c.compareAndSet(old, next)) {
                return;
            }
        }
    }

    /**
     * Removes this very cell. Not {@code remove(c, c)}: a cell equals every cell of the same key
     * hash, and by now a fresh cell for the key may have taken this one's place.
     */
    private void remove(Cell c) {
        counters.computeIfPresent(c, (k, v) -> v == c ? null : v);
    }

    /** Retires {@code c} if it still holds {@code state}, then removes it; false if the state moved on. */
    private boolean retire(Cell c, long[] state) {
        if (!c.compareAndSet(state, RETIRED)) {
            return false;
        }
        remove(c);
        return true;
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
    private final class CounterSampler extends Sampler<KeyHash, Cell> {
        CounterSampler(ConcurrentHashMap<KeyHash, Cell> map) {
            super(map);
        }

        @Override
        long[] state(Cell c) {
            long[] state = c.state;
            return state == RETIRED ? null : state;
        }

        @Override
        long idleAt(long[] state) {
            return IdleAt.millis(state);
        }

        @Override
        boolean dropIdle(KeyHash key, Cell c, long[] state) {
            return retire(c, state);
        }

        @Override
        boolean evict(KeyHash key, Cell c) {
            while (true) {
                long[] state = c.state;
                if (state == RETIRED) {
                    remove(c);
                    return false; // somebody else removed it
                }
                if (retire(c, state)) {
                    return true;
                }
            }
        }
    }

    /** The lease keys: immutable arrays in the map, removed by identity. */
    private static final class LeaseSampler extends Sampler<String, long[]> {
        LeaseSampler(ConcurrentHashMap<String, long[]> map) {
            super(map);
        }

        @Override
        long[] state(long[] pairs) {
            return pairs;
        }

        @Override
        long idleAt(long[] pairs) {
            return leasesIdleAt(pairs);
        }

        @Override
        boolean dropIdle(String key, long[] pairs, long[] state) {
            return map.remove(key, pairs);
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

        /** The state held by {@code v}, or null if it is being removed. */
        abstract long[] state(V v);

        /** The epoch millisecond at which {@code state} is back to full. */
        abstract long idleAt(long[] state);

        /** Removes the entry if it still holds {@code state}; true if it did. */
        abstract boolean dropIdle(K key, V v, long[] state);

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
            long[] state = state(v);
            if (state == null) {
                return 0;
            }
            long debt = idleAt(state) - nowMillis;
            if (debt <= 0) {
                return dropIdle(e.getKey(), v, state) ? 1 : 0;
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
