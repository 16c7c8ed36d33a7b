package dev.moat.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;

import java.io.PrintStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What logback's async appender in front of a console appender did, with far fewer wake-ups and
 * without losing a line: a request thread only queues the line (a logback event, or a refusal's
 * {@link DecisionLine}, which skips logback altogether), and one daemon thread lays out what has
 * queued up and writes it as one {@code write} to stderr, then rests a millisecond before looking
 * again. A flood of refusals therefore costs a wake-up and a write per millisecond, not per line:
 * with one event loop and the writer sharing a core, the per-line hand-off was about half of the
 * server's CPU per refused {@code /v1/check} (docs/operations.md, HTTP throughput).
 *
 * <p>Nothing is dropped: when the queue is full, the request thread that finds it full writes the
 * queue and its own line itself (backpressure: that request waits for stderr, as a synchronous
 * console appender would make every request wait). Draining and writing happen under one lock,
 * so every line is written whole and in order, at most about a millisecond later than it was
 * made; {@link #stop()} writes whatever is still queued. Lines still queued when the process dies
 * (at most a millisecond's worth, unless stderr itself is stuck) are lost.
 */
final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private static final long REST_MILLIS = 1;
    private static final int INITIAL_BATCH_BYTES = 64 * 1024;

    private final ArrayBlockingQueue<Object> queue;
    private final Encoder<ILoggingEvent> encoder;
    /** Read at each write, like logback's console target: {@code System.setErr} still redirects the lines. */
    private final java.util.function.Supplier<PrintStream> out;
    /** Held while draining the queue and writing what was drained: lines leave in the order they came. */
    private final Object writing = new Object();
    private final List<Object> batch = new ArrayList<>();   // guarded by writing
    private final DecisionLine.Bytes bytes;                 // guarded by writing
    private final DecisionLine.Timestamps clock;            // guarded by writing
    private volatile boolean running;
    private Thread worker;

    BatchingStderrAppender(int queueSize, Encoder<ILoggingEvent> encoder, java.util.function.Supplier<PrintStream> out) {
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.encoder = encoder;
        this.out = out;
        Charset charset = encoder instanceof LayoutWrappingEncoder<ILoggingEvent> w && w.getCharset() != null
                ? w.getCharset() : Charset.defaultCharset();   // what LayoutWrappingEncoder uses when it has none
        JsonLayout layout = encoder instanceof LayoutWrappingEncoder<ILoggingEvent> w
                && w.getLayout() instanceof JsonLayout l ? l : new JsonLayout();
        this.bytes = new DecisionLine.Bytes(INITIAL_BATCH_BYTES, charset);
        this.clock = new DecisionLine.Timestamps(layout);
    }

    @Override
    public void start() {
        running = true;
        worker = new Thread(this::run, "moat-log-writer");
        worker.setDaemon(true);
        worker.start();
        super.start();
    }

    @Override
    protected void append(ILoggingEvent e) {
        e.prepareForDeferredProcessing();   // message, thread name and MDC, while they are still the caller's
        enqueue(e);
    }

    /**
     * The writer that {@link LogConfigurator} set up as the only appender of every logger, or null
     * (another logback configuration, or none started yet): only then may {@link DecisionLog} hand
     * it lines directly, since logback would send them nowhere else.
     */
    private static volatile BatchingStderrAppender direct;

    static BatchingStderrAppender direct() {
        return direct;
    }

    /** Makes this writer the one {@link #direct()} returns (LogConfigurator, once it is the root's only appender). */
    void makeDirect() {
        direct = this;
    }

    /** Queues a refusal's audit line, laid out later by the writer (see {@link DecisionLine}). */
    void append(DecisionLine line) {
        if (isStarted()) {
            enqueue(line);
            return;
        }
        synchronized (writing) {   // stopped (the process is ending): written now rather than lost
            batch.add(line);
            writeBatch();
        }
    }

    private void enqueue(Object line) {
        if (!queue.offer(line)) {
            synchronized (writing) {   // full: this thread writes the backlog and its own line
                queue.drainTo(batch);
                batch.add(line);
                writeBatch();
            }
        }
    }

    private void run() {
        while (running) {
            try {
                // polled under the lock: a line taken from the queue is written before any line a
                // request thread queued after it (the lock only waits here while the queue is
                // empty, when no request thread needs it)
                synchronized (writing) {
                    Object first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch);
                    writeBatch();
                }
                Thread.sleep(REST_MILLIS);
            } catch (InterruptedException e) {
                break;   // stop() writes what is left
            }
        }
    }

    /** Lays out and writes {@link #batch}, then empties it (the lock is held). */
    private void writeBatch() {
        try {
            for (Object line : batch) {
                try {
                    if (line instanceof DecisionLine d) {
                        d.writeTo(bytes, clock);
                    } else {
                        bytes.put(encoder.encode((ILoggingEvent) line));
                    }
                } catch (RuntimeException ex) {
                    addError("cannot lay out a log line", ex);
                }
            }
            PrintStream to = out.get();
            synchronized (to) {
                to.write(bytes.a, 0, bytes.n);
                to.flush();
            }
        } catch (RuntimeException ex) {
            addError("cannot write log lines to stderr", ex);
        } finally {
            batch.clear();
            bytes.reset();
        }
    }

    @Override
    public void stop() {
        if (!isStarted()) {
            return;
        }
        super.stop();
        running = false;
        if (direct == this) {
            direct = null;
        }
        Thread w = worker;
        if (w != null) {
            w.interrupt();
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (writing) {
            queue.drainTo(batch);
            if (!batch.isEmpty()) {
                writeBatch();
            }
        }
    }
}
