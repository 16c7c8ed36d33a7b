package dev.moat.server.reliability;

import dev.moat.server.JarHttp;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The soak run (not part of {@code mvn verify}): starts the shaded jar in durable mode, drives
 * mixed load for N minutes, and reports what an operator would ask about a long run.
 *
 * <ul>
 *   <li>Load, from {@code --threads} threads: checks that stay within limits and checks that run
 *       users and addresses past them (violations, then bans), DMs through the link-spam and
 *       content checks, reported violations, manual bans and unbans, concurrency leases taken and
 *       released.
 *   <li>Decision latency: every {@code POST /v1/check} timed at the client (what the chat server
 *       waits), p50/p99/p99.9/max.
 *   <li>Errors: any 5xx or I/O failure (a 4xx the load did not ask for counts too).
 *   <li>Heap: {@code jvm_memory_used_bytes{area="heap"}} from {@code /metrics} every 5 s, and the
 *       process's RSS from /proc. GC pauses: from the JVM's own log ({@code -Xlog:gc}).
 *   <li>Slow clients: 20 idle connections and 20 trickling a header byte every 5 s, opened at the
 *       start, must have been cut by the idle timeout (120 s) by the end.
 *   <li>Nothing lost: at the end the node is killed with SIGKILL and started again; every ban it
 *       acknowledged and did not lift must be in force.
 * </ul>
 *
 * Run: {@code bench/soak.sh --minutes 10} (builds the jar and test classes, then runs this main).
 */
public final class Soak {
    private static final Pattern GC_PAUSE = Pattern.compile("Pause .*?(\\d+\\.\\d+)ms");
    private static final Pattern HEAP = Pattern.compile("^jvm_memory_used_bytes\\{area=\"heap\".*\\}\\s+([0-9.eE+]+)$");

    private final double minutes;
    private final int threads;
    private final Path out;
    private final MoatProcess moat = new MoatProcess();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<long[]> latencies = new CopyOnWriteArrayList<>();
    private final Map<String, LongAdder> ops = new ConcurrentHashMap<>();
    private final LongAdder serverErrors = new LongAdder();
    private final LongAdder ioErrors = new LongAdder();
    private final LongAdder unexpected4xx = new LongAdder();
    private final Set<String> bansAcked = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> liftable = new ConcurrentLinkedQueue<>();
    private final AtomicLong maxHeap = new AtomicLong();
    private final AtomicLong maxRss = new AtomicLong();
    private final List<Long> heapSamples = new CopyOnWriteArrayList<>();
    private final List<String> firstErrors = new CopyOnWriteArrayList<>();

