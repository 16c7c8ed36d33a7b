package dev.moat.sqlite;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Group commit: one thread owns the writing connection and commits, in one transaction,
 * everything callers handed it while the previous transaction was committing.
 *
 * <p>How it works: {@link #submit} enqueues a write and returns a future; the caller waits on it.
 * The thread takes the first pending write, drains whatever else is pending (up to
 * {@value #MAX_BATCH}), runs them in order inside {@code BEGIN IMMEDIATE ... COMMIT}, and completes
 * the futures only after {@code COMMIT} returned, i.e. after SQLite fsynced the WAL. One fsync thus
 * covers the whole batch, and nothing is acknowledged before it is durable. Batches grow by
 * themselves with load: while one commits, the callers that arrive meanwhile form the next.
 *
 * <p>Failures: if a write throws something that concerns only itself ({@link Sql#concernsOneWrite}),
 * the transaction is rolled back, that caller gets the error, and the rest of the batch is run
 * again without it. A failure of the file or the disk (in a write, in {@code BEGIN} or in
 * {@code COMMIT}) fails the whole batch and is not retried: a failed {@code COMMIT} must not be
 * applied twice. Every failed caller gets an exception; none is dropped.
 */
final class GroupCommitWriter {
    /** The most writes one transaction takes. */
    static final int MAX_BATCH = 1024;

    /** Work done inside the writer's transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(WriteTx tx) throws SQLException;
    }

    /** Told about each commit and each failure of the file or the disk. */
    interface Health {
        void committed();

        void failed(String what, Throwable cause);
    }

    private static final class Write<T> {
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

        void complete() {
            done.complete(result);
        }
    }

    private static final Write<Void> STOP = new Write<>("stop", t -> null);

    private final WriteTx tx;
    private final Health health;
    private final LinkedBlockingQueue<Write<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final AtomicLong commits = new AtomicLong();
    private final AtomicLong committedWrites = new AtomicLong();

    GroupCommitWriter(WriteTx tx, Health health, String threadName) {
        this.tx = tx;
        this.health = health;
        this.thread = new Thread(this::run, threadName);
        // a write in flight when the JVM exits was never acknowledged, so nothing promised is lost
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues {@code work}; the future completes after the transaction holding it committed. */
    <T> CompletableFuture<T> submit(String what, Work<T> work) {
        Write<T> w = new Write<>(what, work);
        queue.add(w);
        return w.done;
    }

    /** Commits what is queued, then ends the thread. The caller must stop submitting first. */
    void stop() {
        queue.add(STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    int pending() {
        return queue.size();
    }

    long commits() {
        return commits.get();
    }

    long committedWrites() {
        return committedWrites.get();
    }

    private void run() {
        List<Write<?>> batch = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread on purpose; stop() ends it with STOP
            }
            queue.drainTo(batch, MAX_BATCH - 1);
            stop = batch.remove(STOP); // nothing is submitted after STOP
            try {
                commit(batch);
            } catch (Throwable e) {
                // never leave a caller waiting, whatever went wrong
                batch.forEach(w -> w.done.completeExceptionally(e));
            }
            batch.clear();
        }
    }

    private void commit(List<Write<?>> batch) {
        while (!batch.isEmpty()) {
            try {
                tx.begin();
            } catch (Throwable e) {
                tx.rollbackQuietly();
                failAll(batch, e);
                return;
            }
            Throwable failure = null;
            int failedAt = -1;
            for (int i = 0; i < batch.size() && failure == null; i++) {
                try {
                    batch.get(i).run(tx);
                } catch (Throwable e) {
                    failure = e;
                    failedAt = i;
                }
            }
            if (failure != null) {
                tx.rollbackQuietly();
                if (Sql.concernsOneWrite(failure)) {
                    batch.remove(failedAt).done.completeExceptionally(failure);
                    continue; // the others again, without it
                }
                failAll(batch, failure);
                return;
            }
            try {
                tx.commit();
            } catch (Throwable e) {
                tx.rollbackQuietly();
                failAll(batch, e);
                return;
            }
            commits.incrementAndGet();
            committedWrites.addAndGet(batch.size());
            health.committed();
            batch.forEach(Write::complete);
            return;
        }
    }

    private void failAll(List<Write<?>> batch, Throwable e) {
        health.failed(batch.size() == 1 ? batch.get(0).what : batch.get(0).what + " and " + (batch.size() - 1)
                + " other writes committed with it", e);
        batch.forEach(w -> w.done.completeExceptionally(e));
    }
}
