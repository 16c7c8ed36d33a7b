package dev.moat.bench;

import dev.moat.core.Moat;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.sqlite.SqliteStateStore;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Issue 3's figure: acknowledged durable violations per second, through the API the server uses
 * ({@code Moat.reportViolation} on a {@link SqliteStateStore}: WAL, group commit, each commit's
 * WAL fsynced before its callers are acknowledged), with as many concurrent callers as the server has blocking workers; and beside
 * it the physical bound, how many fsyncs per second this disk gives one writer.
 *
 * <ul>
 *   <li>{@code fsync}: one thread writing 1 KiB and calling {@code force} in a loop, twice:
 *       overwriting a preallocated file (what SQLite does to a WAL it reuses after a checkpoint)
 *       and appending (a growing WAL: the file size is journalled too).</li>
 *   <li>{@code engine}: {@code callers} threads, each calling {@code Moat.reportViolation} in a
 *       loop. A call returns only after the commit holding its violation (score and log line, one
 *       write) is durable, so every counted violation is acknowledged and durable. Bans off, so
 *       that every violation costs the same. The default caller count, 64, is the server's worker
 *       pool ({@code MoatServer.WORKERS}): a refusal or a reported violation holds a worker while
 *       it waits for its commit, so the pool bounds the violations in flight.</li>
 *   <li>{@code baseline}: the same at 16 callers, the server's pool before it was raised.</li>
 * </ul>
 *
 * Offenders are 10,000 addresses picked at random (unkind to SQLite's page cache: the violations
 * of one commit rarely share a page). The per-second rates are counted from the callers' returns
 * after {@value #WARMUP_SECONDS} warm-up seconds; the figure is their median, and the whole run's mean is printed too.
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.ViolationThroughput [callers=64] [seconds=8] [dir]</pre>
 */
public final class ViolationThroughput {
    private static final int BASELINE_CALLERS = 16;
    private static final int FSYNC_FILE_KIB = 4096;
    /**
     * Not counted: JIT compilation, and the first violation of most of the 10,000 offenders (a new
     * score row, a growing B-tree) rather than the steady state. With 1 s the first counted
     * seconds were often a third of the rest, with the old writer as with the new.
     */
    private static final int WARMUP_SECONDS = 3;

    private ViolationThroughput() {
    }

    private static volatile boolean stop;

    /** What one run of the engine measured. */
    private record Run(double medianPerSecond, double meanPerSecond, long commits, double writesPerCommit,
                       double writerCpuMicrosPerViolation, double processCpuMicrosPerViolation) {
    }

    public static void main(String[] args) throws Exception {
        int callers = args.length > 0 ? Integer.parseInt(args[0]) : 64;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path base = args.length > 2 ? Path.of(args[2]) : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        System.out.printf("durable violations: %d callers (baseline %d), %d s per run, %d cores, load average at start %.2f%n",
                callers, BASELINE_CALLERS, seconds, Runtime.getRuntime().availableProcessors(), load());

        int fsyncSeconds = Math.max(2, seconds / 2);
        double overwrite = fsyncs(base, fsyncSeconds, false);
        double append = fsyncs(base, fsyncSeconds, true);
        // a whole run, not counted, so that the JIT has compiled the path before either measured
        // run: otherwise the first run measured (64 callers) pays for it and the second does not
        System.out.println("JVM warm-up run, not counted:");
        engine(base, callers, 2);
        Run engine = engine(base, callers, seconds);
        Run baseline = engine(base, BASELINE_CALLERS, seconds);

        System.out.println();
        System.out.printf("RESULT fsync_overwrite_per_second %.0f%n", overwrite);
        System.out.printf("RESULT fsync_append_per_second %.0f%n", append);
        System.out.printf("RESULT callers %d%n", callers);
        System.out.printf("RESULT violations_per_second %.0f%n", engine.medianPerSecond());
        System.out.printf("RESULT violations_per_second_mean %.0f%n", engine.meanPerSecond());
        System.out.printf("RESULT writes_per_commit %.1f%n", engine.writesPerCommit());
        System.out.printf("RESULT writer_cpu_us_per_violation %.1f%n", engine.writerCpuMicrosPerViolation());
        System.out.printf("RESULT process_cpu_us_per_violation %.1f%n", engine.processCpuMicrosPerViolation());
        System.out.printf("RESULT baseline_callers %d%n", BASELINE_CALLERS);
        System.out.printf("RESULT baseline_violations_per_second %.0f%n", baseline.medianPerSecond());
        System.out.printf("RESULT baseline_writes_per_commit %.1f%n", baseline.writesPerCommit());
        System.out.printf("RESULT load_at_end %.2f%n", load());
    }

    /** {@code callers} threads recording violations through the engine, each waiting for its commit. */
    private static Run engine(Path base, int callers, int seconds) throws Exception {
        Path dir = Files.createTempDirectory(base, "moat-violations-engine");
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            MoatPolicy policy = MoatPolicy.defaults()
                    .withBans(new BanPolicy(false, 20, 2L * 3600 * 1000, true, 64, 1, 30L * 24 * 3600 * 1000));
            Moat moat = Moat.builder().policy(policy).stateStore(store).build();
            System.out.printf("engine: Moat.reportViolation on moat-sqlite, %d callers, load average %.2f%n", callers, load());
            LongAdder acknowledged = new LongAdder();
            stop = false;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < callers; t++) {
                Thread w = new Thread(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    while (!stop) {
                        String ip = "203.0." + random.nextInt(40) + "." + random.nextInt(250);
                        moat.reportViolation("message_limit", null, ip, null, null); // returns once durable
                        acknowledged.increment();
                    }
                }, "caller-" + t);
                workers.add(w);
                w.start();
            }
            Thread.sleep(WARMUP_SECONDS * 1000L);
            long commits0 = store.commits();
            long writes0 = store.committedWrites();
            long writerCpu0 = writerCpuNanos();
            long processCpu0 = processCpuNanos();
            List<Double> rates = new ArrayList<>();
            long first = acknowledged.sum();
            long last = first;
            long start = System.nanoTime();
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(Math.max(0, start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000);
                long now = acknowledged.sum();
                rates.add((double) (now - last));
                System.out.printf("  second %2d: %,8d violations/s%n", s, now - last);
                last = now;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            long commits = store.commits() - commits0;
            long writes = store.committedWrites() - writes0;
            long writerCpu = writerCpuNanos() - writerCpu0;
            long processCpu = processCpuNanos() - processCpu0;
            stop = true;
            for (Thread w : workers) {
                w.join();
            }
            long counted = Math.max(1, last - first);
            Run run = new Run(median(rates), (last - first) / elapsed, commits, commits == 0 ? 0 : (double) writes / commits,
                    writerCpu / 1e3 / counted, processCpu / 1e3 / counted);
            System.out.printf("  median %,.0f violations/s, mean %,.0f/s; %,.0f commits/s, %.1f violations per commit;"
                            + " CPU per violation: writer thread %.1f us, whole process %.1f us; load average %.2f%n",
                    run.medianPerSecond(), run.meanPerSecond(), commits / elapsed, run.writesPerCommit(),
                    run.writerCpuMicrosPerViolation(), run.processCpuMicrosPerViolation(), load());
            return run;
        } finally {
            delete(dir);
        }
    }

    /** fsyncs per second (median second) of one thread writing 1 KiB and forcing it to disk. */
    private static double fsyncs(Path base, int seconds, boolean append) throws IOException {
        Path file = Files.createTempFile(base, "moat-fsync", ".bin");
        List<Double> rates = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer page = ByteBuffer.allocate(1024);
            long size = (long) FSYNC_FILE_KIB * page.capacity();
            if (!append) {
                while (ch.size() < size) {
                    page.clear();
                    ch.write(page, ch.size());
                }
                ch.force(true);
            }
            long position = 0;
            long second = System.nanoTime() + 1_000_000_000L;
            long count = 0;
            while (rates.size() < seconds) {
                page.clear();
                if (append) {
                    ch.write(page, ch.size());
                } else {
                    ch.write(page, position);
                    position = (position + page.capacity()) % size;
                }
                ch.force(false);
                count++;
                if (System.nanoTime() >= second) {
                    rates.add((double) count);
                    count = 0;
                    second += 1_000_000_000L;
                }
            }
        } finally {
            Files.deleteIfExists(file);
        }
        double median = median(rates);
        System.out.printf("fsync bound: one writer, 1 KiB %s + force: median %,.0f fsyncs/s %s%n",
                append ? "append" : "overwrite", median, rates);
        return median;
    }

    /** CPU time of the store's writer thread (not its fsync thread): the one serial part. */
    private static long writerCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (ThreadInfo t : threads.dumpAllThreads(false, false)) {
            String name = t.getThreadName();
            if (name.startsWith("moat-sqlite-writer") && !name.endsWith(" fsync")) {
                sum += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime() : 0;
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        s.sort(Comparator.naturalOrder());
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