    Soak(double minutes, int threads, Path out) {
        this.minutes = minutes;
        this.threads = threads;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        double minutes = 10;
        int threads = 8;
        Path out = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--minutes" -> minutes = Double.parseDouble(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--out" -> out = Path.of(args[++i]);
                default -> throw new IllegalArgumentException("usage: Soak [--minutes N] [--threads T] [--out FILE]");
            }
        }
        int rc = new Soak(minutes, threads, out).run();
        System.exit(rc);
    }

    static final String LIMITS = """
            rate_limits:
              preset: none
              client:
                target:
                  login: {max: 5, per: 10m, by: ip}
                  message:
                    - {max: 20, per: 1m, by: user}
                    - {max: 60, per: 1m, by: ip, algorithm: sliding_window}
                concurrent:
                  message: {max: 2, lease: 30s}
            violations: {anonymous: ip, half_life: 1h}
            bans: {interval: 10, duration: 10m, escalation: {factor: 2, max: 1d}}
            link_spam: {max_recipients: 5, window: 1h, ban: 30m}
            filters:
              - {name: slurs, patterns: ['(?i)\\bbadword\\b'], action: censor}
            """;

    int run() throws Exception {
        moat.writeConfig(moat.yaml(LIMITS));
        Path gcLog = moat.dir.resolve("gc.log");
        long started = moat.start(Map.of(), "-Xlog:gc:file=" + gcLog + ":uptime").toMillis();
        System.out.printf("soak: moat pid %d on port %d answered /healthz after %d ms; %s minutes, %d threads%n",
                moat.pid(), moat.port, started, minutes, threads);
        List<RawHttp> idle = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            idle.add(new RawHttp(moat.port));
        }
        List<RawHttp> trickling = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            RawHttp c = new RawHttp(moat.port);
            c.send("POST /v1/check HTTP/1.1\r\nHost: x\r\n");
            trickling.add(c);
        }
        Thread trickler = new Thread(() -> {
            while (running.get()) {
                trickling.forEach(c -> c.trySend("X"));
                MoatProcess.sleep(5_000);
            }
        }, "soak-trickler");
        trickler.setDaemon(true);
        trickler.start();
        long t0 = System.currentTimeMillis();
        long end = t0 + (long) (minutes * 60_000);
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> load(id), "soak-" + t);
            workers.add(w);
            w.start();
        }
        Thread sampler = new Thread(this::sample, "soak-sampler");
        sampler.setDaemon(true);
        sampler.start();
        while (System.currentTimeMillis() < end) {
            Thread.sleep(Math.min(30_000, Math.max(1, end - System.currentTimeMillis())));
            long done = ops.values().stream().mapToLong(LongAdder::sum).sum();
            System.out.printf("soak: %5.1f min, %d requests, %d 5xx, %d I/O errors, heap max %d MB%n",
                    (System.currentTimeMillis() - t0) / 60_000.0, done, serverErrors.sum(), ioErrors.sum(),
                    maxHeap.get() >> 20);
        }
        running.set(false);
        for (Thread w : workers) {
            w.join(60_000);
        }
        long elapsed = System.currentTimeMillis() - t0;
        int idleClosed = 0;
        for (RawHttp c : idle) {
            if (c.closedWithin(100)) {
                idleClosed++;
            }
            c.close();
        }
        int trickleClosed = 0;
        for (RawHttp c : trickling) {
            if (!c.trySend("X") || c.closedWithin(100)) {
                trickleClosed++;
            }
            c.close();
        }
        sample1();

        // nothing lost: SIGKILL, start again, every acknowledged ban not lifted is in force
        Set<String> expected = new HashSet<>(bansAcked);
        moat.kill9();
        long restart = moat.start(Map.of(), "-Xlog:gc:file=" + moat.dir.resolve("gc-after.log") + ":uptime").toMillis();
        Set<String> stored = new HashSet<>();
        String cursor = null;
        do {
            JarHttp.Answer r = moat.admin("GET", "/v1/bans?limit=500" + (cursor == null ? ""
                    : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), null);
            r.json().path("bans").forEach(b -> stored.add(b.path("subject").asText()));
            JsonNode next = r.json().path("next");
            cursor = next.isMissingNode() || next.isNull() ? null : next.asText();
        } while (cursor != null);
        Set<String> missing = new HashSet<>(expected);
        missing.removeAll(stored);
        moat.stop();

        double[] pauses = gcPauses(gcLog);
        long[] all = merged();
        long requests = ops.values().stream().mapToLong(LongAdder::sum).sum();
        StringBuilder report = new StringBuilder();
        report.append(String.format("soak report: %.1f minutes, %d load threads, machine load %s%n", elapsed / 60_000.0,
                threads, Files.readString(Path.of("/proc/loadavg")).trim()));
        report.append(String.format("  requests: %d (%.0f/s); by kind: %s%n", requests, requests * 1000.0 / elapsed,
                new java.util.TreeMap<>(ops.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                        Map.Entry::getKey, e -> e.getValue().sum())))));
        report.append(String.format("  POST /v1/check latency at the client (%d samples): p50 %.2f ms, p90 %.2f ms,"
                        + " p99 %.2f ms, p99.9 %.2f ms, max %.2f ms%n", all.length, pct(all, 50), pct(all, 90),
                pct(all, 99), pct(all, 99.9), all.length == 0 ? 0 : all[all.length - 1] / 1e6));
        report.append(String.format("  errors: %d 5xx, %d I/O, %d unexpected 4xx%s%n", serverErrors.sum(), ioErrors.sum(),
                unexpected4xx.sum(), firstErrors.isEmpty() ? "" : " (first: " + firstErrors + ")"));
        report.append(String.format("  heap used (from /metrics every 5 s): max %d MB, last %d MB; RSS max %d MB%n",
                maxHeap.get() >> 20, heapSamples.isEmpty() ? 0 : heapSamples.get(heapSamples.size() - 1) >> 20,
                maxRss.get() >> 10));
        report.append(String.format("  GC pauses (-Xlog:gc): %d, total %.0f ms, p99 %.2f ms, max %.2f ms%n", pauses.length,
                Arrays.stream(pauses).sum(), pctD(pauses, 99), pauses.length == 0 ? 0 : pauses[pauses.length - 1]));
        report.append(String.format("  connections cut by the idle timeout: %d of %d idle, %d of %d trickling a header byte"
                + " every 5 s (slowloris)%n", idleClosed, idle.size(), trickleClosed, trickling.size()));
        report.append(String.format("  kill -9 at the end, restarted in %d ms: %d acknowledged bans in force expected,"
                + " %d missing%n", restart, expected.size(), missing.size()));
        System.out.print(report);
        if (out != null) {
            Files.writeString(out, report);
            System.out.println("soak: report written to " + out.toAbsolutePath());
        }
        boolean ok = serverErrors.sum() == 0 && missing.isEmpty();
        return ok ? 0 : 1;
    }

    private void load(int id) {
        SplittableRandom random = new SplittableRandom(id * 7919L);
        long[] lat = new long[1 << 16];
        int n = 0;
        int round = 0;
        while (running.get()) {
            round++;
            int r = random.nextInt(100);
            try {
                if (r < 70) {
                    // a population where a few users and addresses go over their limits
                    boolean abusive = random.nextInt(10) == 0;
                    String user = abusive ? "abuser-" + id + "-" + (round / 40) : "user-" + id + "-" + random.nextInt(5_000);
                    String ip = abusive ? "10." + id + "." + (round / 40 % 250) + ".1"
                            : "172.16." + random.nextInt(250) + "." + random.nextInt(1, 250);
                    String action = random.nextInt(4) == 0 ? "login" : "message";
                    String body = "{\"action\":\"" + action + "\",\"user\":\"" + user + "\",\"ip\":\"" + ip + "\"}";
                    long s = System.nanoTime();
                    JarHttp.Answer res = moat.client("POST", "/v1/check", body);
                    long took = System.nanoTime() - s;
                    if (n == lat.length) {
                        latencies.add(lat);
                        lat = new long[1 << 16];
                        n = 0;
                    }
                    lat[n++] = took;
                    count("check", res, 200);
                } else if (r < 78) {
                    String sender = "dm-" + id + "-" + (round / 50);
                    String body = "{\"action\":\"message\",\"user\":\"" + sender + "\",\"ip\":\"192.0.2." + (id + 1)
                            + "\",\"message\":{\"text\":\"see https://spam.example/" + (round / 50)
                            + " and a badword\",\"to\":\"rcpt-" + random.nextInt(20) + "\",\"kind\":\"dm\"}}";
                    count("check_dm", moat.client("POST", "/v1/check", body), 200);
                } else if (r < 86) {
                    String body = "{\"type\":\"spam\",\"user\":\"reported-" + id + "-" + random.nextInt(500) + "\"}";
                    count("violation", moat.client("POST", "/v1/violations", body), 200);
                } else if (r < 91) {
                    String subject = "user:manual-" + id + "-" + round;
                    JarHttp.Answer res = moat.admin("POST", "/v1/bans",
                            "{\"subject\":\"" + subject + "\",\"duration\":\"1d\",\"reason\":\"soak\"}");
                    if (count("ban", res, 201)) {
                        bansAcked.add(subject);
                        liftable.add(subject);
                    }
                } else if (r < 95) {
                    String subject = liftable.poll();
                    if (subject != null) {
                        JarHttp.Answer res = moat.admin("DELETE", "/v1/bans/" + URLEncoder.encode(subject,
                                StandardCharsets.UTF_8), null);
                        if (count("unban", res, 204)) {
                            bansAcked.remove(subject);
                        }
                    }
                } else {
                    String body = "{\"action\":\"message\",\"user\":\"lease-" + id + "-" + random.nextInt(50) + "\"}";
                    JarHttp.Answer res = moat.client("POST", "/v1/concurrency/acquire", body);
                    count("acquire", res, 200);
                    String lease = res.json().path("lease").asText(null);
                    if (lease != null) {
                        count("release", moat.client("POST", "/v1/concurrency/release",
                                "{\"lease\":\"" + lease + "\"}"), 204);
                    }
                }
            } catch (UncheckedIOException | IllegalStateException e) {
                ioErrors.increment();
                if (firstErrors.size() < 5) {
                    firstErrors.add(e.toString());
                }
            }
        }
        latencies.add(Arrays.copyOf(lat, n));
    }

    private boolean count(String op, JarHttp.Answer res, int expected) {
        ops.computeIfAbsent(op, k -> new LongAdder()).increment();
        if (res.status() >= 500) {
            serverErrors.increment();
            if (firstErrors.size() < 5) {
                firstErrors.add(op + " " + res.status() + " " + res.body());
            }
            return false;
        }
        if (res.status() != expected) {
            unexpected4xx.increment();
            if (firstErrors.size() < 5) {
                firstErrors.add(op + " " + res.status() + " " + res.body());
            }
            return false;
        }
        return true;
    }

    private void sample() {
        while (running.get()) {
            sample1();
            MoatProcess.sleep(5_000);
        }
    }

    private void sample1() {
        try {
            long heap = 0;
            for (String line : moat.get("/metrics").body().split("\n")) {
                Matcher m = HEAP.matcher(line);
                if (m.matches()) {
                    heap += (long) Double.parseDouble(m.group(1));
                }
            }
            heapSamples.add(heap);
            maxHeap.accumulateAndGet(heap, Math::max);
            for (String line : Files.readAllLines(Path.of("/proc/" + moat.pid() + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    maxRss.accumulateAndGet(Long.parseLong(line.replaceAll("\\D", "")), Math::max);
                }
            }
        } catch (IOException | RuntimeException e) {
            // a sample lost to a busy node is not an error of the node
        }
    }

    private long[] merged() {
        long[] all = latencies.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        return all;
    }

    static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e6;
    }

    static double pctD(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1);
        return sorted[Math.max(0, i)];
    }

    static double[] gcPauses(Path log) throws IOException {
        if (!Files.exists(log)) {
            return new double[0];
        }
        List<Double> out = new ArrayList<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = GC_PAUSE.matcher(line);
            if (m.find()) {
                out.add(Double.parseDouble(m.group(1)));
            }
        }
        double[] a = out.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        return a;
    }
}
