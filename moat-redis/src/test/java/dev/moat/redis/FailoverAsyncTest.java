package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failover wrapper's non-blocking consume against a real redis-server that dies, and one that
 * stops answering: the answer still comes, from the fallback, and never later than the timeout
 * plus the timer's tick, so an event loop waiting for it is never stuck behind Redis.
 */
class FailoverAsyncTest {
    private static final long TIMEOUT_MILLIS = 300;

    private static FailoverLimitStore failover(RedisConnection connection, RedisHealth health) {
        return new FailoverLimitStore(new RedisLimitStore(connection, "moat"), new MemoryLimitStore(), health);
    }

    private static List<LimitCall> call(String user) {
        return List.of(new LimitCall("async|user:" + user, LimitSpec.gcra(3, 60_000).limiter(), 1));
    }

    @Test
    void aStalledRedisIsAnsweredByTheFallbackWhenTheTimeoutPasses() throws Exception {
        try (RedisServers.Server server = RedisServers.standalone();
             RedisConnection connection = RedisConnection.open(server.uri(), List.of(), TIMEOUT_MILLIS)) {
            RedisHealth health = new RedisHealth(connection, FailureMode.LOCAL, 60_000);
            FailoverLimitStore store = failover(connection, health);
            List<LimitCall> call = call("a");
            long now = System.currentTimeMillis();
            assertThat(store.consumeAsync(call, now, false).get(5, TimeUnit.SECONDS)[0].remaining())
                    .as("Redis answered").isEqualTo(2);
            assertThat(store.consumeAsync(call, now, false).get(5, TimeUnit.SECONDS)[0].remaining()).isEqualTo(1);

            server.freeze(true);
            try {
                CompletableFuture<LimitOutcome[]> answer = store.consumeAsync(call, now, false);
                // Lettuce's own command timeout is 2 s here; the store's deadline is what answers first
                LimitOutcome[] out = answer.get(1_900, TimeUnit.MILLISECONDS);
                assertThat(out[0].allowed()).isTrue();
                assertThat(out[0].remaining()).as("the memory fallback, which has seen nothing yet").isEqualTo(2);
                assertThat(health.isUp()).isFalse();
                CompletableFuture<LimitOutcome[]> whileDown = store.consumeAsync(call, now, false);
                assertThat(whileDown).as("answered from memory at once while Redis is down").isDone();
                assertThat(whileDown.get()[0].remaining()).isEqualTo(1);
            } finally {
                server.freeze(false);
            }
            health.close();
        }
    }

    @Test
    void aKilledRedisIsAnsweredByTheFallback() throws Exception {
        try (RedisServers.Server server = RedisServers.standalone();
             RedisConnection connection = RedisConnection.open(server.uri(), List.of(), TIMEOUT_MILLIS)) {
            RedisHealth health = new RedisHealth(connection, FailureMode.DENY, 60_000);
            FailoverLimitStore store = failover(connection, health);
            List<LimitCall> call = call("b");
            long now = System.currentTimeMillis();
            assertThat(store.consumeAsync(call, now, false).get(5, TimeUnit.SECONDS)[0].allowed()).isTrue();
            server.kill();
            LimitOutcome[] out = store.consumeAsync(call, now, false).get(5, TimeUnit.SECONDS);
            assertThat(out[0].allowed()).as("on_failure deny").isFalse();
            assertThat(out[0].retryAfterMillis()).as("one probe interval").isEqualTo(60_000);
            assertThat(health.isUp()).isFalse();
            health.close();
        }
    }
}
