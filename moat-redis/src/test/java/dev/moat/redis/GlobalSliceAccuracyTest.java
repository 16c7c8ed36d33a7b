package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CyclicBarrier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slice leasing of global budgets: three store instances (three nodes) over one Redis, each
 * admitting from slices in its own memory, driven by threads in lock-step simulated time. The
 * fleet never admits more than the documented bound (docs/redis.md, "Slice leasing"): a fixed or
 * sliding window never more than max per window (or window of buckets), GCRA never more than
 * ceil(max * L / per) over any interval beyond what one GCRA admits, L being the slice lifetime.
 * And slices do their job: far fewer Redis round trips than requests, without starving the fleet.
 */
class GlobalSliceAccuracyTest {
    private static final int NODES = 3;
    private static final int PER_TICK = 16;
    private static final int TICKS = 500;
    private static final long SLICE_MILLIS = 100;
    private static final int REQUESTS = NODES * PER_TICK * TICKS;
    private static final String GLOBAL = "client.global.invite|*";

    private final List<RedisConnection> connections = new ArrayList<>();
    private final List<RedisLimitStore> stores = new ArrayList<>();

    @BeforeEach
    void nodes() {
        String prefix = "slices-" + UUID.randomUUID();
        RedisLimitStore.Options options = RedisLimitStore.Options.defaults().withSliceMillis(SLICE_MILLIS).withSweeper(false);
        for (int i = 0; i < NODES; i++) {
            RedisConnection c = RedisConnection.open(RedisServers.shared().uri(), List.of(), 5_000);
            connections.add(c);
            stores.add(new RedisLimitStore(c, prefix, options));
        }
    }

    @AfterEach
    void close() {
        stores.forEach(RedisLimitStore::close);
        connections.forEach(RedisConnection::close);
    }

    /** (simulated time, node) of every admitted request. */
    private record Admission(long at, int node) {
    }

    private List<Admission> drive(Limiter limiter, long seed) throws Exception {
        return drive(limiter, seed, PER_TICK, now -> {
        });
    }

