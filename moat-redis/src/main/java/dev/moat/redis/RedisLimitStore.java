package dev.moat.redis;

import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import io.lettuce.core.ScriptOutputType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/*
 * How it works and why.
 *
 * Each counter is one Redis string holding exactly the long[] state of the pure algorithm in
 * moat-core, and the Lua scripts (gcra.lua, fixed.lua, sliding.lua) are line-by-line mirrors of
 * Gcra, FixedWindow and SlidingWindow, run atomically on the server with the caller's wall-clock
 * milliseconds. A script only carries the algorithms of the calls it is sent for (Script): Redis
 * runs a script's whole text on every call, so each function it defines costs every check.
 * LuaAlgorithmsMatchCoreTest replays random timelines through both and demands identical answers.
 *
 * One round trip per check. All keys of a subject share a hash tag (KeyLayout), so all the limits
 * of one subject are one EVALSHA. Standalone: every call of a check, whatever its subject, goes in
 * one script, evaluated in order with MemoryLimitStore's exact semantics (spend until the first
 * refusal, then refund what was spent and only evaluate the rest). Cluster: the calls are grouped
 * by slot; the per-target groups run in parallel (one pipelined round trip), and only when all of
 * them passed is the global group spent; if any group refused, the groups that spent are refunded
 * (the refund script), so the check is still all-or-nothing, observable only as a moment in which
 * a concurrent check sees the units spent.
 *
 * Coalescing (ConsumeBatcher): the groups that concurrent checks send to one slot while a consume
 * call to that slot is in flight leave together in the next call, one after another in the script,
 * each still atomic and exact; a check that finds its slot idle leaves at once. It pays Redis's and
 * Lettuce's per-command cost once per batch. Groups of GCRA calls only run consume_gcra.lua, which
 * writes GCRA out in the loop instead of defining the general script's functions on every call.
 *
 * Global budgets are leased to nodes in slices (GlobalSlices) unless disabled: the global part of
 * a check is then answered from this node's memory, and a slice is taken in the same pipelined
 * round trip as the per-target scripts when the node has none left.
 *
 * Every state key gets PEXPIREAT at the instant its state is back to full (IdleAt), plus a slack
 * that covers clock skew between the nodes and Redis: idle keys vanish by themselves.
 */

/** Rate-limit counters and concurrency leases in Redis (standalone or cluster). */
public final class RedisLimitStore implements LimitStore {

    /**
     * Tuning.
     *
     * @param expirySlackMillis kept past a state's idle instant before Redis drops the key: covers
     *                          clock skew between nodes and Redis
     * @param globalSlices      lease slices of global budgets to nodes (false: every global check
     *                          goes to Redis)
     * @param sliceMillis       the longest a slice lives (also capped at per / 64)
     * @param sliceDivisor      a slice is at most capacity / (divisor * live nodes)
     * @param nodeTtlMillis     a node that took no slice for this long no longer counts as live
     * @param sweeper           return lapsed slices from a background thread (tests that drive
     *                          time themselves call {@link #returnLapsedSlices(long)} instead)
     * @param batchInFlight     coalescing (ConsumeBatcher): consume calls per hash slot in flight
     *                          at once, the checks arriving meanwhile leave together in the next
     *                          one; 0 sends every check as a call of its own
     */
    public record Options(long expirySlackMillis, boolean globalSlices, long sliceMillis, int sliceDivisor,
                          long nodeTtlMillis, boolean sweeper, int batchInFlight) {
        public Options {
            if (expirySlackMillis < 0 || sliceMillis < 1 || sliceDivisor < 1 || nodeTtlMillis < 1 || batchInFlight < 0) {
                throw new IllegalArgumentException("invalid redis limit store options");
            }
        }

        public static Options defaults() {
            return new Options(5_000, true, 250, 2, 10_000, true, DEFAULT_BATCH_IN_FLIGHT);
        }

        public Options withGlobalSlices(boolean on) {
            return new Options(expirySlackMillis, on, sliceMillis, sliceDivisor, nodeTtlMillis, sweeper, batchInFlight);
        }

        public Options withSliceMillis(long millis) {
            return new Options(expirySlackMillis, globalSlices, millis, sliceDivisor, nodeTtlMillis, sweeper, batchInFlight);
        }

        public Options withSweeper(boolean on) {
            return new Options(expirySlackMillis, globalSlices, sliceMillis, sliceDivisor, nodeTtlMillis, on, batchInFlight);
        }

        /** Coalescing: calls per slot in flight at once (0: off, every check is a call of its own). */
        public Options withBatchInFlight(int calls) {
            return new Options(expirySlackMillis, globalSlices, sliceMillis, sliceDivisor, nodeTtlMillis, sweeper, calls);
        }
    }

