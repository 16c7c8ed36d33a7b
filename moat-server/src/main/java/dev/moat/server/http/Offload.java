package dev.moat.server.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * Where engine calls run, so that a disk sync never blocks an event loop.
 *
 * <ul>
 *   <li>{@link #blocking}: calls that write durable state (reported violations, bans, resets,
 *       revocations, reloads) run on the worker pool.
 *   <li>{@link #decide}: a decision ({@code check}, {@code acquire}) is tried on the event loop
 *       first. Most decisions only touch memory (the ban book, the counters). The durable store
 *       is wrapped in a {@link LoopGuard}, which throws {@link OnWorker} as soon as a call from an
 *       event loop reaches it, before that call does anything. That happens when a refusal is
 *       about to record its violation. The decision is then retried on a worker from the start.
 *       The first attempt left nothing behind: the engine touches durable state before any other
 *       side effect of a refusal, and a refused limit spends nothing.
 *   <li>Redis's counters are wrapped in a {@link LoopGuardLimits}: a decision that reaches them on
 *       the loop sends its calls without waiting ({@link LoopGuardLimits.CountersPending}) and is
 *       made again on the same loop with their answer ({@link #loopFirst}), so a check on Redis
 *       costs no hand-off to a worker and back; only a refusal that records its violation (or
 *       what Redis cannot answer in one script) continues on a worker.
 *   <li>When every store is in memory ({@code decisionsOnLoop}), decisions stay on the loop.
 * </ul>
 *
 * Handlers send calls that may wait on the network straight to a worker: a message may go to the
 * moderation service.
 */
public final class Offload {
    private final WorkerExecutor workers;

    /** Thrown by {@link LoopGuard} when durable state is reached from an event loop: retry on a worker. */
    public static final class OnWorker extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final OnWorker INSTANCE = new OnWorker();

        private OnWorker() {
            super("durable state reached from an event loop; retried on a worker", null, false, false);
        }
    }

    public Offload(WorkerExecutor workers) {
        this.workers = workers;
    }

    /** True on an event-loop thread, where nothing may wait. */
    static boolean onLoop() {
        return Context.isOnEventLoopThread();
    }

    /** The guard's check: throws {@link OnWorker} on an event-loop thread. */
    public static void offLoop() {
        if (onLoop()) {
            throw OnWorker.INSTANCE;
        }
    }

    /** A decision: on the loop while it stays in memory, else (from the start) on a worker. */
    public <T> Future<T> decide(Callable<T> call) {
        return loopFirst(call, c -> workers.executeBlocking(c, false));
    }

    /**
     * A decision tried on the event loop: its value; or, when it reached Redis's counters, made
     * again on this loop once they answered; or made from the start by {@code onWorker} when it
     * reached durable state (or the counters failed in a way their store does not answer itself).
     */
    public static <T> Future<T> loopFirst(Callable<T> call, Function<Callable<T>, Future<T>> onWorker) {
        try {
            return Future.succeededFuture(call.call());
        } catch (OnWorker e) {
            return onWorker.apply(call);
        } catch (LoopGuardLimits.CountersPending pending) {
            return afterCounters(pending, call, onWorker);
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    /** The rest of {@link #loopFirst} once a decision's counters were sent: see there. */
    public static <T> Future<T> afterCounters(LoopGuardLimits.CountersPending pending, Callable<T> call,
                                              Function<Callable<T>, Future<T>> onWorker) {
        Context loop = Vertx.currentContext();
        Promise<T> promise = Promise.promise();
        pending.answer().whenComplete((outcomes, error) -> loop.runOnContext(v -> {
            if (error == null) {
                try {
                    promise.complete(LoopGuardLimits.replaying(pending, outcomes, call));
                    return;
                } catch (OnWorker e) {
                    // other calls the second time (a reload in between): on a worker, as a failed answer
                } catch (Exception e) {
                    promise.fail(e);
                    return;
                }
            }
            onWorker.apply(call).onComplete(promise);
        }));
        return promise.future();
    }

    /** A call that may touch disk or the network: always on a worker. */
    public <T> Future<T> blocking(Callable<T> call) {
        return workers.executeBlocking(call, false);
    }
}
