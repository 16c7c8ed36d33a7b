package dev.moat.server.http;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.RecordingLimitStoreBase;
import dev.moat.reliability.Poll;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A decision that reaches Redis's counters on an event loop sends its calls without waiting and is
 * made again on the same loop with their answer; it goes to a worker only when that answer cannot
 * be used (a failure, other calls the second time, a store that cannot answer without blocking).
 * A real Vert.x; the store's answer is held in the test's hand.
 */
class CountersOnTheLoopTest {
    static Vertx vertx;
    static final Limiter LIMIT = LimitSpec.gcra(10, 60_000).limiter();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    /** A Redis-like store: consumeAsync hands out a future the test completes; consume answers on a worker. */
    static final class HeldStore extends RecordingLimitStoreBase {
        final CompletableFuture<LimitOutcome[]> answer = new CompletableFuture<>();
        final AtomicInteger asyncCalls = new AtomicInteger();
        final AtomicInteger blockingCalls = new AtomicInteger();
        boolean canAnswerAsync = true;

        HeldStore() {
            super("redis");
        }

        @Override
        public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
            blockingCalls.incrementAndGet();
            return new LimitOutcome[] {new LimitOutcome(true, 1, 0, 0)};
        }

        @Override
        public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
            if (!canAnswerAsync) {
                return null;
            }
            asyncCalls.incrementAndGet();
            return answer;
        }
    }

    record Run(List<String> attempts, String result, List<String> worker) {
    }

    /** Runs a decision that consumes {@code keyOf(attempt)} through the guard, from an event loop. */
    static Run decide(HeldStore store, java.util.function.IntFunction<String> keyOf, Runnable whileWaiting)
            throws Exception {
        LoopGuardLimits guard = new LoopGuardLimits(store);
        List<String> attempts = new CopyOnWriteArrayList<>();
        List<String> worker = new CopyOnWriteArrayList<>();
        CompletableFuture<String> result = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            String loopThread = Thread.currentThread().getName();
            Callable<String> decision = () -> {
                String where = Context.isOnEventLoopThread()
                        ? (Thread.currentThread().getName().equals(loopThread) ? "loop" : "other loop") : "worker";
                attempts.add(where);
                LimitOutcome o = guard.consume(new LimitCall(keyOf.apply(attempts.size()), LIMIT, 1), 1_000, false);
                return "remaining " + o.remaining();
            };
            Future<String> f = Offload.loopFirst(decision, c -> {
                worker.add("sent");
                return vertx.executeBlocking(c, false);
            });
            f.onComplete(ar -> result.complete(ar.succeeded() ? ar.result() : "failed: " + ar.cause()));
        });
        whileWaiting.run();
        return new Run(attempts, result.get(5, TimeUnit.SECONDS), worker);
    }

    @Test
    void theDecisionIsMadeAgainOnItsLoopWithTheAnswer() throws Exception {
        HeldStore store = new HeldStore();
        Run run = decide(store, attempt -> "k|user:a", () -> {
            Poll.await(() -> store.asyncCalls.get() == 1, 5_000, "the counters asked");
            store.answer.complete(new LimitOutcome[] {new LimitOutcome(true, 7, 0, 0)});
        });
        assertThat(run.result()).isEqualTo("remaining 7");
        assertThat(run.attempts()).containsExactly("loop", "loop");
        assertThat(run.worker()).isEmpty();
        assertThat(store.asyncCalls.get()).as("the counters were asked once").isEqualTo(1);
        assertThat(store.blockingCalls.get()).isZero();
    }

    @Test
    void otherCallsTheSecondTimeGoToAWorker() throws Exception {
        HeldStore store = new HeldStore();
        Run run = decide(store, attempt -> "k|user:" + attempt, () -> {
            Poll.await(() -> store.asyncCalls.get() == 1, 5_000, "the counters asked");
            store.answer.complete(new LimitOutcome[] {new LimitOutcome(true, 7, 0, 0)});
        });
        assertThat(run.result()).as("the worker's own answer, not the first call's").isEqualTo("remaining 1");
        assertThat(run.attempts()).containsExactly("loop", "loop", "worker");
        assertThat(run.worker()).hasSize(1);
    }

    @Test
    void aFailedAnswerGoesToAWorker() throws Exception {
        HeldStore store = new HeldStore();
        Run run = decide(store, attempt -> "k|user:a", () -> {
            Poll.await(() -> store.asyncCalls.get() == 1, 5_000, "the counters asked");
            store.answer.completeExceptionally(new IllegalStateException("lost"));
        });
        assertThat(run.result()).isEqualTo("remaining 1");
        assertThat(run.attempts()).containsExactly("loop", "worker");
    }

    @Test
    void aStoreThatCannotAnswerWithoutBlockingIsAskedOnAWorker() throws Exception {
        HeldStore store = new HeldStore();
        store.canAnswerAsync = false;
        Run run = decide(store, attempt -> "k|user:a", () -> { });
        assertThat(run.result()).isEqualTo("remaining 1");
        assertThat(run.attempts()).containsExactly("loop", "worker");
        assertThat(store.asyncCalls.get()).isZero();
    }

    @Test
    void offTheLoopTheGuardPassesConsumeOn() {
        HeldStore store = new HeldStore();
        LimitOutcome o = new LoopGuardLimits(store).consume(new LimitCall("k|user:a", LIMIT, 1), 1_000, false);
        assertThat(o.remaining()).isEqualTo(1);
        assertThat(store.blockingCalls.get()).isEqualTo(1);
    }
}
