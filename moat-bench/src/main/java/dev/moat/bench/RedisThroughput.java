package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import io.netty.util.ResourceLeakDetector;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Redis-backed checks per second: Moat's Redis path against bucket4j-lettuce, on one redis-server,
 * the same limit, keys and number of concurrent callers (bench/run.sh puts {@code redis-benchmark}
 * running EVALSHA of Moat's script beside them, at the same concurrency). A third side, a bare
 * Lettuce EVALSHA of the same script ({@link LettuceEvalshaSide}), separates what Moat's own code
 * costs from what the client library and the thread hand-offs cost.
 *
 * <pre>
 * java -cp moat-bench/target/benchmarks.jar dev.moat.bench.RedisThroughput script host:port
 * java -cp moat-bench/target/benchmarks.jar dev.moat.bench.RedisThroughput run host:port LABEL KEYS CALLERS SECONDS ROUNDS
 * </pre>
 *
 * {@code script} checks that a plain EVALSHA of Moat's consume script with the printed arguments
 * is equivalent to Moat's check, and prints them for redis-benchmark. {@code run} starts CALLERS
 * threads per side, each calling one check after another on a key picked at random among KEYS (1:
 * every caller on one hot key), as the server's worker pool calls the store (the store API is
 * synchronous). Every call is admitted: 10^9 per second with a burst of 10^9, so each call also
 * writes its key. After three seconds of warm-up per side, the sides take turns, in order and then
 * in reverse order, for ROUNDS rounds of SECONDS seconds each (turns cancel a drift of the
 * machine's load); a side's figure is the median of its one-second rates. Redis's own command
 * counts and CPU time, and this JVM's CPU time (its Java threads', and the whole process's), are
 * taken per side, so the output says what one call costs on each side of the wire.
 */
public final class RedisThroughput {
    /** The subject of the hot-key runs. */
    static final String HOT_SUBJECT = "ip:203.0.113.7";
    /** The limit: never refuses during a run, so every call writes (the heavier path). */
    static final LimitSpec SPEC = LimitSpec.gcra(Peers.HUGE, Peers.HUGE_PER_MILLIS);

    private RedisThroughput() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("io.netty.leakDetection.level") == null) {
            // as in the server, where Vert.x turns Netty's leak detector off unless told otherwise: it
            // sampled Lettuce's buffers here (a stack trace each time), which the server never pays
            ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
        }
        if (args.length == 2 && args[0].equals("script")) {
            MoatScriptForRedisBenchmark.print(args[1], "rbench", SPEC);
            return;
        }
        if (args.length < 7 || args.length > 8 || !args[0].equals("run")) {
            System.err.println("usage: RedisThroughput script HOST:PORT");
            System.err.println("       RedisThroughput run HOST:PORT LABEL KEYS CALLERS SECONDS ROUNDS [moat|bucket4j|lettuce]");
            System.exit(2);
        }
        String hostPort = args[1];
        String label = args[2];
        int keys = positive("KEYS", args[3]);
        int callers = positive("CALLERS", args[4]);
        int seconds = positive("SECONDS", args[5]);
        int rounds = positive("ROUNDS", args[6]);
        String only = args.length == 8 ? args[7] : ""; // one side alone, for profiling
        String[] subjects = new String[keys];
        for (int i = 0; i < keys; i++) {
            subjects[i] = keys == 1 ? HOT_SUBJECT : "ip:" + Keys.ipv4(i);
        }
        System.out.printf("redis throughput %s: %d key(s), %d callers per side, %d rounds of %d s per side, %d cores,"
                        + " load average at start %.2f%n", label, keys, callers, rounds, seconds,
                Runtime.getRuntime().availableProcessors(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        try (RedisCommandStats stats = new RedisCommandStats(hostPort);
             MoatRedisSide moat = new MoatRedisSide(hostPort, "moatbench", subjects, SPEC);
             Bucket4jLettuceSide bucket4j = new Bucket4jLettuceSide(hostPort, "b4jbench", subjects, Peers.HUGE,
                     Peers.HUGE_PER_MILLIS);
             LettuceEvalshaSide lettuce = new LettuceEvalshaSide(hostPort, "lettucebench", subjects, SPEC,
                     MoatScriptForRedisBenchmark.load(stats))) {
            // Redis counts the commands a script calls too. Moat: one EVALSHA per round trip. bucket4j:
            // a GET, then an EVAL whose compare-and-set script GETs once: its GETs are its round trips.
            Tally moatTally = new Tally(moat, false, "evalsha", "evalsha");
            Tally b4jTally = new Tally(bucket4j, false, "get", "get", "eval");
            // the same three with `callers` checks outstanding on one event-loop thread instead of
            // `callers` threads that each wait: how the server's event loops call Moat's store
            Tally moatAsync = new Tally(moat, true, "evalsha", "evalsha");
            Tally b4jAsync = new Tally(bucket4j, true, "get", "get", "eval");
            List<Tally> sides = new ArrayList<>();
            for (Tally t : List.of(moatTally, b4jTally, new Tally(lettuce, false, "evalsha", "evalsha"),
                    moatAsync, b4jAsync, new Tally(lettuce, true, "evalsha", "evalsha"))) {
                if (only.isEmpty() || only.equals(t.name())) {
                    sides.add(t);
                }
            }
            for (Tally t : sides) {
                // warm-up; on a busy machine C2 compiles for longer, which the turns spread over the sides
                t.segment(stats, callers, keys, 3, false);
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < sides.size(); i++) {
                    sides.get(r % 2 == 0 ? i : sides.size() - 1 - i).segment(stats, callers, keys, seconds, true);
                }
            }
            for (Tally t : List.of(moatTally, moatAsync)) {
                if (t.rates.isEmpty() && sides.contains(t)) {
                    throw new IllegalStateException(t.name() + " lost redis in every turn and answered from memory: no figure");
                }
            }
            System.out.println();
            for (Tally t : sides) {
                t.report(label);
            }
            System.out.printf("RESULT %s_callers %d%n", label, callers);
            System.out.printf("RESULT %s_keys %d%n", label, keys);
            if (sides.contains(moatTally) && sides.contains(b4jTally)) {
                System.out.printf("RESULT %s_moat_vs_bucket4j %.3f%n", label, moatTally.median() / b4jTally.median());
            }
            if (sides.contains(moatAsync) && sides.contains(b4jTally) && sides.contains(b4jAsync)) {
                // against bucket4j's better form in this run
                System.out.printf("RESULT %s_moat_async_vs_bucket4j_best %.3f%n", label,
                        moatAsync.median() / Math.max(b4jTally.median(), b4jAsync.median()));
            }
        }
    }

    private static int positive(String what, String value) {
        int n = Integer.parseInt(value);
        if (n < 1) {
            throw new IllegalArgumentException(what + " must be at least 1, was " + n);
        }
        return n;
    }

    /** One side's measurements across its segments. */
    private static final class Tally {
        private final RedisSide side;
        private final boolean async;
        private final String roundTrips;
        private final String[] commands;
        private final List<Double> rates = new ArrayList<>();
        private long calls;
        private long refused;
        private long redisRoundTrips;
        private long redisCommandMicros;
        private double redisCpuSeconds;
        private double clientCpuSeconds;
        private double processCpuSeconds;
        private long allocatedBytes;
        private int discardedTurns;

        /**
         * @param roundTrips the command Redis counts once per round trip of this side
         * @param commands   the top-level commands whose time Redis reports (their inner calls included)
         */
        Tally(RedisSide side, boolean async, String roundTrips, String... commands) {
            this.side = side;
            this.async = async;
            this.roundTrips = roundTrips;
            this.commands = commands;
        }

        /** The side's name in reports: with "_async" for the non-blocking form. */
        String name() {
            return async ? side.name() + "_async" : side.name();
        }

        /** Runs the side for {@code seconds}; records it when {@code counted}. */
        void segment(RedisCommandStats stats, int callers, int keys, int seconds, boolean counted)
                throws InterruptedException {
            LongAdder done = new LongAdder();
            LongAdder no = new LongAdder();
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> threads = new ArrayList<>();
            OutstandingChecks outstanding = async ? new OutstandingChecks(side, name(), keys, done, no, stop) : null;
            if (outstanding != null) {
                outstanding.start(callers);
            }
            for (int t = 0; t < (async ? 0 : callers); t++) {
                Thread w = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        if (!side.check(keys == 1 ? 0 : random.nextInt(keys))) {
                            no.increment();
                        }
                        done.increment();
                    }
                }, side.name() + "-caller-" + t);
                threads.add(w);
                w.start();
            }
            Thread.sleep(300); // every caller running before the first second counts
            long outages = side.outages();
            Map<String, long[]> before = stats.read();
            double redisCpu = stats.cpuSeconds();
            double clientCpu = javaThreadsCpuSeconds();
            long allocated = javaThreadsAllocatedBytes();
            double processCpu = processCpuSeconds();
            long last = done.sum();
            long start = System.nanoTime();
            List<Double> mine = new ArrayList<>();
            for (int s = 1; s <= seconds; s++) {
                long wait = start + s * 1_000_000_000L - System.nanoTime();
                Thread.sleep(Math.max(0, wait / 1_000_000));
                long now = done.sum();
                mine.add((double) (now - last));
                last = now;
            }
            double processCpuAfter = processCpuSeconds();
            double clientCpuAfter = javaThreadsCpuSeconds();
            long allocatedAfter = javaThreadsAllocatedBytes();
            double redisCpuAfter = stats.cpuSeconds();
            Map<String, long[]> after = stats.read();
            stop.set(true);
            for (Thread w : threads) {
                w.join();
            }
            if (outstanding != null) {
                outstanding.finish();
            }
            if (!counted) {
                return;
            }
            if (side.outages() != outages) {
                // a call waited longer than the timeout (a stall of this busy machine) and the store
                // answered from memory until the next probe: this turn did not measure Redis
                discardedTurns++;
                System.out.printf("  %-15s %s: discarded, Redis was marked down during the turn%n", name(), format(mine));
                return;
            }
            rates.addAll(mine);
            for (double r : mine) {
                calls += (long) r;
            }
            refused += no.sum();
            redisRoundTrips += RedisCommandStats.delta(before, after, roundTrips)[0];
            for (String c : commands) {
                redisCommandMicros += RedisCommandStats.delta(before, after, c)[1];
            }
            redisCpuSeconds += redisCpuAfter - redisCpu;
            clientCpuSeconds += clientCpuAfter - clientCpu;
            processCpuSeconds += processCpuAfter - processCpu;
            allocatedBytes += allocatedAfter - allocated;
            System.out.printf("  %-15s %s%n", name(), format(mine));
        }

        double median() {
            List<Double> sorted = new ArrayList<>(rates);
            sorted.sort(null);
            int n = sorted.size();
            return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
        }

        void report(String label) {
            String p = "RESULT " + label + "_" + name() + "_";
            System.out.printf("%sops_per_second %.0f%n", p, median());
            System.out.printf("%sops_per_second_min %.0f%n", p, rates.stream().mapToDouble(d -> d).min().orElse(0));
            System.out.printf("%sops_per_second_max %.0f%n", p, rates.stream().mapToDouble(d -> d).max().orElse(0));
            System.out.printf("%sround_trips_per_call %.3f%n", p, (double) redisRoundTrips / calls);
            System.out.printf("%sredis_command_usec_per_call %.2f%n", p, (double) redisCommandMicros / calls);
            System.out.printf("%sredis_cpu_usec_per_call %.2f%n", p, redisCpuSeconds * 1e6 / calls);
            System.out.printf("%sclient_cpu_usec_per_call %.2f%n", p, clientCpuSeconds * 1e6 / calls);
            System.out.printf("%sclient_process_cpu_usec_per_call %.2f%n", p, processCpuSeconds * 1e6 / calls);
            System.out.printf("%sclient_allocated_bytes_per_call %.0f%n", p, (double) allocatedBytes / calls);
            System.out.printf("%srefused %d%n", p, refused);
            System.out.printf("%sdiscarded_turns %d%n", p, discardedTurns);
        }
    }

    private static String format(List<Double> rates) {
        StringBuilder sb = new StringBuilder();
        for (double r : rates) {
            sb.append(String.format("%,9.0f", r));
        }
        return sb.append(" /s").toString();
    }

    /**
     * CPU time of this JVM's Java threads (the callers, Lettuce's event loops, the rest), without
     * the JIT compiler's and the garbage collector's threads: on a busy machine C2 keeps compiling
     * well into the measured turns, and whichever side runs then would be charged for it.
     */
    private static double javaThreadsCpuSeconds() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long id : threads.getAllThreadIds()) {
            long t = threads.getThreadCpuTime(id);
            if (t > 0) {
                sum += t;
            }
        }
        return sum / 1e9;
    }

    /** Bytes allocated so far by this JVM's live Java threads (callers and event loops included). */
    private static long javaThreadsAllocatedBytes() {
        if (!(ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean threads)) {
            return 0;
        }
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            if (b > 0) {
                sum += b;
            }
        }
        return sum;
    }

    /** CPU time of the whole process, compiler and collector included. */
    private static double processCpuSeconds() {
        var os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            return sun.getProcessCpuTime() / 1e9;
        }
        return Double.NaN;
    }
}
