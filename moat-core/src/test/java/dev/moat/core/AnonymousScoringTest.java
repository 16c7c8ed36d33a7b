package dev.moat.core;

import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code violations.anonymous}: LibreChat drops violations without a logged-in user, so brute
 * force against a login page never leads to a ban; Moat scores the address unless told not to.
 */
class AnonymousScoringTest {

    private final ManualClock clock = new ManualClock();

    private Moat moat(boolean anonymousByIp) {
        return Policies.moat(clock, MoatPolicy.defaults()
                .withRateLimits(limits().target("login", perDay(1, By.IP)).build())
                .withViolations(Policies.violations(anonymousByIp, true, 0)));
    }

    private static CheckRequest login(String ip) {
        return CheckRequest.builder("login").ip(ip).email("victim@example.org").build();
    }

    @Test
    void withoutAUserTheAddressIsScoredAndBannedAtTheInterval() {
        Moat moat = moat(true);
        moat.check(login("198.51.100.9"));
        for (int i = 1; i < 20; i++) {
            Decision d = moat.check(login("198.51.100.9"));
            assertThat(d.violation().subject()).isEqualTo("ip:198.51.100.9");
            assertThat(d.violation().total()).isEqualTo(i);
        }
        Decision ban = moat.check(login("198.51.100.9"));
        assertThat(ban.verdict()).isEqualTo(Verdict.BAN);
        assertThat(ban.ban().subject()).isEqualTo("ip:198.51.100.9");
        assertThat(moat.history("ip:198.51.100.9", null, 1).scores()).containsEntry("logins", 20.0);
        assertThat(moat.activeBanCount()).isEqualTo(1);
        assertThat(moat.check(CheckRequest.builder("message").user("someone").ip("198.51.100.9").build()).reason())
                .isEqualTo(Reason.BANNED);
    }

    @Test
    void anonymousIpv6OffendersAreScoredByTheirPrefix() {
        Moat moat = moat(true);
        moat.check(login("2001:db8:5::1"));
        Decision d = moat.check(login("2001:db8:5::2"));
        assertThat(d.violation().subject()).isEqualTo("cidr:2001:db8:5::/64");
    }

    @Test
    void withAnonymousNoneNothingIsScoredAndNobodyIsBanned() {
        Moat moat = moat(false);
        moat.check(login("198.51.100.9"));
        for (int i = 0; i < 45; i++) {
            Decision d = moat.check(login("198.51.100.9"));
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
            assertThat(d.violation()).isNull();
        }
        assertThat(moat.activeBanCount()).isZero();
        assertThat(moat.topOffenders(10)).isEmpty();
        Moat.ViolationResult r = moat.reportViolation("logins", null, "198.51.100.9", 20.0, null);
        assertThat(r.ban()).isNull();
        assertThat(moat.topOffenders(10)).isEmpty();
    }

    @Test
    void withAnonymousNoneALoggedInUserIsStillScoredAndBannedWithTheirAddress() {
        Moat moat = moat(false);
        CheckRequest login = CheckRequest.builder("login").user("alice").ip("203.0.113.5").build();
        moat.check(login);
        Decision d = null;
        for (int i = 0; i < 20; i++) {
            d = moat.check(login);
        }
        assertThat(d.verdict()).isEqualTo(Verdict.BAN);
        assertThat(d.violation().subject()).isEqualTo("user:alice");
        assertThat(moat.banOf("user:alice")).isNotNull();
        assertThat(moat.banOf("ip:203.0.113.5")).isNotNull();
    }
}
