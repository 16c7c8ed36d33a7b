package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.MemoryLimitStore;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.SynchronizationStrategy;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * Measures (does not estimate) heap bytes per tracked key at 1M keys: used heap after full GCs,
 * before and after filling a structure with 1M distinct keys {@code client.target.login|ip:<IPv4>}
 * (each key String made fresh, so it is owned by the structure as it would be in the engine),
 * divided by 1M. The structure stays reachable across the second measurement.
 *
 * <p>Rows: Moat's {@link MemoryLimitStore} (the login preset's GCRA, 7 per 5 minutes), which keeps
 * per key a map node and table slot and one cell (the key's 128-bit hash and the GCRA state as a
 * long), not the key text; bucket4j local buckets in a {@code ConcurrentHashMap<String, Bucket>}
 * (lock-free and synchronized, one shared {@code Bandwidth}); and, to show where the bytes go,
 * the key Strings alone in an array (what a map keyed by the text holds on top), and the keys in a
 * {@code ConcurrentHashMap} whose values are all one shared object (the map's nodes and table).
 * Moat minus the nodes and table is its cell.
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.HeapPerKey [keys=1000000]</pre>
 */
public final class HeapPerKey {
    private HeapPerKey() {
    }

    static final String PREFIX = "client.target.login|";

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        System.out.printf("heap bytes per key at %,d keys; JVM %s, %s, max heap %,d MB, compressed oops %s%n", n,
                System.getProperty("java.vm.version"), gcNames(), Runtime.getRuntime().maxMemory() >> 20,
                ManagementFactory.getPlatformMXBeans(com.sun.management.HotSpotDiagnosticMXBean.class).get(0)
                        .getVMOption("UseCompressedOops").getValue());
        System.out.println("example key: " + key(0) + " (" + key(0).length() + " chars)");
        Limiter login = LimitSpec.gcra(7, 5 * 60_000).limiter();
        long now = Peers.FIXED_MILLIS;
        Bandwidth bandwidth = Peers.bandwidth(7, 5 * 60_000);
        Object shared = new Object();

        // warm up the code paths so that class loading and JIT data land before the first reading
        for (int round = 0; round < 2; round++) {
            MemoryLimitStore s = new MemoryLimitStore();
            for (int i = 0; i < 20_000; i++) {
                s.consume(new LimitCall(key(i), login, 1), now, false);
                Peers.bucket(bandwidth, true, SynchronizationStrategy.LOCK_FREE).tryConsume(1);
                Peers.bucket(bandwidth, true, SynchronizationStrategy.SYNCHRONIZED).tryConsume(1);
            }
        }

        double strings = measure("key Strings alone (in a String[], array excluded)", n, () -> {
            String[] keys = new String[n];
            for (int i = 0; i < n; i++) {
                keys[i] = key(i);
            }
            return keys;
        }, 16L + 4L * n);
        double map = measure("keys in a ConcurrentHashMap<String, shared value> (key + node + table)", n, () -> {
            ConcurrentHashMap<String, Object> m = new ConcurrentHashMap<>();
            for (int i = 0; i < n; i++) {
                m.put(key(i), shared);
            }
            return m;
        }, 0);
        double moat = measure("Moat MemoryLimitStore (default cap, GCRA state)", n, () -> {
            MemoryLimitStore s = new MemoryLimitStore();
            for (int i = 0; i < n; i++) {
                s.consume(new LimitCall(key(i), login, 1), now, false);
            }
            if (s.trackedKeys() != n || s.evictions() != 0) {
                throw new IllegalStateException("store holds " + s.trackedKeys() + " keys, evicted " + s.evictions());
            }
            return s;
        }, 0);
        double lockFree = measure("bucket4j lock-free buckets in a ConcurrentHashMap", n,
                () -> buckets(n, i -> Peers.bucket(bandwidth, true, SynchronizationStrategy.LOCK_FREE)), 0);
        double sync = measure("bucket4j synchronized buckets in a ConcurrentHashMap", n,
                () -> buckets(n, i -> Peers.bucket(bandwidth, true, SynchronizationStrategy.SYNCHRONIZED)), 0);
        System.out.println();
        System.out.printf("RESULT moat_bytes_per_key %.1f%n", moat);
        System.out.printf("RESULT bucket4j_lockfree_bytes_per_key %.1f%n", lockFree);
        System.out.printf("RESULT bucket4j_synchronized_bytes_per_key %.1f%n", sync);
        System.out.printf("RESULT key_string_bytes %.1f%n", strings);
        System.out.printf("RESULT chm_node_and_table_bytes %.1f%n", map - strings);
        System.out.printf("RESULT moat_cell_bytes %.1f%n", moat - (map - strings));
        System.out.printf("RESULT nginx_bytes_per_state 128%n");
    }

    static String key(int i) {
        return PREFIX + "ip:" + Keys.ipv4(i);
    }

    private static Map<String, Bucket> buckets(int n, IntFunction<Bucket> make) {
        ConcurrentHashMap<String, Bucket> m = new ConcurrentHashMap<>();
        for (int i = 0; i < n; i++) {
            m.computeIfAbsent(key(i), k -> make.apply(0)).tryConsume(1);
        }
        return m;
    }

    /** Used heap after filling minus before, per key; {@code exclude} bytes are not counted. */
    private static double measure(String what, int n, Supplier<Object> fill, long exclude) throws InterruptedException {
        long before = usedAfterGc();
        Object held = fill.get();
        long after = usedAfterGc();
        double perKey = (after - before - exclude) / (double) n;
        System.out.printf("%-75s %,8.1f bytes/key (%,d MB)%n", what, perKey, (after - before) >> 20);
        java.lang.ref.Reference.reachabilityFence(held);
        return perKey;
    }

    /** Used heap after full collections have stopped freeing anything. */
    static long usedAfterGc() throws InterruptedException {
        MemoryMXBean mx = ManagementFactory.getMemoryMXBean();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            Thread.sleep(100);
            long now = mx.getHeapMemoryUsage().getUsed();
            if (i >= 3 && Math.abs(now - used) < 64 * 1024) {
                return now;
            }
            used = now;
        }
        return used;
    }

    private static String gcNames() {
        StringBuilder b = new StringBuilder();
        for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            b.append(b.length() == 0 ? "" : "+").append(gc.getName());
        }
        return b.toString();
    }
}
