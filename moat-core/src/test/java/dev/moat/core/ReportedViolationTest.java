package dev.moat.core;

import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.ViolationPolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.moat.core.Policies.HOUR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code POST /v1/violations}: a violation the chat server detected itself. */
class ReportedViolationTest {

    private final ManualClock clock = new ManualClock();

    private Moat moat(Map<String, Integer> scoreOverrides) {
        return Policies.moat(clock, MoatPolicy.defaults().withRateLimits(Policies.limits().build())
                .withViolations(new ViolationPolicy(scoreOverrides, true, true, 0, 90 * Policies.DAY)));
    }

    @Test
    void withoutAScoreTheConfiguredOneApplies() {
        Moat moat = moat(Map.of("spam_report", 7));
        assertThat(moat.reportViolation("illegal_model_request", "alice", null, null, null).violation().score())
                .as("default table").isEqualTo(5);
        assertThat(moat.reportViolation("logins", "alice", null, null, null).violation().score()).isEqualTo(1);
        assertThat(moat.reportViolation("link_spam", "alice", null, null, null).violation().score()).isEqualTo(0);
        assertThat(moat.reportViolation("spam_report", "alice", null, null, null).violation().score())
                .as("violations.scores override").isEqualTo(7);
        assertThat(moat.reportViolation("something_new", "alice", null, null, null).violation().score())
                .as("unknown type").isEqualTo(1);
        Moat.ViolationResult nb = moat.reportViolation("non_browser", "bob", null, null, null);
        assertThat(nb.violation().score()).isEqualTo(20);
        assertThat(nb.ban()).as("score 20 reaches the interval").isNotNull();
        assertThat(nb.ban().reason()).isEqualTo("non_browser");
    }

    @Test
    void anExplicitScoreWinsOverTheConfiguredOne() {
        Moat moat = moat(Map.of());
        Moat.ViolationResult r = moat.reportViolation("logins", "alice", null, 2.5, "typed the wrong code");
        assertThat(r.violation().score()).isEqualTo(2.5);
        assertThat(r.violation().total()).isEqualTo(2.5);
        LogEntry e = moat.history("user:alice", null, 1).log().items().get(0);
        assertThat(e.detail()).isEqualTo("typed the wrong code");
        assertThat(e.facts()).doesNotContainKey("action");
    }

    @Test
    void withoutAUserTheViolationIsScoredOnTheAddress() {
        Moat moat = moat(Map.of());
        Moat.ViolationResult r = moat.reportViolation("logins", null, "203.0.113.5:4711", 3.0, null);
        assertThat(r.violation().subject()).isEqualTo("ip:203.0.113.5");
        assertThat(moat.history("ip:203.0.113.5", null, 10).scores()).containsEntry("logins", 3.0);
    }

    @Test
    void aReportThatCrossesTheIntervalBansUserAndAddress() {
        Moat moat = moat(Map.of());
        assertThat(moat.reportViolation("spam", "alice", "203.0.113.5", 15.0, null).ban()).isNull();
        Moat.ViolationResult r = moat.reportViolation("spam", "alice", "203.0.113.5", 5.0, "reported by 3 users");
        assertThat(r.ban()).isNotNull();
        assertThat(r.ban().subject()).isEqualTo("user:alice");
        assertThat(r.ban().reason()).isEqualTo("rate_limited");
        assertThat(r.ban().type()).isEqualTo("spam");
        assertThat(moat.banOf("ip:203.0.113.5")).isNotNull();
        Decision d = moat.check(CheckRequest.builder("message").user("alice").build());
        assertThat(d.reason()).isEqualTo(Reason.BANNED);
        assertThat(d.retryAfterMillis()).isEqualTo(2 * HOUR);
        LogEntry logged = moat.history("user:alice", null, 1).log().items().get(0);
        assertThat(logged.banStarted()).isTrue();
        assertThat(logged.detail()).isEqualTo("reported by 3 users");
    }

    @Test
    void anAutomaticBanNeverShortensALongerBanInForce() {
        Moat moat = moat(Map.of());
        moat.ban("user:mallory", 30 * Policies.DAY, "harassment", "ops");
        moat.ban("ip:198.51.100.66", 7 * Policies.DAY, "scanner", "ops");
        Moat.ViolationResult r = moat.reportViolation("spam", "mallory", "198.51.100.66", 20.0, null);
        assertThat(r.ban()).as("the ban in force is reported").isNotNull();
        assertThat(r.ban().expiresAtMillis()).isEqualTo(clock.nowMillis() + 30 * Policies.DAY);
        assertThat(moat.banOf("user:mallory").reason()).isEqualTo("harassment");
        assertThat(moat.banOf("ip:198.51.100.66").reason()).isEqualTo("scanner");
        assertThat(moat.history("user:mallory", null, 1).log().items().get(0).banStarted())
                .as("no ban started").isFalse();
        clock.advanceMillis(2 * HOUR);
        assertThat(moat.check(CheckRequest.builder("message").user("mallory").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("message").ip("198.51.100.66").build()).reason()).isEqualTo(Reason.BANNED);
    }

    @Test
    void anAutomaticBanLongerThanTheOneInForceReplacesIt() {
        Moat moat = moat(Map.of());
        moat.ban("user:mallory", HOUR, "cool off", "ops");
        Moat.ViolationResult r = moat.reportViolation("spam", "mallory", null, 20.0, null);
        assertThat(r.ban().expiresAtMillis()).isEqualTo(clock.nowMillis() + 2 * HOUR);
        assertThat(moat.banOf("user:mallory").source()).isEqualTo(dev.moat.core.ban.BanSource.AUTO);
    }

    @Test
    void badReportsNameTheirField() {
        Moat moat = moat(Map.of());
        assertField(() -> moat.reportViolation(null, "alice", null, null, null), "type");
        assertField(() -> moat.reportViolation(" ", "alice", null, null, null), "type");
        assertField(() -> moat.reportViolation("x".repeat(65), "alice", null, null, null), "type");
        assertField(() -> moat.reportViolation("logins", "alice", null, -1.0, null), "score");
        assertField(() -> moat.reportViolation("logins", "alice", null, Double.NaN, null), "score");
        assertField(() -> moat.reportViolation("logins", "alice", null, Double.POSITIVE_INFINITY, null), "score");
        assertField(() -> moat.reportViolation("logins", null, null, null, null), "user");
        assertField(() -> moat.reportViolation("logins", null, "not-an-ip", null, null), "ip");
    }

    private static void assertField(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidRequestException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }
}
