package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.ViolationPolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * LibreChat's trigger table with {@code bans.interval: 20}: a ban starts each time a score reaches
 * or crosses a multiple of 20, i.e. floor(previous / 20) &lt; floor(current / 20).
 */
class BanTriggerTableTest {

    private final ManualClock clock = new ManualClock();

    /** Login limited per IP, messages per user, both at one per day: every later try is a violation. */
    private Moat moat(ViolationPolicy violations) {
        MoatPolicy p = limits().target("login", perDay(1, By.IP)).target("message", perDay(1, By.USER)).policy()
                .withViolations(violations);
        return Policies.moat(clock, p);
    }

    private static CheckRequest login(String user) {
        return CheckRequest.builder("login").user(user).ip("203.0.113.5").build();
    }

    private static CheckRequest message(String user) {
        return CheckRequest.builder("message").user(user).ip("203.0.113.5").build();
    }

    @Test
    void scoreOneBansAtTheTwentiethViolationAndAgainAtTheFortiethButNotTheThirtyNinth() {
        Moat moat = moat(ViolationPolicy.DEFAULTS);
        assertThat(moat.check(login("alice")).allowed()).isTrue();
        for (int i = 1; i <= 19; i++) {
            Decision d = moat.check(login("alice"));
            assertThat(d.verdict()).as("violation %d", i).isEqualTo(Verdict.DENY);
            assertThat(d.violation().total()).isEqualTo(i);
        }
        Decision twentieth = moat.check(login("alice"));
        assertThat(twentieth.verdict()).isEqualTo(Verdict.BAN);
        assertThat(twentieth.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(twentieth.violation().total()).isEqualTo(20);
        assertThat(twentieth.ban().subject()).isEqualTo("user:alice");
        assertThat(twentieth.ban().violationCount()).isEqualTo(20);
        assertThat(twentieth.retryAfterMillis()).isEqualTo(2 * HOUR);
        assertThat(moat.banOf("ip:203.0.113.5")).isNotNull();

        clock.advanceMillis(2 * HOUR); // both bans over; the login limit still refuses (1 per day)
        for (int i = 21; i <= 39; i++) {
            Decision d = moat.check(login("alice"));
            assertThat(d.verdict()).as("violation %d", i).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
        }
        assertThat(moat.banOf("user:alice")).isNull();
        Decision fortieth = moat.check(login("alice"));
        assertThat(fortieth.verdict()).isEqualTo(Verdict.BAN);
        assertThat(fortieth.violation().total()).isEqualTo(40);
    }

    @Test
    void scoreFiveBansAtTheFourthViolation() {
        Moat moat = moat(Policies.scores(Map.of("logins", 5)));
        moat.check(login("alice"));
        for (int i = 1; i <= 3; i++) {
            Decision d = moat.check(login("alice"));
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.violation().score()).isEqualTo(5);
            assertThat(d.violation().total()).isEqualTo(5 * i);
        }
        Decision fourth = moat.check(login("alice"));
        assertThat(fourth.verdict()).isEqualTo(Verdict.BAN);
        assertThat(fourth.violation().total()).isEqualTo(20);
    }

    @Test
    void scoreTwentyBansAtEveryViolation() {
        Moat moat = moat(Policies.scores(Map.of("logins", 20)));
        moat.check(login("alice"));
        for (int i = 1; i <= 3; i++) {
            Decision d = moat.check(login("alice"));
            assertThat(d.verdict()).as("violation %d", i).isEqualTo(Verdict.BAN);
            assertThat(d.violation().total()).isEqualTo(20 * i);
            clock.advanceMillis(2 * HOUR);
        }
    }

    @Test
    void crossingAMultipleBansLikeReachingIt() {
        Moat moat = moat(ViolationPolicy.DEFAULTS);
        assertThat(moat.reportViolation("logins", "alice", null, 15.0, null).ban()).isNull();
        Moat.ViolationResult r = moat.reportViolation("logins", "alice", null, 10.0, null);
        assertThat(r.violation().total()).isEqualTo(25);
        assertThat(r.ban()).as("15 -> 25 crosses 20").isNotNull();
    }

