package dev.moat.sqlite;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Makes committed transactions durable, then acknowledges them: on a thread of its own, it
 * fsyncs {@code moat.db-wal} and only after that completes the callers of every transaction that
 * had committed before the fsync began.
 *
 * <p>Why: with {@code synchronous=FULL} SQLite fsyncs inside {@code COMMIT}, so the writer thread
 * sat idle for the whole flush (a third of its time at 20k violations/s on the build machine) and
 * no statement of the next batch could run meanwhile. The writer now commits with
 * {@code synchronous=NORMAL} (the WAL frames are written, not flushed) and hands the batch here;
 * while this thread flushes, the writer runs the next batch's statements in a new transaction,
 * and commits it when this flush is done. One flush is in flight at a time, and it covers
 * everything committed before it began: classic group commit.
 *
 * <p>Durability is FULL's: a caller is acknowledged only after a flush of the WAL that started
 * after its {@code COMMIT} returned. fsync flushes the file, not the descriptor, so this channel
 * flushes what SQLite wrote through its own; SQLite deletes the WAL only when the last
 * connection closes, and the store keeps its connections open until this thread has stopped. A
 * WAL restarted after a checkpoint is safe too: with NORMAL SQLite syncs the WAL before each
 * checkpoint and the header when it starts reusing the file. What differs from FULL: a reader
 * may see a committed write up to one flush before its caller is acknowledged; a power loss in
 * that window loses it, as it was never acknowledged (a {@code kill -9} loses nothing committed).
 *
 * <p>A failed flush leaves unknown what reached the disk, and a later flush can succeed without
 * the pages the failed one dropped (Linux marks them clean), so after one failure nothing is
 * acknowledged any more: every later write fails with that cause until the store is reopened.
 */
final class WalSyncer {
    /** A committed write whose caller waits for its flush. */
    interface Waiter {
        void acknowledge();

        void fail(Throwable cause);
    }

    /** Told after each flush, once per batch handed over (the writer's cue to commit the next). */
    interface Done {
        void synced(boolean ok);
    }

    private static final List<Waiter> STOP = List.of();

    private final FileChannel wal;
    private final GroupCommitWriter.Health health;
    private final Done done;
    private final LinkedBlockingQueue<List<? extends Waiter>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile Throwable broken;

    WalSyncer(FileChannel wal, GroupCommitWriter.Health health, Done done, String threadName) {
        this.wal = wal;
        this.health = health;
        this.done = done;
        this.thread = new Thread(this::run, threadName);
        // a write not yet flushed when the JVM exits was never acknowledged
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Hands over a batch whose {@code COMMIT} returned; its callers are told after the next flush. */
    void hand(List<? extends Waiter> committed) {
        queue.add(committed);
    }

    /** The failure that stopped acknowledgements, or null. */
    Throwable broken() {
        return broken;
    }

    /** Flushes and acknowledges everything handed over so far, then ends the thread. */
    void stop() {
        queue.add(STOP);
        boolean interrupted = ThreadEnd.await(thread);
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        List<List<? extends Waiter>> batches = new ArrayList<>();
        boolean stop = false;
        while (!stop) {
            try {
                batches.add(queue.take());
            } catch (InterruptedException e) {
                continue; // nobody interrupts this thread on purpose; stop() ends it with STOP
            }
            queue.drainTo(batches);
            stop = batches.remove(STOP);
            if (batches.isEmpty()) {
                continue;
            }
            boolean ok;
            try {
                ok = flush();
            } catch (Throwable e) {
                // never leave a caller waiting, whatever went wrong (an Error included)
                broken = e;
                ok = false;
            }
            for (List<? extends Waiter> batch : batches) {
                for (Waiter w : batch) {
                    if (ok) {
                        w.acknowledge();
                    } else {
                        w.fail(broken);
                    }
                }
                done.synced(ok);
            }
            batches.clear();
        }
    }

    private boolean flush() {
        if (broken != null) {
            return false;
        }
        try {
            wal.force(false);
            health.committed();
            return true;
        } catch (IOException | RuntimeException e) {
            broken = new IOException("fsync of the write-ahead log failed; nothing is acknowledged after it"
                    + " until the store is reopened: " + e, e);
            health.failed("fsync of the write-ahead log", broken);
            return false;
        }
    }
}
