package dev.moat.sqlite;

import java.nio.channels.FileChannel;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit: one thread owns the writing connection and commits, in one transaction,
 * everything callers handed it while the previous transaction was being flushed to disk.
 *
 * <p>How it works: {@link #submit} enqueues a write and returns a future; the caller waits on it.
 * The thread takes what is pending and runs it, in order, inside an open {@code BEGIN IMMEDIATE}
 * transaction. When no flush is in flight it commits ({@code synchronous=NORMAL}: the WAL frames
 * are written, not yet flushed) and hands the batch to the {@link WalSyncer}, which fsyncs the WAL
 * and only then completes the batch's futures. While that flush runs, the writer keeps taking new
 * writes into the next transaction, and commits it as soon as the flush is done (or the
 * transaction holds {@value #MAX_BATCH} writes). So one fsync is in flight at a time, it covers
 * everything that arrived while the previous one ran, and the statements of the next batch run
 * during it instead of after it. Nothing is acknowledged before it is durable. Batches grow by
 * themselves with load.
 *
 * <p>Failures: if a write throws something that concerns only itself ({@link Sql#concernsOneWrite}),
 * the transaction is rolled back, that caller gets the error, and the transaction's other writes
 * are run again without it. A failure of the file or the disk (in a write, in {@code BEGIN} or in
 * {@code COMMIT}) fails every write of the transaction and is not retried: a failed
 * {@code COMMIT} must not be applied twice. A failed flush fails its batch and every later write
 * (see {@link WalSyncer}). Every failed caller gets an exception; none is dropped.
 */
final class GroupCommitWriter {
    /** The most writes one transaction takes. */
    static final int MAX_BATCH = 1024;

    /** Work done inside the writer's transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(WriteTx tx) throws SQLException;
    }

    /** Told about each flushed commit and each failure of the file or the disk. */
    interface Health {
        void committed();

        void failed(String what, Throwable cause);
    }

    private static final class Write<T> implements WalSyncer.Waiter {
        final String what;
        final Work<T> work;
        final CompletableFuture<T> done = new CompletableFuture<>();
        T result;

        Write(String what, Work<T> work) {
            this.what = what;
            this.work = work;
        }

        void run(WriteTx tx) throws SQLException {
            result = work.run(tx);
        }

        @Override
        public void acknowledge() {
            done.complete(result);
        }

        @Override
        public void fail(Throwable cause) {
            done.completeExceptionally(cause);
        }
    }

    private static final Write<Void> STOP = new Write<>("stop", t -> null);
    /** Put in the queue by the syncer after each flush: the writer may commit again. */
    private static final Write<Void> FLUSHED = new Write<>("flushed", t -> null);

    private final WriteTx tx;
    private final Health health;
    private final LinkedBlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
    private final WalSyncer syncer;
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedWrites = new AtomicLong();

    /** Writes run in the open transaction, not committed yet (writer thread only). */
    private List<Write<?>> open = new ArrayList<>();
    private boolean inTransaction;
    /** Batches handed to the syncer and not flushed yet (writer thread only). */
    private int flushing;

    /**
     * @param tx  the writing connection, with {@code synchronous=NORMAL}
     * @param wal the connection's write-ahead log, opened for the syncer to fsync
     */
    GroupCommitWriter(WriteTx tx, FileChannel wal, Health health, String threadName) {
        this.tx = tx;
        this.health = health;
        this.syncer = new WalSyncer(wal, health, ok -> queue.add(FLUSHED), threadName + " fsync");
        this.thread = new Thread(this::run, threadName);
        // a write in flight when the JVM exits was never acknowledged, so nothing promised is lost
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues {@code work}; the future completes after the transaction holding it is durable. */
    <T> CompletableFuture<T> submit(String what, Work<T> work) {
        Write<T> w = new Write<>(what, work);
        queue.add(w);
        return w.done;
    }

    /** Commits and flushes what is queued, then ends the threads. The caller must stop submitting first. */
    void stop() {
        queue.add(STOP);
        boolean interrupted = ThreadEnd.await(thread);
        syncer.stop();
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Writes queued and not yet taken by the writer (the syncer's markers not counted). */
    int pending() {
        return (int) queue.stream().filter(w -> w != FLUSHED).count();
    }

    long commits() {
        return commits.get();
    }

    long committedWrites() {
        return committedWrites.get();
    }

    private void run() {
        List<Write<?>> arrived = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                arrived.add(queue.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread on purpose; stop() ends it with STOP
            }
            queue.drainTo(arrived, MAX_BATCH);
            for (Write<?> w : arrived) {
                if (w == FLUSHED) {
                    flushing--;
                } else if (w == STOP) {
                    stop = true; // nothing is submitted after STOP
                } else {
                    try {
                        add(w);
                    } catch (Throwable e) {
                        // never leave a caller waiting, whatever went wrong
                        failOpen(e);
                        w.done.completeExceptionally(e);
                    }
                    if (open.size() >= MAX_BATCH) {
                        commit();
                    }
                }
            }
            arrived.clear();
            if (flushing == 0 || stop) {
                commit();
            }
        }
    }

    /** Runs {@code w} in the open transaction (beginning one if needed). */
    private void add(Write<?> w) {
        Throwable broken = syncer.broken();
        if (broken != null) {
            w.fail(broken);
            return;
        }
        if (!inTransaction) {
            Throwable failed = begin();
            if (failed != null) {
                failAll(List.of(w), failed);
                return;
            }
        }
        try {
            w.run(tx);
            open.add(w);
        } catch (Throwable e) {
            tx.rollbackQuietly();
            inTransaction = false;
            if (Sql.concernsOneWrite(e)) {
                w.fail(e);
                replay();
            } else {
                open.add(w);
                failAll(open, e);
                open = new ArrayList<>();
            }
        }
    }

    /** Begins a transaction; returns the failure, or null. */
    private Throwable begin() {
        try {
            tx.begin();
            inTransaction = true;
            return null;
        } catch (Throwable e) {
            tx.rollbackQuietly();
            return e;
        }
    }

    /** After a rollback: runs the open transaction's writes again in a new one, dropping any that fails alone. */
    private void replay() {
        List<Write<?>> writes = open;
        while (!writes.isEmpty()) {
            open = new ArrayList<>();
            Throwable failed = begin();
            if (failed != null) {
                failAll(writes, failed);
                return;
            }
            Throwable failure = null;
            int failedAt = -1;
            for (int i = 0; i < writes.size() && failure == null; i++) {
                try {
                    writes.get(i).run(tx);
                } catch (Throwable e) {
                    failure = e;
                    failedAt = i;
                }
            }
            if (failure == null) {
                open = writes;
                return;
            }
            tx.rollbackQuietly();
            inTransaction = false;
            if (!Sql.concernsOneWrite(failure)) {
                failAll(writes, failure);
                open = new ArrayList<>();
                return;
            }
            writes.remove(failedAt).fail(failure); // the others again, without it
        }
        open = new ArrayList<>();
    }

    /** Commits the open transaction and hands its writes to the syncer. */
    private void commit() {
        if (!inTransaction) {
            return;
        }
        inTransaction = false;
        List<Write<?>> batch = open;
        open = new ArrayList<>();
        try {
            tx.commit();
        } catch (Throwable e) {
            tx.rollbackQuietly();
            failAll(batch, e);
            return;
        }
        if (batch.isEmpty()) {
            return;
        }
        commits.incrementAndGet();
        committedWrites.addAndGet(batch.size());
        flushing++;
        syncer.hand(batch);
    }

    /** Fails the open transaction's writes after an unexpected error, rolling it back. */
    private void failOpen(Throwable e) {
        if (inTransaction) {
            tx.rollbackQuietly();
            inTransaction = false;
        }
        failAll(open, e);
        open = new ArrayList<>();
    }

    private void failAll(List<Write<?>> batch, Throwable e) {
        if (batch.isEmpty()) {
            return;
        }
        health.failed(batch.size() == 1 ? batch.get(0).what : batch.get(0).what + " and " + (batch.size() - 1)
                + " other writes committed with it", e);
        batch.forEach(w -> w.done.completeExceptionally(e));
    }
}
