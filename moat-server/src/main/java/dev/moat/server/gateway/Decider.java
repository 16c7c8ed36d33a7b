package dev.moat.server.gateway;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.util.concurrent.Callable;

/**
 * Runs engine calls: on the event loop when every store is in memory (a decision is then a few
 * microseconds and never blocks), else on Vert.x's worker pool (SQLite and Redis calls block).
 * Either way the result is handled on the caller's context, so a connection's state is only
 * touched by its own event loop.
 */
final class Decider {
    private final Vertx vertx;
    private final boolean inline;

    Decider(Vertx vertx, boolean inline) {
        this.vertx = vertx;
        this.inline = inline;
    }

    <T> Future<T> run(Callable<T> call) {
        if (inline) {
            try {
                return Future.succeededFuture(call.call());
            } catch (Exception e) {
                return Future.failedFuture(e);
            }
        }
        return vertx.executeBlocking(call, false);
    }

    boolean inline() {
        return inline;
    }
}