    @Test
    void stayingBetweenMultiplesDoesNotBanAgainAndTheNextCrossingDoes() {
        Moat moat = moat(ViolationPolicy.DEFAULTS);
        assertThat(moat.reportViolation("logins", "bob", null, 20.0, null).ban()).as("0 -> 20 reaches 20").isNotNull();
        clock.advanceMillis(2 * HOUR);
        assertThat(moat.reportViolation("logins", "bob", null, 19.0, null).ban()).as("20 -> 39").isNull();
        Moat.ViolationResult r = moat.reportViolation("logins", "bob", null, 2.0, null);
        assertThat(r.violation().total()).isEqualTo(41);
        assertThat(r.ban()).as("39 -> 41 crosses 40").isNotNull();
    }

    @Test
    void aFractionalScoreThatLandsExactlyOnTheMultipleBans() {
        Moat moat = moat(ViolationPolicy.DEFAULTS);
        assertThat(moat.reportViolation("logins", "carol", null, 19.5, null).ban()).isNull();
        assertThat(moat.reportViolation("logins", "carol", null, 0.5, null).ban()).isNotNull();
    }

    @Test
    void aScoreOfZeroNeverBansEvenOnAMultiple() {
        Moat moat = moat(ViolationPolicy.DEFAULTS);
        assertThat(moat.reportViolation("logins", "dave", null, 0.0, null).ban()).isNull();
        assertThat(moat.reportViolation("logins", "dave", null, 20.0, null).ban()).isNotNull();
        clock.advanceMillis(2 * HOUR);
        assertThat(moat.reportViolation("logins", "dave", null, 0.0, null).ban()).as("20 -> 20").isNull();
    }

    @Test
    void perTypeKeepsLoginsAndMessageLimitScoresApart() {
        Moat moat = moat(Policies.violations(true, true, 0));
        moat.check(login("alice"));
        moat.check(message("alice"));
        for (int i = 1; i <= 19; i++) {
            assertThat(moat.check(login("alice")).violation().total()).isEqualTo(i);
            assertThat(moat.check(message("alice")).violation().total()).isEqualTo(i);
        }
        assertThat(moat.banOf("user:alice")).as("19 + 19 under per_type").isNull();
        assertThat(moat.history("user:alice", null, 10).scores())
                .containsExactlyInAnyOrderEntriesOf(Map.of("logins", 19.0, "message_limit", 19.0));
        Decision d = moat.check(message("alice"));
        assertThat(d.verdict()).isEqualTo(Verdict.BAN);
        assertThat(d.violation().type()).isEqualTo("message_limit");
        assertThat(d.violation().total()).isEqualTo(20);
    }

    @Test
    void withPerTypeFalseEveryTypeAddsToOneTotalAndTheResponseReportsIt() {
        Moat moat = moat(Policies.violations(true, false, 0));
        moat.check(login("alice"));
        moat.check(message("alice"));
        for (int i = 1; i <= 19; i++) {
            CheckRequest r = i % 2 == 1 ? login("alice") : message("alice");
            Decision d = moat.check(r);
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.violation().type()).isEqualTo(i % 2 == 1 ? "logins" : "message_limit");
            assertThat(d.violation().total()).as("the total, not the type's score").isEqualTo(i);
        }
        Decision twentieth = moat.check(message("alice"));
        assertThat(twentieth.verdict()).isEqualTo(Verdict.BAN);
        assertThat(twentieth.violation().type()).isEqualTo("message_limit");
        assertThat(twentieth.violation().total()).isEqualTo(20);
        Ban ban = twentieth.ban();
        assertThat(ban.type()).isEqualTo("message_limit");
        assertThat(ban.reason()).isEqualTo("rate_limited");
        assertThat(moat.history("user:alice", null, 10).scores()).containsExactlyEntriesOf(Map.of("total", 20.0));
    }
}
