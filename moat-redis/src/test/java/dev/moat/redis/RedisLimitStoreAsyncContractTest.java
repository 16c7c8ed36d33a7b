package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.AsyncConsumeView;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitStore;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared limit-store contract against a real standalone redis-server, every consume made
 * through the store's non-blocking form (the one the server's event loops use): it keeps every
 * rule of the blocking form, and on a standalone server answers every check but a global budget
 * leased in slices.
 */
class RedisLimitStoreAsyncContractTest extends RedisLimitStoreContractTest {
    private AsyncConsumeView view;

    @Override
    protected LimitStore newStore() {
        view = new AsyncConsumeView(super.newStore());
        return view;
    }

    @Test
    void theContractsChecksReallyTakeTheNonBlockingForm() {
        Limiter five = LimitSpec.gcra(5, DAY).limiter();
        for (int i = 0; i < 5; i++) {
            assertThat(consume(key("k"), five, 1).allowed()).isTrue();
        }
        assertThat(consume(key("k"), five, 1).allowed()).isFalse();
        assertThat(view.answeredAsync()).isEqualTo(6);
    }

    @Test
    void aCheckOnOneSubjectIsAnsweredWithoutBlockingAndASlicedGlobalBudgetIsNot() {
        try (LimitStore s = super.newStore()) {
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
