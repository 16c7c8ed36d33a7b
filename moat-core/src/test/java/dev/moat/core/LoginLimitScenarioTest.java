package dev.moat.core;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The foundation scenario end to end through the engine: 7 logins per 5 minutes from one IP. */
class LoginLimitScenarioTest {

    private static MoatPolicy loginsPerIp(LimitSpec spec) {
        RealmLimits client = new RealmLimits(Map.of("login", List.of(LimitConfig.of(spec, By.IP))), Map.of(), Map.of());
        return MoatPolicy.defaults().withRateLimits(new RateLimits("none", client, RealmLimits.EMPTY, List.of()));
    }

    @Test
    void eighthLoginFromOneIpIsRefusedWithRetryAfterAndALoginsViolation() {
        ManualClock clock = new ManualClock();
        Moat moat = Moat.builder().clock(clock).policy(loginsPerIp(LimitSpec.fixedWindow(7, 5 * 60_000))).build();
        CheckRequest login = CheckRequest.builder("login").ip("203.0.113.7:5123").build();
        for (int i = 0; i < 7; i++) {
            assertThat(moat.check(login).verdict()).isEqualTo(Verdict.ALLOW);
            clock.advanceMillis(1000);
        }
        Decision eighth = moat.check(login);
        assertThat(eighth.verdict()).isEqualTo(Verdict.DENY);
        assertThat(eighth.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(eighth.retryAfterMillis()).isEqualTo(5 * 60_000 - 7000);
        assertThat(eighth.limit().id()).isEqualTo("client.target.login");
        assertThat(eighth.limit().scope()).isEqualTo("ip");
        assertThat(eighth.limit().key()).isEqualTo("ip:203.0.113.7");
        assertThat(eighth.violation().type()).isEqualTo("logins");
        assertThat(eighth.violation().total()).isEqualTo(1.0);
        assertThat(eighth.message()).contains("Try again in");

        clock.advanceMillis(eighth.retryAfterMillis() - 1);
        assertThat(moat.check(login).verdict()).isEqualTo(Verdict.DENY);
        clock.advanceMillis(1);
        assertThat(moat.check(login).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void gcraLetsOneLoginBackAfterOneEmissionInterval() {
        ManualClock clock = new ManualClock();
        Moat moat = Moat.builder().clock(clock).policy(loginsPerIp(LimitSpec.gcra(7, 5 * 60_000))).build();
        CheckRequest login = CheckRequest.builder("login").ip("2001:db8::1").build();
        for (int i = 0; i < 7; i++) {
            assertThat(moat.check(login).allowed()).isTrue();
        }
        Decision refused = moat.check(login);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(42_858); // ceil(300000 / 7)
        assertThat(refused.limit().key()).isEqualTo("cidr:2001:db8::/64");
        clock.advanceMillis(42_857);
        assertThat(moat.check(login).allowed()).isFalse();
        clock.advanceMillis(1);
        assertThat(moat.check(login).allowed()).isTrue();
    }

    @Test
    void twentyRefusalsBanTheIpAndEveryLaterRequestIsDeniedAsBanned() {
        ManualClock clock = new ManualClock();
        Moat moat = Moat.builder().clock(clock).policy(loginsPerIp(LimitSpec.fixedWindow(7, 5 * 60_000))).build();
        CheckRequest login = CheckRequest.builder("login").ip("198.51.100.9").build();
        for (int i = 0; i < 7; i++) {
            moat.check(login);
        }
        Decision d = null;
        for (int i = 0; i < 20; i++) {
            d = moat.check(login);
        }
        assertThat(d.verdict()).isEqualTo(Verdict.BAN);
        assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(d.ban().subject()).isEqualTo("ip:198.51.100.9");
        Decision after = moat.check(CheckRequest.builder("message").ip("198.51.100.9").user("mallory").build());
        assertThat(after.verdict()).isEqualTo(Verdict.DENY);
        assertThat(after.reason()).isEqualTo(Reason.BANNED);
        assertThat(after.retryAfterMillis()).isEqualTo(2 * 3600_000);
    }
}
