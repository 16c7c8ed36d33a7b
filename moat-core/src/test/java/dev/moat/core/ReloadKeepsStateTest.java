package dev.moat.core;

import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moat.core.Policies.DAY;
import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code reload(newPolicy)} swaps the rules and keeps every counter, score and ban. */
class ReloadKeepsStateTest {

    private final ManualClock clock = new ManualClock();
    private final MoatPolicy original = limits().target("login", perDay(3, By.IP)).policy();
    private final Moat moat = Policies.moat(clock, original);

    private Decision login(String user) {
        return moat.check(CheckRequest.builder("login").user(user).ip("203.0.113.5").build());
    }

    @Test
    void countersScoresAndBansSurviveAReload() {
        for (int i = 0; i < 3; i++) {
            login("alice");
        }
        for (int i = 0; i < 10; i++) {
            login("alice");
        }
        moat.ban("user:mallory", HOUR, "manual", "ops");
        moat.reportViolation("logins", "bob", "198.51.100.1", 20.0, null); // auto bans of bob and his ip

        MoatPolicy changed = limits().target("login", perDay(3, By.IP)).target("message", perDay(100, By.USER))
                .exempt("user:@admin:example.org").policy()
                .withBans(new BanPolicy(true, 12, HOUR, true, 64, 1, DAY));
        moat.reload(changed);
        assertThat(moat.policy()).isSameAs(changed);

        Decision d = login("alice");
        assertThat(d.reason()).as("the login counter was kept").isEqualTo(Reason.RATE_LIMITED);
        assertThat(d.violation().total()).as("the score was kept: 10 + 1").isEqualTo(11);
        Decision next = login("alice");
        assertThat(next.verdict()).as("the new interval (12) applies to the kept score").isEqualTo(Verdict.BAN);
        assertThat(next.ban().expiresAtMillis() - next.ban().createdAtMillis()).as("the new duration").isEqualTo(HOUR);

        assertThat(moat.check(CheckRequest.builder("message").user("mallory").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("message").user("bob").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("message").ip("198.51.100.1").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.bans(null, null, null, 10).items()).hasSize(5);
    }

    @Test
    void anInvalidPolicyIsRefusedAndTheRunningOneStays() {
        for (int i = 0; i < 3; i++) {
            login("alice");
        }
        MoatPolicy bad = original.withRateLimits(new RateLimits("none", original.rateLimits().client(),
                original.rateLimits().federation(), List.of("not a subject")));
        assertThatThrownBy(() -> moat.reload(bad)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rate_limits.exempt");
        assertThat(moat.policy()).isSameAs(original);
        assertThat(login("alice").reason()).isEqualTo(Reason.RATE_LIMITED);
    }

    @Test
    void reloadingBansFromTheStoreKeepsCidrBansAndDropsLiftedOnes() {
        moat.ban("cidr:198.51.100.0/24", HOUR, null, "ops");
        moat.ban("cidr:2001:db8:9::/48", HOUR, null, "ops");
        moat.ban("user:mallory", HOUR, null, "ops");
        moat.stateStore().removeBan("cidr:2001:db8:9::/48"); // lifted behind this node's back
        moat.reloadBans();
        assertThat(moat.activeBanCount()).isEqualTo(2);
        assertThat(moat.check(CheckRequest.builder("message").ip("198.51.100.7").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("message").ip("2001:db8:9::1").build()).allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("message").user("mallory").build()).reason()).isEqualTo(Reason.BANNED);
    }

    @Test
    void reloadingTheBanBookLeavesNoStaleCidrInItsIndex() {
        BanBook book = new BanBook();
        long now = clock.nowMillis();
        dev.moat.core.ban.Ban a = new dev.moat.core.ban.Ban("cidr:198.51.100.0/24", "x", "manual",
                dev.moat.core.ban.BanSource.MANUAL, now, now + HOUR, 0, "ops");
        dev.moat.core.ban.Ban b = new dev.moat.core.ban.Ban("cidr:2001:db8:9::/48", "x", "manual",
                dev.moat.core.ban.BanSource.MANUAL, now, now + HOUR, 0, "ops");
        book.put(a);
        book.put(b);
        book.load(List.of(a));
        assertThat(book.size()).isEqualTo(1);
        assertThat(book.cidrIndexSize()).as("every lookup probes each prefix length in the index").isEqualTo(1);
    }
}
