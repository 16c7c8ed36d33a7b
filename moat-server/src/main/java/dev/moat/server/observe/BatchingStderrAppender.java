package dev.moat.server.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * What logback's async appender in front of a console appender did, with far fewer wake-ups: a
 * request thread only queues the event (never blocks: a full queue drops the line, as
 * {@code neverBlock} did), and one daemon thread writes what has queued up as one {@code write}
 * to stderr, then rests a millisecond before looking again. A flood of refusals therefore costs a
 * wake-up and a write per millisecond, not per line: with one event loop and the writer sharing a
 * core, the per-line hand-off was about half of the server's CPU per refused {@code /v1/check}
 * (docs/operations.md, HTTP throughput). Every line is written whole and in order, at most about a
 * millisecond later than before; {@link #stop()} writes whatever is still queued. Lines still
 * queued when the process dies are lost, as they were with the async appender.
 */
final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
    private static final long REST_MILLIS = 1;

    private final ArrayBlockingQueue<ILoggingEvent> queue;
    private final Encoder<ILoggingEvent> encoder;
    /** Read at each write, like logback's console target: {@code System.setErr} still redirects the lines. */
    private final java.util.function.Supplier<PrintStream> out;
    private volatile boolean running;
    private Thread worker;

    BatchingStderrAppender(int queueSize, Encoder<ILoggingEvent> encoder, java.util.function.Supplier<PrintStream> out) {
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.encoder = encoder;
        this.out = out;
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
        queue.offer(e);
    }

    private void run() {
        List<ILoggingEvent> batch = new ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 * 1024);
        while (running) {
            try {
                ILoggingEvent first = queue.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                queue.drainTo(batch);
                write(batch, bytes);
                Thread.sleep(REST_MILLIS);
            } catch (InterruptedException e) {
                break;   // stop() writes what is left
            }
        }
    }

    private void write(List<ILoggingEvent> batch, ByteArrayOutputStream bytes) {
        try {
            for (ILoggingEvent e : batch) {
                try {
                    bytes.write(encoder.encode(e));
                } catch (RuntimeException ex) {
                    addError("cannot lay out a log event", ex);
                }
            }
            PrintStream to = out.get();
            synchronized (to) {
                bytes.writeTo(to);
                to.flush();
            }
        } catch (IOException | RuntimeException ex) {
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
        Thread w = worker;
        if (w != null) {
            w.interrupt();
            try {
                w.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<ILoggingEvent> rest = new ArrayList<>();
        queue.drainTo(rest);
        if (!rest.isEmpty()) {
            write(rest, new ByteArrayOutputStream(8 * 1024));
        }
    }
}
