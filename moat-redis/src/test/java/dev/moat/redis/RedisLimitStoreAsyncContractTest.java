package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.AsyncConsumeView;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared limit-store contract against a real standalone redis-server, every consume made
 * through the store's non-blocking form (the one the server's event loops use): it keeps every
 * rule of the blocking form, and on a standalone server answers every check but a global budget
 * leased in slices.
 */
class RedisLimitStoreAsyncContractTest extends LimitStoreContract {
    private static RedisConnection connection;
    private AsyncConsumeView view;

    @BeforeAll
    static void connect() {
        connection = RedisConnection.open(RedisServers.shared().uri(), List.of(), 5_000);
    }

    @AfterAll
    static void disconnect() {
        connection.close();
    }

    @Override
    protected LimitStore newStore() {
        view = new AsyncConsumeView(new RedisLimitStore(connection, "moat"));
        return view;
    }

    @Test
    void theContractsChecksReallyTakeTheNonBlockingForm() {
        dev.moat.core.limit.Limiter five = LimitSpec.gcra(5, DAY).limiter();
        for (int i = 0; i < 5; i++) {
            assertThat(consume(key("k"), five, 1).allowed()).isTrue();
        }
        assertThat(consume(key("k"), five, 1).allowed()).isFalse();
        assertThat(view.answeredAsync()).isEqualTo(6);
    }

    @Test
    void aCheckOnOneSubjectIsAnsweredWithoutBlockingAndASlicedGlobalBudgetIsNot() {
        try (RedisLimitStore s = new RedisLimitStore(connection, "moat")) {
            LimitCall target = new LimitCall(key("target") + "|user:a", LimitSpec.gcra(5, DAY).limiter(), 1);
            LimitCall global = new LimitCall(key("global") + "|*", LimitSpec.gcra(5, DAY).limiter(), 1);
            assertThat(s.consumeAsync(List.of(target), now, false)).isNotNull();
            assertThat(s.consumeAsync(List.of(target, global), now, false))
                    .as("slices are leased by the blocking path").isNull();
            assertThat(s.consumeAsync(List.of(target, global), now, true))
                    .as("a dry run of a global budget reads Redis in one script").isNotNull();
        }
    }
}
