package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RequestChecks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.moat.core.Policies.MINUTE;
import static dev.moat.core.Policies.limit;
import static dev.moat.core.Policies.limits;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code bans.duration: 0}: the verdict is ban (end the sessions) but nothing is stored. */
class SoftBanTest {

    private static final String BROWSER =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36";

    private final ManualClock clock = new ManualClock();
    private final List<String> events = new ArrayList<>();
    private final Moat moat = Moat.builder().clock(clock)
            .policy(MoatPolicy.defaults()
                    .withRateLimits(limits().target("login", limit(dev.moat.core.limit.LimitSpec.fixedWindow(1, MINUTE), By.IP)).build())
                    .withBans(new BanPolicy(true, 20, 0, true, 64, 1, 0))
                    .withRequestChecks(new RequestChecks(Set.of("message"), Map.of())))
            .listener(new MoatListener() {
                @Override
                public void onBanStarted(Ban ban) {
                    events.add("ban " + ban.subject());
                }

                @Override
                public void onKick(String user, String reason) {
                    events.add("kick " + user + " " + reason);
                }
            })
            .build();

    @Test
    void theTwentiethViolationGivesVerdictBanButStoresNoBanAndTheNextRequestIsAllowed() {
        CheckRequest login = CheckRequest.builder("login").user("alice").ip("203.0.113.5").build();
        moat.check(login);
        for (int i = 1; i < 20; i++) {
            assertThat(moat.check(login).verdict()).isEqualTo(Verdict.DENY);
        }
        Decision soft = moat.check(login);
        assertThat(soft.verdict()).isEqualTo(Verdict.BAN);
        assertThat(soft.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(soft.ban()).isNull();
        assertThat(soft.violation().total()).isEqualTo(20);
        assertThat(soft.message()).contains("disconnected");
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
        assertThat(moat.banOf("user:alice")).isNull();
        assertThat(moat.banOf("ip:203.0.113.5")).isNull();
        assertThat(events).containsExactly("kick alice rate_limited");

        LogEntry logged = moat.history("user:alice", null, 1).log().items().get(0);
        assertThat(logged.kind()).isEqualTo(LogEntry.Kind.VIOLATION);
        assertThat(logged.banStarted()).isTrue();

        clock.advanceMillis(MINUTE); // the login window is over; no ban stands in the way
        assertThat(moat.check(login).allowed()).isTrue();
    }

    @Test
    void aSoftBanFromARequestCheckLetsTheNextGoodRequestThrough() {
        Decision d = moat.check(CheckRequest.builder("message").user("bob").ip("198.51.100.4").userAgent("curl/8.5").build());
        assertThat(d.verdict()).isEqualTo(Verdict.BAN);
        assertThat(d.reason()).isEqualTo(Reason.NON_BROWSER);
        assertThat(d.ban()).isNull();
        assertThat(moat.check(CheckRequest.builder("message").user("bob").ip("198.51.100.4").userAgent(BROWSER).build())
                .allowed()).isTrue();
    }

    @Test
    void aReportedViolationSaysItWasASoftBan() {
        Moat.ViolationResult r = moat.reportViolation("spam", "carol", "192.0.2.8", 20.0, null);
        assertThat(r.ban()).isNull();
        assertThat(r.softBan()).isTrue();
        assertThat(moat.activeBanCount()).isZero();
    }
}
