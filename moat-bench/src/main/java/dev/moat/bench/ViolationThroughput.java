package dev.moat.bench;

import dev.moat.core.Moat;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.sqlite.SqliteStateStore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Violations recorded durably per second on moat-sqlite (WAL, {@code synchronous=FULL}, group
 * commit), each caller waiting until its violation is on disk, against the physical limit: how
 * many fsyncs per second this disk does for one writer.
 *
 * <ul>
 *   <li>{@code engine}: {@code Moat.reportViolation} with a {@link SqliteStateStore}, as the server
 *       records a violation: the score update and the log line through
 *       {@code StateStore.recordViolation}, one durable write (one commit wait; two before the
 *       engine called it). Bans off, so that every violation costs the same.</li>
 *   <li>{@code store-combined}: {@link SqliteStateStore#recordViolation}, score and log line in one
 *       write (one commit wait), without the engine around it.</li>
 *   <li>{@code fsync}: one thread appending 1 KiB and calling {@code force} in a loop.</li>
 * </ul>
 *
 * Offenders are 10,000 addresses picked at random (unkind to SQLite's page cache).
 *
 * <pre>java -cp moat-bench/target/benchmarks.jar dev.moat.bench.ViolationThroughput [threads=16] [seconds=8] [dir]</pre>
 */
public final class ViolationThroughput {
    private ViolationThroughput() {
    }

    private static volatile boolean stop;

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        Path base = args.length > 2 ? Path.of(args[2]) : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(base);
        System.out.printf("durable violations: %d threads, %d s per mode, %d cores, load average at start %.2f%n",
                threads, seconds, Runtime.getRuntime().availableProcessors(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());

        double fsync = fsyncCeiling(base, Math.max(2, seconds / 2));

        Path dir = Files.createTempDirectory(base, "moat-violations-engine");
        double engine;
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            MoatPolicy policy = MoatPolicy.defaults()
                    .withBans(new BanPolicy(false, 20, 2L * 3600 * 1000, true, 64, 1, 30L * 24 * 3600 * 1000));
            Moat moat = Moat.builder().policy(policy).stateStore(store).build();
            engine = run("engine (Moat.reportViolation, 1 commit wait)", threads, seconds, random -> {
                String ip = "203.0." + random.nextInt(40) + "." + random.nextInt(250);
                moat.reportViolation("message_limit", null, ip, null, null);
            });
            System.out.printf("  store: %,d commits, %.1f writes per commit overall%n", store.commits(),
                    store.commits() == 0 ? 0 : (double) store.committedWrites() / store.commits());
        } finally {
            delete(dir);
        }

        dir = Files.createTempDirectory(base, "moat-violations-store");
        double combined;
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            combined = run("store-combined (SqliteStateStore.recordViolation, 1 commit wait)", threads, seconds,
                    random -> {
                        String subject = "ip:203.0." + random.nextInt(40) + "." + random.nextInt(250);
                        long now = System.currentTimeMillis();
                        Map<String, String> facts = Map.of("action", "message", "ip", subject.substring(3));
                        store.recordViolation(subject, "message_limit", 1, now, 0, change -> new LogEntry(0, subject,
                                LogEntry.Kind.VIOLATION, "message_limit", 1, change.current(), now, false, "", "moat",
                                facts));
                    });
        } finally {
            delete(dir);
        }

        System.out.println();
        System.out.printf("RESULT fsync_per_second %.0f%n", fsync);
        System.out.printf("RESULT engine_violations_per_second %.0f%n", engine);
        System.out.printf("RESULT store_combined_violations_per_second %.0f%n", combined);
        System.out.printf("RESULT threads %d%n", threads);
    }

    /** Runs {@code work} on {@code threads} threads; returns the median of the per-second rates. */
    private static double run(String what, int threads, int seconds, Consumer<ThreadLocalRandom> work)
            throws InterruptedException {
        System.out.println(what);
        LongAdder done = new LongAdder();
        stop = false;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                while (!stop) {
                    work.accept(random);
                    done.increment();
                }
            }, "violator-" + t);
            workers.add(w);
            w.start();
        }
        Thread.sleep(1000); // warm-up second, not counted
        List<Double> rates = new ArrayList<>();
        long last = done.sum();
        long start = System.nanoTime();
        for (int s = 1; s <= seconds; s++) {
            Thread.sleep(Math.max(0, start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000);
            long now = done.sum();
            rates.add((double) (now - last));
            System.out.printf("  second %2d: %,8d violations/s%n", s, now - last);
            last = now;
        }
        stop = true;
        for (Thread w : workers) {
            w.join();
        }
        double median = median(rates);
        System.out.printf("  median %,.0f violations/s%n", median);
        return median;
    }

    /** fsyncs per second (median second) of one thread appending 1 KiB and forcing it to disk. */
    private static double fsyncCeiling(Path base, int seconds) throws IOException {
        Path file = Files.createTempFile(base, "moat-fsync", ".bin");
        List<Double> rates = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer page = ByteBuffer.allocate(1024);
            long second = System.nanoTime() + 1_000_000_000L;
            long count = 0;
            while (rates.size() < seconds) {
                page.clear();
                ch.write(page);
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
        System.out.printf("fsync ceiling: one writer, 1 KiB append + force: median %,.0f fsyncs/s %s%n", median, rates);
        return median;
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
