package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every consume/refund variant (one per set of algorithms, Script) runs and answers as
 * MemoryLimitStore does: groups of every mix of algorithms, spent, then refunded by a refusal at
 * the end of the group.
 */
class ScriptVariantsTest {
    private static RedisConnection connection;

    @BeforeAll
    static void connect() {
        connection = RedisConnection.open(RedisServers.shared().uri(), List.of(), 5_000);
    }

    @AfterAll
    static void disconnect() {
        connection.close();
    }

    @Test
    void everyMixOfAlgorithmsAnswersAsMemory() {
        Limiter[] limiters = {
            LimitSpec.gcra(10, 60_000, 5).limiter(),
            LimitSpec.fixedWindow(5, 1_000).limiter(),
            LimitSpec.slidingWindow(5, 1_000, 100).limiter(),
        };
        Limiter never = LimitSpec.fixedWindow(1, 1_000).limiter();
        for (int bits = 1; bits <= Script.ALL; bits++) {
            RedisLimitStore redis = new RedisLimitStore(connection, "variants" + bits,
                    RedisLimitStore.Options.defaults().withGlobalSlices(false));
            MemoryLimitStore memory = new MemoryLimitStore();
            List<LimitCall> calls = new ArrayList<>();
            for (int a = 0; a < 3; a++) {
                if ((bits & (1 << a)) != 0) {
                    calls.add(new LimitCall("variant.l" + a + "|user:1", limiters[a], 2));
                }
            }
            List<LimitCall> refused = new ArrayList<>(calls);
            refused.add(new LimitCall("variant.never|user:1", never, 2));
            long now = 1_767_225_600_000L;
            for (int i = 0; i < 4; i++) {
                List<LimitCall> group = i % 2 == 0 ? calls : refused;
                LimitOutcome[] r = redis.consume(group, now, false);
                LimitOutcome[] m = memory.consume(group, now, false);
                assertThat(r).as("algorithms %s, step %s", bits, i).containsExactly(m);
                now += 50;
            }
            redis.close();
        }
    }
}
