package dev.moat.server.gateway;

import dev.moat.server.http.Offload;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * Runs engine calls where {@link Gateway.Decisions} says: on the event loop when every store is
 * in memory (a decision is then a few microseconds and never blocks), on Vert.x's worker pool when
 * the stores block and are not guarded, or, with guarded stores (the server's), decisions on the
 * event loop first and on a worker only when one reaches durable state (as the HTTP API's
 * {@link Offload#decide}). Either way the result is handled on the caller's context, so a
 * connection's state is only touched by its own event loop.
 */
final class Decider {
    private final Vertx vertx;
    private final Gateway.Decisions where;

    Decider(Vertx vertx, Gateway.Decisions where) {
        this.vertx = vertx;
        this.where = where;
    }

    /**
     * A decision ({@code check}, a revocation lookup): with guarded stores it is tried on the loop,
     * made again there when Redis's counters answer, and retried from the start on a worker when the
     * guard throws {@link Offload.OnWorker}, which happens before the call changed anything (see
     * {@link Offload#loopFirst}).
     */
    <T> Future<T> decide(Callable<T> call) {
        if (where == Gateway.Decisions.LOOP_FIRST) {
            return Offload.loopFirst(call, c -> vertx.executeBlocking(c, false));
        }
        return run(call);
    }

    /** A call that writes durable state (a reported violation): on a worker unless every store is in memory. */
    <T> Future<T> run(Callable<T> call) {
        if (where == Gateway.Decisions.EVENT_LOOP) {
            try {
                return Future.succeededFuture(call.call());
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }
        return vertx.executeBlocking(call, false);
    }
}