    /** Runs the ticks; {@code afterTick} sees each tick's instant once every node is done with it. */
    /**
     * Runs the ticks, each node sending up to {@code perTick} requests a tick (a random number of
     * them when below {@link #PER_TICK}, so nodes hold unspent slices at window ends);
     * {@code afterTick} sees each tick's instant once every node is done with it.
     */
    private List<Admission> drive(Limiter limiter, long seed, int perTick, java.util.function.LongConsumer afterTick)
            throws Exception {
        Random rnd = new Random(seed);
        long[] times = new long[TICKS];
        long t = (System.currentTimeMillis() / 1000 + 1) * 1000;
        for (int i = 0; i < TICKS; i++) {
            t += rnd.nextInt(16);
            times[i] = t;
        }
        List<Admission> admitted = Collections.synchronizedList(new ArrayList<>());
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        CyclicBarrier tick = new CyclicBarrier(NODES);
        CyclicBarrier done = new CyclicBarrier(NODES);
        List<Thread> threads = new ArrayList<>();
        for (int n = 0; n < NODES; n++) {
            int node = n;
            RedisLimitStore store = stores.get(n);
            Random demand = new Random(seed * 31 + n);
            Thread th = new Thread(() -> {
                try {
                    for (long now : times) {
                        tick.await();
                        store.returnLapsedSlices(now);
                        int requests = perTick == PER_TICK ? PER_TICK : demand.nextInt(perTick + 1);
                        for (int r = 0; r < requests; r++) {
                            if (store.consume(List.of(new LimitCall(GLOBAL, limiter, 1)), now, false)[0].allowed()) {
                                admitted.add(new Admission(now, node));
                            }
                        }
                        done.await();
                        if (node == 0) {
                            afterTick.accept(now);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                    tick.reset();
                    done.reset();
                }
            }, "node-" + n);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).isEmpty();
        List<Admission> sorted = new ArrayList<>(admitted);
        sorted.sort((a, b) -> Long.compare(a.at(), b.at()));
        return sorted;
    }

    private int takes() {
        return stores.stream().mapToInt(RedisLimitStore::sliceTakes).sum();
    }

    @Test
    void aFixedWindowGlobalNeverAdmitsMoreThanMaxPerWindow() throws Exception {
        // a budget the demand (about 400 a second) does not exhaust: nodes hold unspent units
        // when a window closes, and must not spend them in the next one
        LimitSpec spec = LimitSpec.fixedWindow(500, 1_000);
        String key = stores.get(0).keys().limit(GLOBAL, 'f');
        // the windows as Redis has them ("end:used"), read after every tick
        java.util.TreeSet<Long> windowEnds = new java.util.TreeSet<>();
        List<Admission> admitted = drive(spec.limiter(), 1, 2, now -> {
            try {
                String state = RedisServers.shared().command("GET", key);
                if (!state.equals("(nil)")) {
                    windowEnds.add(Long.parseLong(state.substring(0, state.indexOf(':'))));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        java.util.Map<Long, Integer> perWindow = new java.util.TreeMap<>();
        for (Admission a : admitted) {
            Long end = windowEnds.higher(a.at());
            assertThat(end != null && end - spec.perMillis() <= a.at())
                    .as("admission at %d lies in a window Redis opened (%s)", a.at(), windowEnds).isTrue();
            perWindow.merge(end, 1, Integer::sum);
        }
        assertThat(perWindow.values()).as("admissions per window").allMatch(n -> n <= spec.max());
        assertThat(perWindow).hasSizeGreaterThan(2);
        assertThat(admitted.size()).as("slices do not starve the fleet").isGreaterThan(REQUESTS / PER_TICK * 9 / 10);
        assertThat(takes()).as("round trips to the hot key").isLessThan(admitted.size() / 2);
    }

    @Test
    void aSlidingWindowGlobalSpendsEveryUnitInTheBucketThatCountedIt() throws Exception {
        LimitSpec spec = LimitSpec.slidingWindow(500, 1_000, 100);
        String key = stores.get(0).keys().limit(GLOBAL, 's');
        // Redis's counts per bucket ("idleAt:newest:c0,...,c9"), as last seen after each tick:
        // units given back go to their own bucket while it is still in the window
        java.util.Map<Long, Long> counted = new java.util.TreeMap<>();
        List<Admission> admitted = drive(spec.limiter(), 2, 2, now -> {
            try {
                String state = RedisServers.shared().command("GET", key);
                if (state.equals("(nil)")) {
                    return;
                }
                String[] parts = state.split(":");
                long newest = Long.parseLong(parts[1]);
                String[] counts = parts[2].split(",");
                for (long b = newest - 9; b <= newest; b++) {
                    counted.put(b, Long.parseLong(counts[(int) Math.floorMod(b, 10L)]));
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        java.util.Map<Long, Long> used = new java.util.TreeMap<>();
        for (Admission a : admitted) {
            used.merge(a.at() / 100, 1L, Long::sum);
        }
        for (java.util.Map.Entry<Long, Long> e : used.entrySet()) {
            assertThat(e.getValue()).as("admitted in bucket %d", e.getKey())
                    .isLessThanOrEqualTo(counted.getOrDefault(e.getKey(), 0L));
        }
        long first = admitted.get(0).at() / 100;
        long last = admitted.get(admitted.size() - 1).at() / 100;
        for (long b = first; b <= last; b++) {
            long from = b - 9;
            long to = b;
            long count = admitted.stream().filter(a -> a.at() / 100 >= from && a.at() / 100 <= to).count();
            assertThat(count).as("buckets %d..%d", from, to).isLessThanOrEqualTo(spec.max());
        }
        assertThat(admitted.size()).isGreaterThan(REQUESTS / PER_TICK * 9 / 10);
        assertThat(takes()).isLessThan(admitted.size() / 2);
    }

    @Test
    void anExhaustedWindowBudgetIsAnsweredMostlyFromMemory() throws Exception {
        LimitSpec spec = LimitSpec.fixedWindow(100, 1_000);
        List<Admission> admitted = drive(spec.limiter(), 4);
        assertThat(admitted.size()).isLessThanOrEqualTo(100 * 5);
        assertThat(takes()).as("round trips to the hot key").isLessThan(REQUESTS / 10);
    }

    @Test
    void aGcraGlobalStaysWithinOneGcraPlusTheDocumentedBound() throws Exception {
        // a hot budget: 4000 a second against a demand of about 6400 a second
        LimitSpec spec = LimitSpec.gcra(4_000, 1_000);
        List<Admission> admitted = drive(spec.limiter(), 3);
        long lifetime = Math.min(SLICE_MILLIS, spec.perMillis() / 64);
        long bound = (spec.max() * lifetime + spec.perMillis() - 1) / spec.perMillis();
        for (int i = 0; i < admitted.size(); i++) {
            for (int j = i; j < admitted.size(); j++) {
                long span = admitted.get(j).at() - admitted.get(i).at();
                long oneGcra = span * spec.max() / spec.perMillis() + spec.burst();
                if (j - i + 1 > oneGcra + bound) {
                    assertThat((long) (j - i + 1)).as("admissions in [%d, %d]", admitted.get(i).at(), admitted.get(j).at())
                            .isLessThanOrEqualTo(oneGcra + bound);
                }
            }
        }
        assertThat(admitted.size()).as("most of the budget is used").isGreaterThan(4_000 * 3);
        assertThat(takes()).isLessThan(REQUESTS / 10);
    }

    @Test
    void aSliceGrowsWithDemandAndWhatIsLeftGoesBackWhenItLapses() {
        Limiter limiter = LimitSpec.gcra(600, 60_000).limiter();
        long now = System.currentTimeMillis();
        RedisLimitStore node = stores.get(0);
        for (int i = 0; i < 10; i++) {
            assertThat(node.consume(List.of(new LimitCall("client.global.x|*", limiter, 1)), now, false)[0].allowed()).isTrue();
        }
        assertThat(node.sliceTakes()).as("slices double while a node runs out: 1, 2, 4, 8").isEqualTo(4);
        RedisLimitStore direct = new RedisLimitStore(connections.get(1), node.keys().prefix(),
                RedisLimitStore.Options.defaults().withGlobalSlices(false));
        long heldByNode = 600 - 15 - direct.consume(List.of(new LimitCall("client.global.x|*", limiter, 1)), now, true)[0].remaining() - 1;
        assertThat(heldByNode).as("15 units taken, 10 used: 5 held in the node's slice").isZero();
        // the lifetime is min(slice_ms, per / 64); the unspent 5 go back when it lapses
        assertThat(node.returnLapsedSlices(now + SLICE_MILLIS)).isEqualTo(1);
        long remaining = direct.consume(List.of(new LimitCall("client.global.x|*", limiter, 1)), now + SLICE_MILLIS, true)[0].remaining();
        assertThat(remaining).as("only the 10 admitted stay spent (one unit refills every 100 ms)").isEqualTo(600 - 10 + 1 - 1);
    }
}
