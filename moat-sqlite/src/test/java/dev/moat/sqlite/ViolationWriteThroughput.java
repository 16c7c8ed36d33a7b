package dev.moat.sqlite;

import dev.moat.core.ban.LogEntry;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Stream;

/**
 * Not a test: how many violations per second moat-sqlite records durably, each one a score
 * update and a log line committed (the WAL fsynced) before the caller goes on.
 *
 * <pre>
 * java -cp ... dev.moat.sqlite.ViolationWriteThroughput [threads=16] [seconds=10] [mode=separate|combined] [dir]
 * </pre>
 *
 * {@code separate}: {@code addScore} then {@code append} (two commit waits per violation, what
 * the SPI's default recordViolation does); {@code combined}: {@link SqliteStateStore#recordViolation}
 * (both in one write, what the engine uses). Prints one line per second and the median of the per-second rates, the
 * mean batch size, how busy the writer thread was, and the bytes written per violation.
 *
 * <p>The workload is deliberately unkind to caching: offenders are 10,000 IPs picked uniformly at
 * random, so the violations of one batch rarely share a score page or a log-index page (a real
 * attack concentrates on fewer subjects). Every caller waits for its own durable commit.
 */
public final class ViolationWriteThroughput {
    private ViolationWriteThroughput() {
    }

    public static void main(String[] args) throws Exception {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 16;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        String mode = args.length > 2 ? args[2] : "separate";
        boolean temp = args.length <= 3;
        Path dir = temp ? Files.createTempDirectory("moat-throughput") : Path.of(args[3]);
        LongAdder violations = new LongAdder();
        try (SqliteStateStore store = SqliteStateStore.open(dir)) {
            System.out.printf("moat-sqlite violation write throughput: %d threads, %d s, mode %s, file %s%n",
                    threads, seconds, mode, store.file());
            System.out.printf("%d cores, load average at start %.2f, CPU pressure %s (other processes share this machine)%n",
                    Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(), cpuPressure());
            volatileStop = false;
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Thread w = new Thread(() -> work(store, mode, violations), "violator-" + t);
                workers.add(w);
                w.start();
            }
            long[] io0 = procIo();
            long writerCpu0 = writerCpuNanos();
            long processCpu0 = processCpuNanos();
            long commits0 = store.commits();
            long writes0 = store.committedWrites();
            List<Double> rates = new ArrayList<>();
            long last = 0;
            long start = System.nanoTime();
            for (int s = 1; s <= seconds; s++) {
                Thread.sleep(Math.max(0, start + s * 1_000_000_000L - System.nanoTime()) / 1_000_000);
                long now = violations.sum();
                rates.add((double) (now - last));
                System.out.printf("  second %2d: %,8d violations/s%n", s, now - last);
                last = now;
            }
            double elapsed = (System.nanoTime() - start) / 1e9;
            volatileStop = true;
            for (Thread w : workers) {
                w.join();
            }
            long total = violations.sum();
            long commits = store.commits() - commits0;
            long writes = store.committedWrites() - writes0;
            rates.sort(Comparator.naturalOrder());
            double median = rates.get(rates.size() / 2);
            System.out.printf("total %,d violations in %.1f s = %,.0f violations/s (median second %,.0f/s)%n",
                    total, elapsed, total / elapsed, median);
            System.out.printf("%,d commits, %.1f writes per commit on average%n", commits, commits == 0 ? 0 : (double) writes / commits);
            long writerCpu = writerCpuNanos() - writerCpu0;
            long processCpu = processCpuNanos() - processCpu0;
            System.out.printf("CPU: writer thread busy %.0f%% of the time; the whole process used %.2f cores%n",
                    100.0 * writerCpu / (elapsed * 1e9), processCpu / (elapsed * 1e9));
            System.out.printf("CPU pressure at the end: %s%n", cpuPressure());
            long[] io1 = procIo();
            if (io0 != null && io1 != null && total > 0) {
                System.out.printf("bytes per violation: %,d written by write(2), %,d sent to the disk%n",
                        (io1[0] - io0[0]) / total, (io1[1] - io0[1]) / total);
            }
        } finally {
            if (temp) {
                try (Stream<Path> files = Files.walk(dir)) {
                    files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    private static volatile boolean volatileStop;

    private static long writerCpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith("moat-sqlite-writer")) {
                return mx.getThreadCpuTime(t.getId());
            }
        }
        return 0;
    }

    private static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
    }

    /** Linux PSI: the share of the last 10 s in which some runnable task waited for a CPU. */
    private static String cpuPressure() {
        try {
            String some = Files.readAllLines(Path.of("/proc/pressure/cpu")).get(0);
            int at = some.indexOf("avg10=");
            return "some avg10=" + some.substring(at + 6, some.indexOf(' ', at)) + "%";
        } catch (Exception e) {
            return "n/a";
        }
    }

    /** {wchar, write_bytes} of this process from /proc/self/io, or null off Linux. */
    private static long[] procIo() {
        try {
            long wchar = -1;
            long writeBytes = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/io"))) {
                if (line.startsWith("wchar:")) {
                    wchar = Long.parseLong(line.substring(6).trim());
                } else if (line.startsWith("write_bytes:")) {
                    writeBytes = Long.parseLong(line.substring(12).trim());
                }
            }
            return wchar < 0 || writeBytes < 0 ? null : new long[] {wchar, writeBytes};
        } catch (Exception e) {
            return null;
        }
    }

    private static void work(SqliteStateStore store, String mode, LongAdder violations) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        while (!volatileStop) {
            String subject = "ip:203.0." + random.nextInt(40) + "." + random.nextInt(250);
            long now = System.currentTimeMillis();
            Map<String, String> facts = Map.of("action", "message", "ip", subject.substring(3), "realm", "client");
            if (mode.equals("combined")) {
                store.recordViolation(subject, "message_limit", 1, now, 0, change -> new LogEntry(0, subject,
                        LogEntry.Kind.VIOLATION, "message_limit", 1, change.current(), now, false, "", "moat", facts));
            } else {
                double total = store.addScore(subject, "message_limit", 1, now, 0).current();
                store.append(new LogEntry(0, subject, LogEntry.Kind.VIOLATION, "message_limit", 1, total, now, false, "", "moat", facts));
            }
            violations.increment();
        }
    }
}
