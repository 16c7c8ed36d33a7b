package dev.moat.server.http;

import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.Callable;

/**
 * Where engine calls run. Anything that may write durable state (violations, bans, resets,
 * revocations, reloads) runs on a worker pool, so an fsync never blocks an event loop. A decision
 * ({@code check}, {@code acquire}) may write too (a refusal records a violation, which may start a
 * ban); it stays on the event loop only when every store is in memory, which is known once at
 * start ({@code decisionsOnLoop}).
 */
public final class Offload {
    private final WorkerExecutor workers;
    private final boolean decisionsOnLoop;

    public Offload(WorkerExecutor workers, boolean decisionsOnLoop) {
        this.workers = workers;
        this.decisionsOnLoop = decisionsOnLoop;
    }

    /** A decision: on the loop when every store is in memory, else on a worker. */
    public <T> Future<T> decide(Callable<T> call) {
        if (decisionsOnLoop) {
            try {
                return Future.succeededFuture(call.call());
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }
        return workers.executeBlocking(call, false);
    }

    /** A call that may touch disk: always on a worker. */
    public <T> Future<T> blocking(Callable<T> call) {
        return workers.executeBlocking(call, false);
    }

    public boolean decisionsOnLoop() {
        return decisionsOnLoop;
    }
}
