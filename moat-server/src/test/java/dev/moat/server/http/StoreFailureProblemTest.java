package dev.moat.server.http;

import dev.moat.core.store.StoreFailureException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.CompletionException;

import static org.assertj.core.api.Assertions.assertThat;

/** A failing durable store is the machine's fault, not the request's or the code's: 503 with Retry-After, not 500. */
class StoreFailureProblemTest {
    private static StoreFailureException diskFull() {
        return new StoreFailureException("moat-sqlite: putBan user:x failed on /data/moat.db: database or disk is full",
                new IOException("SQLITE_FULL"));
    }

    @Test
    void aStoreFailureIsA503WithRetryAfterThatDoesNotLeakThePath() {
        ApiException p = Problems.toProblem(500, diskFull());
        assertThat(p.status()).isEqualTo(503);
        assertThat(p.type()).isEqualTo("store-unavailable");
        assertThat(p.retryAfterSeconds()).isEqualTo(Problems.STORE_RETRY_AFTER_SECONDS).isPositive();
        assertThat(p.getMessage()).contains("durable state store is failing").doesNotContain("/data/moat.db");
    }

    @Test
    void aStoreFailureWrappedOnItsWayOutIsStillA503() {
        assertThat(Problems.toProblem(500, new CompletionException(diskFull())).status()).isEqualTo(503);
    }

    @Test
    void anyOtherFailureIsStillA500WithoutRetryAfter() {
        ApiException p = Problems.toProblem(500, new IllegalStateException("a bug"));
        assertThat(p.status()).isEqualTo(500);
        assertThat(p.retryAfterSeconds()).isZero();
    }
}
