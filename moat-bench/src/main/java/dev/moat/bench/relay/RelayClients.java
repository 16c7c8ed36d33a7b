package dev.moat.bench.relay;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * {@code connections} WebSocket clients of one path (direct to the upstream, or through the
 * gateway), each on its own event-loop context, sending chat frames that carry their send time
 * ({@code "t"}, System.nanoTime) and reading them back from the echo.
 *
 * <ul>
 *   <li>{@link #throughput}: closed loop, each connection keeps {@code window} frames in flight;
 *       the answer is frames echoed per second.
 *   <li>{@link #latency}: open loop at a fixed total rate, paced by a thread of its own that never
 *       waits for an echo, each frame stamped with the instant it was written; the answer is every
 *       round-trip time in nanoseconds, and how late the pacer was.
 * </ul>
 */
final class RelayClients implements AutoCloseable {
    private static final String PREFIX = "{\"type\":\"say\",\"room\":\"lobby\",\"text\":\"hello everyone, a message from the relay benchmark\",\"t\":";

    private final Vertx vertx;
    private final WebSocketClient client;
    private final List<Conn> conns = new ArrayList<>();

    /** One connection; every field is touched only on its context. */
    private static final class Conn {
        final WebSocket ws;
        final Context context;
        long sent;
        long received;
        long errors;
        boolean sending;
        long[] rtts = new long[0];
        int rttCount;

        Conn(WebSocket ws, Context context) {
            this.ws = ws;
            this.context = context;
        }

        void send(long stampNanos) {
            ws.writeTextMessage(PREFIX + stampNanos + "}");
            sent++;
        }
    }

    private RelayClients(Vertx vertx, WebSocketClient client) {
        this.vertx = vertx;
        this.client = client;
    }

    /** Opens {@code connections} sockets to {@code port}{@code uri}; {@code headers.apply(i)} gives the i-th one's headers. */
    static RelayClients open(Vertx vertx, int port, String uri, int connections,
                             IntFunction<java.util.Map<String, String>> headers) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setTcpNoDelay(true)
                .setMaxConnections(100_000).setClosingTimeout(2));
        RelayClients rc = new RelayClients(vertx, client);
        for (int i = 0; i < connections; i++) {
            WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
            headers.apply(i).forEach(o::addHeader);
            Context context = vertx.getOrCreateContext();
            WebSocket ws = Future.<WebSocket>future(p -> context.runOnContext(v -> client.connect(o).onComplete(p)))
                    .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            Conn c = new Conn(ws, context);
            ws.textMessageHandler(text -> rc.onEcho(c, text));
            rc.conns.add(c);
        }
        return rc;
    }

    private volatile PhaseMode mode = PhaseMode.IDLE;

    private enum PhaseMode { IDLE, THROUGHPUT, LATENCY }

    private void onEcho(Conn c, String text) {
        int at = text.lastIndexOf("\"t\":");
        if (at < 0) {
            c.errors++; // an error frame from the gateway (it would refuse, not relay)
            return;
        }
        int end = at + 4;
        while (end < text.length() && Character.isDigit(text.charAt(end))) {
            end++;
        }
        long stamp = Long.parseLong(text, at + 4, end, 10);
        c.received++;
        if (mode == PhaseMode.THROUGHPUT) {
            if (c.sending) {
                c.send(System.nanoTime());
            }
        } else if (mode == PhaseMode.LATENCY) {
            if (c.rttCount == c.rtts.length) {
                c.rtts = Arrays.copyOf(c.rtts, Math.max(1024, c.rtts.length * 2));
            }
            c.rtts[c.rttCount++] = System.nanoTime() - stamp;
        }
    }

    /** Runs on every connection's context and waits. */
    private void onEach(java.util.function.Consumer<Conn> action) throws Exception {
        List<Future<Void>> fs = new ArrayList<>();
        for (Conn c : conns) {
            fs.add(Future.future(p -> c.context.runOnContext(v -> {
                action.accept(c);
                p.complete();
            })));
        }
        Future.all(fs).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private long sum(java.util.function.ToLongFunction<Conn> f) throws Exception {
        long[] total = {0};
        onEach(c -> {
            synchronized (total) {
                total[0] += f.applyAsLong(c);
            }
        });
        return total[0];
    }

    /** Waits until every frame sent has come back (or 10 s); returns how many did not. */
    private long drain() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long missing;
        do {
            missing = sum(c -> c.sent - c.received - c.errors);
            if (missing == 0) {
                return 0;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        return missing;
    }

    /**
     * What a throughput phase measured: echoed frames per second, this process's CPU per frame,
     * and another process's (the pinned gateway's or nginx's; NaN when none) over the same window
     * with the share of its core it used; and the bytes this process allocated per frame, a figure
     * other sessions' load on the machine does not change at all.
     */
    record Throughput(double perSecond, double cpuMicrosPerMessage, double otherCpuMicrosPerMessage,
                      double otherCoreShare, double allocBytesPerMessage) {
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();

    /** Bytes allocated so far by this process's live threads (the event loops live through a run). */
    private static long allocatedBytes() {
        long[] ids = THREADS.getAllThreadIds();
        long total = 0;
        for (long b : THREADS.getThreadAllocatedBytes(ids)) {
            total += Math.max(0, b);
        }
        return total;
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    /**
     * Frames echoed per second with {@code window} in flight per connection, over {@code millis};
     * and this process's CPU time per echoed frame (client, gateway and upstream together), which
     * other sessions' load on the machine changes much less than the rate.
     */
    Throughput throughput(int window, long millis) throws Exception {
        return throughput(window, millis, null);
    }

    /** As {@link #throughput(int, long)}, also sampling {@code otherCpuNanos} (another process's CPU time) at the same instants. */
    Throughput throughput(int window, long millis, java.util.function.LongSupplier otherCpuNanos) throws Exception {
        mode = PhaseMode.THROUGHPUT;
        onEach(c -> {
            c.sending = true;
            for (int i = 0; i < window; i++) {
                c.send(System.nanoTime());
            }
        });
        Thread.sleep(Math.min(1000, millis / 4)); // ramp-up, not counted
        long before = sum(c -> c.received);
        long cpuBefore = OS.getProcessCpuTime();
        long otherBefore = otherCpuNanos == null ? 0 : otherCpuNanos.getAsLong();
        long allocBefore = allocatedBytes();
        long start = System.nanoTime();
        Thread.sleep(millis);
        long after = sum(c -> c.received);
        long cpuAfter = OS.getProcessCpuTime();
        long otherAfter = otherCpuNanos == null ? 0 : otherCpuNanos.getAsLong();
        long allocAfter = allocatedBytes();
        double seconds = (System.nanoTime() - start) / 1e9;
        onEach(c -> c.sending = false);
        long lost = drain();
        mode = PhaseMode.IDLE;
        if (lost > 0) {
            throw new IllegalStateException(lost + " frames were not echoed after the throughput phase");
        }
        long echoed = Math.max(1, after - before);
        double alloc = (allocAfter - allocBefore) / (double) echoed;
        if (otherCpuNanos == null) {
            return new Throughput(echoed / seconds, (cpuAfter - cpuBefore) / 1000.0 / echoed, Double.NaN, Double.NaN, alloc);
        }
        return new Throughput(echoed / seconds, (cpuAfter - cpuBefore) / 1000.0 / echoed,
                (otherAfter - otherBefore) / 1000.0 / echoed, (otherAfter - otherBefore) / (seconds * 1e9), alloc);
    }

    /** What a latency phase measured: sorted round-trip times and the pacer's lateness (ns). */
    record Latency(long[] rtts, long[] pacerLag) {
    }

    /**
     * Round-trip times (ns) of frames sent at {@code perSecond} in total for {@code millis}.
     *
     * <p>How it works and why. One pacer thread of its own (not an event loop) sends frame k at
     * {@code start + k / perSecond}, round robin over the connections, never waiting for an echo:
     * an open loop, so a stalled gateway or upstream cannot hold the sender back (no coordinated
     * omission). Each frame carries the instant the pacer handed it to its socket, and its echo
     * the instant it was read: the round trip is everything between, the hop from the pacer to
     * the client's event loop included (the same on both paths). The pacer parks until a frame is
     * due; how late it woke ({@code pacerLag}) is reported apart, because it is the harness, not the
     * path. An earlier harness paced on each connection's 1 ms Vert.x timer (NIO rounds its wait
     * up to whole milliseconds) and stamped the due instant, so most of its 2 ms median was the
     * timer: frames waited up to two ticks before they were written.
     */
    Latency latency(int perSecond, long millis) throws Exception {
        System.gc(); // the throughput phases' garbage is not this phase's pause
        mode = PhaseMode.LATENCY;
        int n = conns.size();
        long total = perSecond * millis / 1000;
        int expected = (int) (total / n + 2);
        onEach(c -> {
            c.rtts = new long[expected];
            c.rttCount = 0;
        });
        long[] lag = new long[(int) total];
        double intervalNanos = 1e9 / perSecond;
        Thread pacer = new Thread(() -> {
            long start = System.nanoTime() + 1_000_000;
            for (int k = 0; k < total; k++) {
                long due = start + (long) (k * intervalNanos);
                long now;
                while ((now = System.nanoTime()) < due) {
                    java.util.concurrent.locks.LockSupport.parkNanos(due - now);
                }
                lag[k] = now - due;
                Conn c = conns.get(k % n);
                c.ws.writeTextMessage(PREFIX + System.nanoTime() + "}");
            }
        }, "relay-pacer");
        pacer.setDaemon(true);
        pacer.start();
        pacer.join(millis + 30_000);
        long lost = drainLatency(total);
        onEach(c -> c.sent = c.received + c.errors); // the pacer wrote without counting (not its thread's field)
        mode = PhaseMode.IDLE;
        if (lost > 0) {
            throw new IllegalStateException(lost + " frames were not echoed after the latency phase");
        }
        List<long[]> parts = java.util.Collections.synchronizedList(new ArrayList<>());
        onEach(c -> parts.add(Arrays.copyOf(c.rtts, c.rttCount)));
        long[] all = parts.stream().flatMapToLong(Arrays::stream).toArray();
        Arrays.sort(all);
        Arrays.sort(lag);
        return new Latency(all, lag);
    }

    /** Waits until {@code total} round trips were recorded (or 10 s); returns how many were not. */
    private long drainLatency(long total) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        long missing;
        do {
            missing = total - sum(c -> c.rttCount + c.errors);
            if (missing <= 0) {
                return 0;
            }
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        return missing;
    }

    /** Frames that came back as something other than the echo (gateway error frames). */
    long errors() throws Exception {
        return sum(c -> c.errors);
    }

    /** Closes each in turn, skipping nulls (the nginx side when nginx is not installed). */
    static void closeAll(AutoCloseable... parts) throws Exception {
        for (AutoCloseable p : parts) {
            if (p != null) {
                p.close();
            }
        }
    }

    @Override
    public void close() throws Exception {
        for (Conn c : conns) {
            c.ws.close();
        }
        client.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
