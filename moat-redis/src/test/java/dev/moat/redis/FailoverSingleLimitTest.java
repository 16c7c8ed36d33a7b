package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.RecordingLimitStoreBase;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The failover wrapper passes a one-limit check through in the single-limit form (which the Redis
 * store answers without a list), and still fails over from it.
 */
class FailoverSingleLimitTest {

    /** Records which form each call came in; fails every call once told to. */
    private static final class Recording extends RecordingLimitStoreBase {
        final List<String> forms = new ArrayList<>();
        boolean failing;

        Recording() {
            super("recording");
        }

        @Override
        public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
            forms.add("list");
            if (failing) {
                throw new RedisUnavailableException("down");
            }
            return new LimitOutcome[] {new LimitOutcome(true, 7, 0, 0)};
        }

        @Override
        public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
            forms.add("single");
            if (failing) {
                throw new RedisUnavailableException("down");
            }
            return new LimitOutcome(true, 7, 0, 0);
        }
    }

    @Test
    void aSingleLimitReachesTheStoreInTheSingleFormAndFailsOverFromIt() {
        RedisServers.Server server = RedisServers.shared();
        try (RedisConnection connection = RedisConnection.open(server.uri(), List.of(), 2_000)) {
            RedisHealth health = new RedisHealth(connection, FailureMode.LOCAL, 60_000);
            Recording redis = new Recording();
            FailoverLimitStore store = new FailoverLimitStore(redis, new MemoryLimitStore(), health);
            LimitCall call = new LimitCall("one|user:a", LimitSpec.gcra(3, 60_000).limiter(), 1);
            assertThat(store.consume(call, 1_000, false)).isEqualTo(new LimitOutcome(true, 7, 0, 0));
            assertThat(redis.forms).containsExactly("single");
            redis.failing = true;
            LimitOutcome local = store.consume(call, 1_000, false);
            assertThat(local.allowed()).isTrue();
            assertThat(local.remaining()).as("answered by the memory fallback").isEqualTo(2);
            assertThat(health.isUp()).isFalse();
            assertThat(redis.forms).containsExactly("single", "single");
            health.close();
        }
    }
}
