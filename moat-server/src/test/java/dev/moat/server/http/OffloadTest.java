package dev.moat.server.http;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Decisions run on the event loop until they reach durable state; then they start over on a worker. */
class OffloadTest {
    static Vertx vertx;
    static WorkerExecutor workers;

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
        workers = vertx.createSharedWorkerExecutor("offload-test", 2);
    }

    @AfterAll
    static void stop() {
        vertx.close();
    }

    /** Runs {@code decide} from an event loop and returns where each attempt ran. */
    static List<String> attempts(boolean touchesDisk) throws Exception {
        List<String> where = new CopyOnWriteArrayList<>();
        CompletableFuture<String> result = new CompletableFuture<>();
        vertx.runOnContext(v -> {
            Future<String> f = new Offload(workers).decide(() -> {
                where.add(Context.isOnEventLoopThread() ? "loop" : "worker");
                if (touchesDisk) {
                    Offload.offLoop();
                }
                return "decided";
            });
            f.onComplete(ar -> result.complete(ar.succeeded() ? ar.result() : "failed: " + ar.cause()));
        });
        assertThat(result.get(5, TimeUnit.SECONDS)).isEqualTo("decided");
        return where;
    }

    @Test
    void aDecisionInMemoryStaysOnTheLoop() throws Exception {
        assertThat(attempts(false)).containsExactly("loop");
    }

    @Test
    void aDecisionThatReachesDurableStateStartsOverOnAWorker() throws Exception {
        assertThat(attempts(true)).containsExactly("loop", "worker");
    }

    @Test
    void theGuardLetsWorkersThrough() {
        Offload.offLoop(); // the test thread is not an event loop: no exception
    }
}