    /**
     * Consume calls in flight per hash slot by default (Options.batchInFlight). Four, not one: with
     * one, Redis waits idle while the client turns a reply into the next batch; on a quiet machine
     * four gave about a quarter more checks per second than one with 16 callers (docs/redis.md).
     */
    public static final int DEFAULT_BATCH_IN_FLIGHT = 4;

    /** One call, prepared: its Redis key, slot and script arguments. */
    record Prepared(int index, LimitCall call, String key, int slot, boolean global, LimitArgs args) {
    }

    private final RedisConnection redis;
    private final KeyLayout keys;
    private final Options options;
    private final String slack;
    private final String nodeId = UUID.randomUUID().toString();
    private final GlobalSlices slices;
    private final ScheduledExecutorService sweeper;
    private final java.util.concurrent.atomic.AtomicInteger sliceTakes = new java.util.concurrent.atomic.AtomicInteger();
    private final ConsumeBatcher batcher;

    public RedisLimitStore(RedisConnection redis, String keyPrefix) {
        this(redis, keyPrefix, Options.defaults());
    }

    public RedisLimitStore(RedisConnection redis, String keyPrefix, Options options) {
        this.redis = redis;
        this.keys = new KeyLayout(keyPrefix);
        this.options = options;
        this.slack = Long.toString(options.expirySlackMillis());
        this.batcher = options.batchInFlight() > 0 ? new ConsumeBatcher(redis, slack, options.batchInFlight()) : null;
        this.slices = options.globalSlices() ? new GlobalSlices() : null;
        if (slices != null && options.sweeper()) {
            this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "moat-redis-slices");
                t.setDaemon(true);
                return t;
            });
            long every = Math.max(5, options.sliceMillis() / 2);
            sweeper.scheduleWithFixedDelay(() -> {
                try {
                    returnLapsedSlices(System.currentTimeMillis());
                } catch (RuntimeException ignored) {
                    // a failed return only leaves the units spent: stricter, never looser
                }
            }, every, every, TimeUnit.MILLISECONDS);
        } else {
            this.sweeper = null;
        }
    }

    public KeyLayout keys() {
        return keys;
    }

    // ---- consume ------------------------------------------------------------------------------

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        int n = calls.size();
        LimitOutcome[] out = new LimitOutcome[n];
        if (n == 0) {
            return out;
        }
        long deadline = redis.deadline();
        List<Prepared> all = new ArrayList<>(n);
        boolean anyGlobal = false;
        for (int i = 0; i < n; i++) {
            Prepared p = prepare(i, calls.get(i));
            anyGlobal |= p.global();
            all.add(p);
        }
        if (slices != null && anyGlobal && !dryRun) {
            consumeWithSlices(all, nowMillis, out, deadline);
        } else if (!redis.isCluster()) {
            read(await(runConsume(all, nowMillis, dryRun, deadline), deadline), all, out);
        } else if (dryRun) {
            Map<Integer, List<Prepared>> groups = bySlot(all);
            List<CompletableFuture<List<Object>>> fs = new ArrayList<>();
            for (List<Prepared> g : groups.values()) {
                fs.add(runConsume(g, nowMillis, true, deadline));
            }
            int i = 0;
            for (List<Prepared> g : groups.values()) {
                read(await(fs.get(i++), deadline), g, out);
            }
        } else {
            consumeCluster(all, nowMillis, out, deadline);
        }
        return out;
    }

    /** Call {@code index} of a check, with its Redis key, slot and script arguments. */
    private Prepared prepare(int index, LimitCall c) {
        LimitArgs args = LimitArgs.of(c.limiter().spec());
        String key = keys.limit(c.key(), args.algorithm);
        boolean global = KeyLayout.GLOBAL_SUBJECT.equals(KeyLayout.subjectOfLimitKey(c.key()));
        return new Prepared(index, c, key, redis.slot(key), global, args);
    }

    /**
     * The list form without waiting: one consume script (through the slot's lane when coalescing),
     * answered from Lettuce's event loop, bounded by the timeout. Only for calls that one script
     * answers: all on one slot (always so on a standalone server), and no global budget leased in
     * slices; null for the others, which consume answers on a thread that may wait.
     */
    @Override
    public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        int n = calls.size();
        if (n == 0) {
            return CompletableFuture.completedFuture(new LimitOutcome[0]);
        }
        List<Prepared> all = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Prepared p = prepare(i, calls.get(i));
            if ((p.global() && slices != null && !dryRun) || (i > 0 && p.slot() != all.get(0).slot())) {
                return null;
            }
            all.add(p);
        }
        long deadline = redis.deadline();
        return redis.within(runConsume(all, nowMillis, dryRun, deadline), deadline).thenApply(reply -> {
            LimitOutcome[] out = new LimitOutcome[n];
            read(reply, all, out);
            return out;
        });
    }

    /**
     * One limit: the same as the list form, without its list and array; a global call with slices
     * takes the general path.
     */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        Prepared p = prepare(0, call);
        if (p.global() && slices != null && !dryRun) {
            return consume(List.of(call), nowMillis, false)[0];
        }
        long deadline = redis.deadline();
        List<Object> r = await(runConsume(List.of(p), nowMillis, dryRun, deadline), deadline);
        return new LimitOutcome(num(r, 0) == 1, num(r, 1), num(r, 2), num(r, 3));
    }

    /** Cluster: per-target groups in parallel; the global group only once all of them passed. */
    private void consumeCluster(List<Prepared> all, long now, LimitOutcome[] out, long deadline) {
        List<Prepared> targets = new ArrayList<>();
        List<Prepared> globals = new ArrayList<>();
        for (Prepared p : all) {
            (p.global() ? globals : targets).add(p);
        }
        List<List<Prepared>> passed = new ArrayList<>();
        boolean refused = runGroups(bySlot(targets), now, out, deadline, passed);
        if (globals.isEmpty()) {
            if (refused) {
                refundGroups(passed, now, deadline);
            }
            return;
        }
        if (refused) {
            refundGroups(passed, now, deadline);
            Map<Integer, List<Prepared>> g = bySlot(globals);
            List<CompletableFuture<List<Object>>> fs = new ArrayList<>();
            for (List<Prepared> group : g.values()) {
                fs.add(runConsume(group, now, true, deadline));
            }
            int i = 0;
            for (List<Prepared> group : g.values()) {
                read(await(fs.get(i++), deadline), group, out);
            }
            return;
        }
        List<List<Prepared>> globalPassed = new ArrayList<>();
        boolean globalRefused;
        try {
            globalRefused = runGroups(bySlot(globals), now, out, deadline, globalPassed);
        } catch (RedisUnavailableException e) {
            refundGroups(passed, now, deadline);
            throw e;
        }
        if (globalRefused) {
            passed.addAll(globalPassed);
            refundGroups(passed, now, deadline);
        }
    }

    /** Runs groups in parallel; fills outcomes; collects the groups that passed entirely. Returns true if any refused. */
    private boolean runGroups(Map<Integer, List<Prepared>> groups, long now, LimitOutcome[] out, long deadline,
                              List<List<Prepared>> passed) {
        List<CompletableFuture<List<Object>>> fs = new ArrayList<>(groups.size());
        for (List<Prepared> g : groups.values()) {
            fs.add(runConsume(g, now, false, deadline));
        }
        boolean refused = false;
        RedisUnavailableException failure = null;
        int i = 0;
        for (List<Prepared> g : groups.values()) {
            try {
                if (read(await(fs.get(i), deadline), g, out)) {
                    passed.add(g);
                } else {
                    refused = true;
                }
            } catch (RedisUnavailableException e) {
                failure = e;
            }
            i++;
        }
        if (failure != null) {
            // some groups may have spent: give it back before reporting the failure
            refundGroups(passed, now, deadline);
            passed.clear();
            throw failure;
        }
        return refused;
    }

    private void refundGroups(List<List<Prepared>> groups, long now, long deadline) {
        List<CompletableFuture<Object>> fs = new ArrayList<>();
        for (List<Prepared> g : groups) {
            fs.add(runRefund(g, now));
        }
        for (CompletableFuture<Object> f : fs) {
            try {
                await(f, deadline);
            } catch (RedisUnavailableException ignored) {
                // the units stay spent until the key idles: stricter, never looser
            }
        }
    }

    /** Slices: targets in Redis, global units from this node's slices (taken in the same round trip). */
    private void consumeWithSlices(List<Prepared> all, long now, LimitOutcome[] out, long deadline) {
        List<Prepared> targets = new ArrayList<>();
        List<Prepared> globals = new ArrayList<>();
        for (Prepared p : all) {
            (p.global() ? globals : targets).add(p);
        }
        List<GlobalSlices.Slice> lapsed = new ArrayList<>();
        GlobalSlices.Slice[] reserved = new GlobalSlices.Slice[globals.size()];
        GlobalSlices.Refusal[] known = new GlobalSlices.Refusal[globals.size()];
        List<CompletableFuture<List<Object>>> takes = new ArrayList<>();
        for (int i = 0; i < globals.size(); i++) {
            Prepared g = globals.get(i);
            long cost = g.call().cost();
            reserved[i] = cost == 0 ? null : slices.reserve(g.key(), cost, now, lapsed);
            if (cost > 0 && reserved[i] == null) {
                known[i] = slices.knownRefusal(g.key(), cost, now);
            }
            takes.add(cost == 0 || reserved[i] != null || known[i] != null ? null : runTake(g, now));
        }
        returnSlices(lapsed, now, false);

        // the per-target part, in the same round trip as the takes
        boolean targetsRefused = false;
        List<List<Prepared>> passed = new ArrayList<>();
        RedisUnavailableException failure = null;
        try {
            if (!targets.isEmpty()) {
                if (redis.isCluster()) {
                    targetsRefused = runGroups(bySlot(targets), now, out, deadline, passed);
                } else {
                    targetsRefused = !read(await(runConsume(targets, now, false, deadline), deadline), targets, out);
                    if (!targetsRefused) {
                        passed.add(targets);
                    }
                }
            }
        } catch (RedisUnavailableException e) {
            failure = e;
        }

        boolean globalRefused = false;
        GlobalSlices.Slice[] taken = new GlobalSlices.Slice[globals.size()];
        for (int i = 0; i < globals.size(); i++) {
            Prepared g = globals.get(i);
            long cost = g.call().cost();
            if (cost == 0) {
                out[g.index()] = new LimitOutcome(true, g.args().capacity, 0, 0);
                continue;
            }
            if (known[i] != null) {
                globalRefused = true;
                out[g.index()] = new LimitOutcome(false, known[i].remaining(), known[i].retryAfterMillis(),
                        known[i].resetMillis());
                continue;
            }
            if (reserved[i] != null) {
                GlobalSlices.Slice s = reserved[i];
                out[g.index()] = new LimitOutcome(true, slices.estimateRemaining(s), 0,
                        Math.max(0, s.redisReset - (now - s.takenAt)));
                continue;
            }
            List<Object> r;
            try {
                r = await(takes.get(i), deadline);
            } catch (RedisUnavailableException e) {
                failure = failure == null ? e : failure;
                continue;
            }
            boolean ok = num(r, 0) == 1;
            long granted = num(r, 1);
            long remaining = num(r, 2);
            long retry = num(r, 3);
            long reset = num(r, 4);
            if (!ok) {
                globalRefused = true;
                out[g.index()] = new LimitOutcome(false, remaining, retry, reset);
                slices.refused(g.key(), cost, now, retry, remaining, reset, options.sliceMillis());
                continue;
            }
            GlobalSlices.Slice s = new GlobalSlices.Slice(g.key(), g.args(), granted, sliceExpiry(g, now, num(r, 5)),
                    num(r, 5), now, remaining, reset);
            s.left = granted - cost;
            taken[i] = s;
            slices.add(s);
            out[g.index()] = new LimitOutcome(true, slices.estimateRemaining(s), 0, reset);
        }

        if (failure != null || targetsRefused || globalRefused) {
            // nothing of this check may stay spent: give the global units back to the slices
            for (int i = 0; i < globals.size(); i++) {
                long cost = globals.get(i).call().cost();
                if (reserved[i] != null) {
                    slices.unreserve(reserved[i], cost);
                } else if (taken[i] != null) {
                    slices.unreserve(taken[i], cost);
                }
            }
            refundGroups(passed, now, deadline);
            if (failure != null) {
                throw failure;
            }
        }
    }

    /** When a slice lapses: see GlobalSlices for why windows end their slices with the window or bucket. */
    /**
     * The longest a slice lives: slice_ms, and for GCRA at most per / 64, which is what bounds
     * its over-admission (windows end their slices with the window or bucket instead).
     */
    private long sliceLifetime(Prepared g) {
        if (g.args().algorithm != 'g') {
            return options.sliceMillis();
        }
        return Math.min(options.sliceMillis(), Math.max(1, g.call().limiter().spec().perMillis() / 64));
    }

    private long sliceExpiry(Prepared g, long now, long hint) {
        long expiry = now + sliceLifetime(g);
        if (g.args().algorithm == 'f') {
            expiry = Math.min(expiry, hint);
        } else if (g.args().algorithm == 's') {
            long precision = g.call().limiter().spec().precisionMillis();
            expiry = Math.min(expiry, (hint + 1) * precision);
        }
        return expiry;
    }

    /** Returns the unspent part of every slice that has lapsed by {@code nowMillis}; returns how many. */
    public int returnLapsedSlices(long nowMillis) {
        if (slices == null) {
            return 0;
        }
        List<GlobalSlices.Slice> lapsed = slices.lapsed(nowMillis);
        returnSlices(lapsed, nowMillis, true);
        return lapsed.size();
    }

    /** Gives back the unspent units; waits for Redis (bounded) unless called on a request's path. */
    private void returnSlices(List<GlobalSlices.Slice> lapsed, long now, boolean wait) {
        List<CompletableFuture<Object>> fs = new ArrayList<>();
        for (GlobalSlices.Slice s : lapsed) {
            if (s.left <= 0) {
                continue;
            }
            String[] argv = new String[10];
            argv[0] = Long.toString(now);
            argv[1] = slack;
            argv[2] = Long.toString(s.left);
            argv[3] = Long.toString(s.hint);
            s.args.put(argv, 4, 0);
            fs.add(redis.script(Script.SLICE_RETURN, ScriptOutputType.INTEGER, new String[] {s.key}, argv));
        }
        if (wait) {
            long deadline = redis.deadline();
            for (CompletableFuture<Object> f : fs) {
                try {
                    await(f, deadline);
                } catch (RedisUnavailableException ignored) {
                    // the units stay spent: stricter, never looser
                }
            }
        }
    }

    /** Slices taken from Redis since start (each one round trip to a global key). */
    public int sliceTakes() {
        return sliceTakes.get();
    }

    /** Slices this node holds (for tests and health). */
    public int slicesHeld() {
        return slices == null ? 0 : slices.held();
    }

    private CompletableFuture<List<Object>> runTake(Prepared g, long now) {
        sliceTakes.incrementAndGet();
        String[] argv = new String[13];
        argv[0] = Long.toString(now);
        argv[1] = slack;
        argv[2] = nodeId;
        argv[3] = Long.toString(options.nodeTtlMillis());
        argv[4] = Integer.toString(options.sliceDivisor());
        argv[5] = Long.toString(slices.want(g.key(), g.call().cost()));
        g.args().put(argv, 6, g.call().cost());
        argv[12] = Long.toString(g.args().capacity);
        return redis.script(Script.SLICE_TAKE, ScriptOutputType.MULTI, new String[] {g.key(), keys.nodes()}, argv);
    }

    /** One check's group of one slot: through the slot's lane when coalescing, else a call of its own. */
    private CompletableFuture<List<Object>> runConsume(List<Prepared> group, long now, boolean dry, long deadline) {
        if (batcher != null) {
            return batcher.submit(group.get(0).slot(), group, now, dry, deadline);
        }
        ConsumeArgs.Call args = ConsumeArgs.of(slack, List.of(new ConsumeArgs.Alone(group, now, dry)));
        return redis.script(args.script(), ScriptOutputType.MULTI, args.keys(), args.argv());
    }

    /** Calls sent through coalescing and the checks they carried since start ({0, 0} when off). */
    public long[] batchCounts() {
        return batcher == null ? new long[] {0, 0} : batcher.counts();
    }

    /** Checks waiting for a call in the lane of {@code slot} (tests). */
    int batchQueued(int slot) {
        return batcher == null ? 0 : batcher.queued(slot);
    }

    private CompletableFuture<Object> runRefund(List<Prepared> group, long now) {
        String[] ks = new String[group.size()];
        String[] argv = new String[2 + 6 * group.size()];
        argv[0] = Long.toString(now);
        argv[1] = slack;
        for (int i = 0; i < group.size(); i++) {
            Prepared p = group.get(i);
            ks[i] = p.key();
            p.args().put(argv, 2 + 6 * i, p.call().cost());
        }
        return redis.script(Script.refund(algorithms(group)), ScriptOutputType.INTEGER, ks, argv);
    }

    /** The algorithms of a group's calls, as Script bits: the script variant that defines only those. */
    static int algorithms(List<Prepared> group) {
        int bits = 0;
        for (Prepared p : group) {
            bits |= Script.bit(p.args().algorithm);
        }
        return bits;
    }

    /**
     * The text of the consume script Moat sends for calls of the given algorithms ('g', 'f', 's'),
     * for benchmarks that run it by hand (redis-benchmark EVALSHA).
     */
    public static String consumeScript(char... algorithms) {
        int bits = 0;
        for (char a : algorithms) {
            bits |= Script.bit(a);
        }
        return Script.consume(bits).body();
    }

    /** Fills outcomes from a consume reply; true when every call of the group was allowed. */
    private static boolean read(List<Object> reply, List<Prepared> group, LimitOutcome[] out) {
        boolean all = true;
        for (int i = 0; i < group.size(); i++) {
            boolean ok = num(reply, 4 * i) == 1;
            out[group.get(i).index()] = new LimitOutcome(ok, num(reply, 4 * i + 1), num(reply, 4 * i + 2),
                    num(reply, 4 * i + 3));
            all &= ok;
        }
        return all;
    }

    private static long num(List<Object> reply, int i) {
        Object o = reply.get(i);
        if (o instanceof Long l) {
            return l;
        }
        return Long.parseLong(String.valueOf(o));
    }

    private static Map<Integer, List<Prepared>> bySlot(List<Prepared> calls) {
        Map<Integer, List<Prepared>> groups = new LinkedHashMap<>();
        for (Prepared p : calls) {
            groups.computeIfAbsent(p.slot(), k -> new ArrayList<>()).add(p);
        }
        return groups;
    }

    private static <T> T await(CompletableFuture<T> f, long deadline) {
        return RedisConnection.await(f, deadline);
    }

    // ---- leases -------------------------------------------------------------------------------

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        long id = ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE;
        String hex = Long.toHexString(id);
        List<Object> r = await(redis.script(Script.LEASE_ACQUIRE, ScriptOutputType.MULTI, new String[] {keys.lease(key)},
                Long.toString(nowMillis), Integer.toString(max), Long.toString(leaseMillis), hex, slack), redis.deadline());
        boolean ok = num(r, 0) == 1;
        int inFlight = (int) num(r, 1);
        if (!ok) {
            return new LeaseGrant(false, null, 0, inFlight, num(r, 2));
        }
        return new LeaseGrant(true, MemoryLimitStore.encodeLease(key, id), nowMillis + leaseMillis, inFlight, 0);
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        String[] parts = MemoryLimitStore.decodeLease(leaseId);
        if (parts == null) {
            return;
        }
        await(redis.script(Script.LEASE_RELEASE, ScriptOutputType.INTEGER, new String[] {keys.lease(parts[0])},
                Long.toString(nowMillis), parts[1]), redis.deadline());
    }

    @Override
    public String kind() {
        return "redis";
    }

    /** Returns every slice still held, then stops the sweeper. The connection is the caller's. */
    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        if (slices != null) {
            List<GlobalSlices.Slice> all = slices.drain();
            long now = System.currentTimeMillis();
            for (GlobalSlices.Slice s : all) {
                try {
                    returnSlices(List.of(s), now, true);
                } catch (RuntimeException ignored) {
                    // best effort
                }
            }
        }
    }
}
