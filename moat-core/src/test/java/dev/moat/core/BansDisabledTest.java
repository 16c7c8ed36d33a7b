package dev.moat.core;

import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code bans.enabled: false} (LibreChat's BAN_VIOLATIONS=false): record violations, never ban. */
class BansDisabledTest {

    private final ManualClock clock = new ManualClock();
    private final Moat moat = Policies.moat(clock, MoatPolicy.defaults()
            .withRateLimits(limits().target("login", perDay(1, By.IP)).build())
            .withBans(new BanPolicy(false, 20, 2 * HOUR, true, 64, 1, 30 * Policies.DAY)));

    @Test
    void violationsAreScoredAndLoggedButNoBanEverStarts() {
        CheckRequest login = CheckRequest.builder("login").user("alice").ip("203.0.113.5").build();
        moat.check(login);
        for (int i = 1; i <= 45; i++) {
            Decision d = moat.check(login);
            assertThat(d.verdict()).as("violation %d", i).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
            assertThat(d.violation().total()).isEqualTo(i);
            assertThat(d.ban()).isNull();
        }
        Moat.History h = moat.history("user:alice", null, 100);
        assertThat(h.scores()).containsEntry("logins", 45.0);
        List<LogEntry> log = h.log().items();
        assertThat(log).hasSize(45).allSatisfy(e -> {
            assertThat(e.kind()).isEqualTo(LogEntry.Kind.VIOLATION);
            assertThat(e.banStarted()).isFalse();
        });
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }

    @Test
    void aReportedViolationWorthManyIntervalsStillBansNobody() {
        Moat.ViolationResult r = moat.reportViolation("non_browser", "bob", "198.51.100.2", 100.0, null);
        assertThat(r.violation().total()).isEqualTo(100);
        assertThat(r.ban()).isNull();
        assertThat(r.softBan()).isFalse();
        assertThat(moat.activeBanCount()).isZero();
    }

    @Test
    void manualBansStillWork() {
        moat.ban("user:mallory", HOUR, "by hand", "ops");
        assertThat(moat.check(CheckRequest.builder("login").user("mallory").build()).reason()).isEqualTo(Reason.BANNED);
    }
}
