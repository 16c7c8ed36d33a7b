package dev.moat.core;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import static dev.moat.core.Policies.DAY;
import static dev.moat.core.Policies.MINUTE;
import static dev.moat.core.Policies.limit;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A global budget is spent only once every per-target limit of the request passed, and a list of
 * per-target limits is all-or-nothing: one refusal spends none of them.
 */
class GlobalBudgetOrderTest {

    private final ManualClock clock = new ManualClock();

    private static CheckRequest invite(String user) {
        return CheckRequest.builder("invite").user(user).ip("203.0.113.5").build();
    }

    @Test
    void aRequestRefusedByItsPerUserLimitLeavesTheGlobalBudgetUntouched() {
        Moat moat = Policies.moat(clock, limits()
                .target("invite", perDay(1, By.USER))
                .global("invite", limit(LimitSpec.fixedWindow(3, DAY), By.TARGET))
                .policy());
        Decision first = moat.check(invite("alice"));
        assertThat(first.allowed()).isTrue();
        assertThat(first.limits()).extracting(LimitStatus::scope).containsExactly("user", "global");
        assertThat(first.limits().get(1).remaining()).isEqualTo(2);

        for (int i = 0; i < 10; i++) {
            Decision refused = moat.check(invite("alice"));
            assertThat(refused.allowed()).isFalse();
            assertThat(refused.limit().id()).isEqualTo("client.target.invite");
            assertThat(refused.limit().scope()).isEqualTo("user");
            assertThat(refused.violation().type()).isEqualTo("invite_limit");
        }
        assertThat(moat.check(invite("bob")).allowed()).isTrue();
        Decision carol = moat.check(invite("carol"));
        assertThat(carol.allowed()).as("the refused invites spent none of the 3").isTrue();
        assertThat(carol.limits().get(1).remaining()).isZero();

        Decision dave = moat.check(invite("dave"));
        assertThat(dave.allowed()).isFalse();
        assertThat(dave.limit().id()).isEqualTo("client.global.invite");
        assertThat(dave.limit().scope()).isEqualTo("global");
        assertThat(dave.limit().key()).isEqualTo("global");

        // dave's refusal by the global budget did not spend dave's own per-user allowance
        clock.advanceMillis(DAY);
        assertThat(moat.check(invite("dave")).allowed()).isTrue();
    }

    @Test
    void aListOfPerTargetLimitsIsAllOrNothing() {
        // per IP 2 a minute, per user 1 a minute
        Moat moat = Policies.moat(clock, limits()
                .target("message", limit(LimitSpec.fixedWindow(2, MINUTE), By.IP), limit(LimitSpec.fixedWindow(1, MINUTE), By.USER))
                .policy());
        CheckRequest aliceMsg = CheckRequest.builder("message").user("alice").ip("198.51.100.1").build();
        Decision first = moat.check(aliceMsg);
        assertThat(first.allowed()).isTrue();
        assertThat(first.limits()).extracting(LimitStatus::id)
                .containsExactly("client.target.message[0]", "client.target.message[1]");

        Decision second = moat.check(aliceMsg);
        assertThat(second.allowed()).isFalse();
        assertThat(second.limit().id()).isEqualTo("client.target.message[1]");

        // alice's refused message gave back its per-IP unit: bob on the same IP still has one
        assertThat(moat.check(CheckRequest.builder("message").user("bob").ip("198.51.100.1").build()).allowed()).isTrue();
        Decision carol = moat.check(CheckRequest.builder("message").user("carol").ip("198.51.100.1").build());
        assertThat(carol.allowed()).isFalse();
        assertThat(carol.limit().id()).isEqualTo("client.target.message[0]");
        assertThat(carol.limit().scope()).isEqualTo("ip");
    }

    @Test
    void allOrNothingHoldsForGcraToo() {
        Moat moat = Policies.moat(clock, limits()
                .target("message", limit(LimitSpec.gcra(2, MINUTE), By.IP), limit(LimitSpec.gcra(1, MINUTE), By.USER))
                .global("message", limit(LimitSpec.gcra(3, MINUTE), By.TARGET))
                .policy());
        moat.check(CheckRequest.builder("message").user("alice").ip("198.51.100.1").build());
        for (int i = 0; i < 5; i++) {
            assertThat(moat.check(CheckRequest.builder("message").user("alice").ip("198.51.100.1").build()).allowed()).isFalse();
        }
        assertThat(moat.check(CheckRequest.builder("message").user("bob").ip("198.51.100.1").build()).allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("message").user("carol").ip("192.0.2.1").build()).allowed())
                .as("global: alice 1 + bob 1 + carol 1 of 3").isTrue();
        assertThat(moat.check(CheckRequest.builder("message").user("dave").ip("192.0.2.2").build()).limit().scope())
                .isEqualTo("global");
    }
}
