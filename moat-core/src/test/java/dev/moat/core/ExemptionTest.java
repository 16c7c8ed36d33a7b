package dev.moat.core;

import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RequestChecks;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Set;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code rate_limits.exempt}: subjects never limited and never banned. */
class ExemptionTest {

    private static final String ADMIN = "@admin:example.org";

    private final ManualClock clock = new ManualClock();
    private final MoatPolicy policy = limits()
            .target("login", perDay(1, By.IP))
            .target("message", perDay(1, By.USER))
            .exempt("user:" + ADMIN, "cidr:10.0.0.0/8", "cidr:2001:db8:ffff::/48")
            .policy()
            .withRequestChecks(new RequestChecks(Set.of("message"), Map.of()));
    private final Moat moat = Policies.moat(clock, policy);

    private static final String BROWSER =
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    @Test
    void anExemptUserIsNeverLimited() {
        for (int i = 0; i < 100; i++) {
            Decision d = moat.check(CheckRequest.builder("message").user(ADMIN).ip("203.0.113.5").userAgent(BROWSER).build());
            assertThat(d.allowed()).isTrue();
            assertThat(d.violation()).isNull();
        }
        assertThat(moat.check(CheckRequest.builder("message").user("alice").ip("203.0.113.5").userAgent(BROWSER).build())
                .allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("message").user("alice").ip("203.0.113.5").userAgent(BROWSER).build())
                .allowed()).isFalse();
    }

    @Test
    void anExemptCidrIsNeverLimited() {
        for (int i = 0; i < 100; i++) {
            assertThat(moat.check(CheckRequest.builder("login").ip("10.1.2.3").build()).allowed()).isTrue();
            assertThat(moat.check(CheckRequest.builder("login").ip("2001:db8:ffff:1::7").build()).allowed()).isTrue();
        }
        assertThat(moat.topOffenders(10)).isEmpty(); // nothing was scored
    }

    @Test
    void anExemptUserIsNeverAutoBannedNorIsTheAddressTheyCameFrom() {
        Moat.ViolationResult r = moat.reportViolation("message_limit", ADMIN, "203.0.113.5", 100.0, "reported");
        assertThat(r.ban()).isNull();
        assertThat(moat.banOf("user:" + ADMIN)).isNull();
        // an exempt subject's own behaviour must not ban the other users behind its address
        assertThat(moat.banOf("ip:203.0.113.5")).isNull();
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }

    @Test
    void aRequestCheckViolationOfAnExemptUserStartsNoBan() {
        Decision d = moat.check(CheckRequest.builder("message").user(ADMIN).ip("203.0.113.5").userAgent("curl/8.5").build());
        assertThat(d.reason()).isEqualTo(Reason.NON_BROWSER);
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.ban()).isNull();
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
        assertThat(moat.check(CheckRequest.builder("message").user("alice").ip("203.0.113.5").userAgent(BROWSER).build())
                .allowed()).isTrue();
    }

    @Test
    void anExemptAddressIsNeverAutoBannedNorIsTheUserBehindIt() {
        assertThat(moat.reportViolation("logins", null, "10.1.2.3", 100.0, null).ban()).isNull();
        assertThat(moat.reportViolation("logins", null, "2001:db8:ffff:1::7", 100.0, null).ban()).isNull();
        assertThat(moat.reportViolation("logins", "alice", "10.1.2.3", 100.0, null).ban()).isNull();
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }

    @Test
    void exemptRequestsAreNotRefusedByABanOfTheirAddress() {
        moat.ban("ip:203.0.113.5", HOUR, null, "ops");
        moat.ban("cidr:10.0.0.0/7", HOUR, "wider than the exempt range", "ops");
        assertThat(moat.check(CheckRequest.builder("login").user(ADMIN).ip("203.0.113.5").build()).allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("login").ip("10.1.2.3").build()).allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("login").ip("11.0.0.1").build()).reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("login").user("alice").ip("203.0.113.5").build()).reason())
                .isEqualTo(Reason.BANNED);
    }

    @Test
    void aManualBanOfAnExemptSubjectIsRefusedNamingTheSubjectField() {
        for (String subject : new String[] {"user:" + ADMIN, "ip:10.9.9.9", "ip:::ffff:10.9.9.9", "cidr:10.0.0.0/8",
                "cidr:10.1.0.0/16", "cidr:2001:db8:ffff:1::/64"}) {
            assertThatThrownBy(() -> moat.ban(subject, HOUR, "test", "ops"))
                    .as(subject)
                    .isInstanceOfSatisfying(InvalidRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("subject"));
        }
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }
}
