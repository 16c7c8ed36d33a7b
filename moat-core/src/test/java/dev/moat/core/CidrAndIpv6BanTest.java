package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import static dev.moat.core.Policies.HOUR;
import static org.assertj.core.api.Assertions.assertThat;

/** CIDR bans, IPv6 bans by prefix, and address normalisation on the way to the ban book. */
class CidrAndIpv6BanTest {

    private final ManualClock clock = new ManualClock();

    private Moat moat(int ipv6Prefix) {
        return Policies.moat(clock, MoatPolicy.defaults().withRateLimits(Policies.limits().build())
                .withBans(new BanPolicy(true, 20, 2 * HOUR, true, ipv6Prefix, 1, 30 * Policies.DAY)));
    }

    private static Decision check(Moat moat, String action, String user, String ip) {
        return moat.check(CheckRequest.builder(action).user(user).ip(ip).build());
    }

    @Test
    void aManualCidrBanRefusesEveryAddressInsideItForAnyActionAndNothingOutside() {
        Moat moat = moat(64);
        moat.ban("cidr:203.0.113.0/24", HOUR, "abuse from this range", "ops");
        for (String action : new String[] {"login", "message", "registration", "media_upload"}) {
            Decision d = check(moat, action, null, "203.0.113.77");
            assertThat(d.verdict()).as(action).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.BANNED);
            assertThat(d.ban().subject()).isEqualTo("cidr:203.0.113.0/24");
            assertThat(d.retryAfterMillis()).isEqualTo(HOUR);
        }
        assertThat(check(moat, "message", "alice", "203.0.113.77:5123").reason()).isEqualTo(Reason.BANNED);
        assertThat(check(moat, "login", null, "203.0.114.1").allowed()).isTrue();
        assertThat(check(moat, "login", null, "203.0.112.255").allowed()).isTrue();
    }

    @Test
    void anAutoBanOfAnIpv6UserBansTheirSlash64() {
        Moat moat = moat(64);
        Moat.ViolationResult r = moat.reportViolation("message_limit", "alice", "2001:db8:1:2::5", 20.0, null);
        assertThat(r.ban().subject()).isEqualTo("user:alice");
        Ban prefixBan = moat.banOf("cidr:2001:db8:1:2::/64");
        assertThat(prefixBan).isNotNull();
        assertThat(moat.bans("cidr:", null, null, 10).items()).extracting(Ban::subject)
                .containsExactly("cidr:2001:db8:1:2::/64");

        Decision sameNet = check(moat, "message", "bob", "2001:db8:1:2::ffff");
        assertThat(sameNet.reason()).isEqualTo(Reason.BANNED);
        assertThat(sameNet.ban().subject()).isEqualTo("cidr:2001:db8:1:2::/64");
        assertThat(check(moat, "message", null, "[2001:DB8:1:2:0:0:0:1]:443").reason()).isEqualTo(Reason.BANNED);
        assertThat(check(moat, "message", "carol", "2001:db8:1:3::1").allowed()).isTrue();
    }

    @Test
    void prefix128BansOnlyTheExactAddress() {
        Moat moat = moat(128);
        moat.reportViolation("message_limit", "alice", "2001:db8:1:2::5", 20.0, null);
        assertThat(moat.banOf("ip:2001:db8:1:2::5")).isNotNull();
        assertThat(check(moat, "message", "bob", "2001:db8:1:2::5").reason()).isEqualTo(Reason.BANNED);
        assertThat(check(moat, "message", "bob", "2001:db8:1:2::6").allowed()).isTrue();
    }

    @Test
    void anonymousIpv6OffendersAreScoredAndBannedByTheirPrefix() {
        Moat moat = moat(64);
        Moat.ViolationResult r = moat.reportViolation("logins", null, "2001:db8:7:7::1", 20.0, null);
        assertThat(r.violation().subject()).isEqualTo("cidr:2001:db8:7:7::/64");
        assertThat(r.ban().subject()).isEqualTo("cidr:2001:db8:7:7::/64");
        assertThat(check(moat, "login", null, "2001:db8:7:7:abcd::9").reason()).isEqualTo(Reason.BANNED);
    }

    @Test
    void ipv4MappedIpv6InputHitsTheIpv4Ban() {
        Moat moat = moat(64);
        moat.ban("ip:203.0.113.9", HOUR, null, "ops");
        assertThat(check(moat, "login", null, "::ffff:203.0.113.9").reason()).isEqualTo(Reason.BANNED);
        assertThat(check(moat, "login", null, "[::ffff:203.0.113.9]:443").reason()).isEqualTo(Reason.BANNED);
        assertThat(check(moat, "login", null, "::ffff:cb00:7109").reason()).isEqualTo(Reason.BANNED);

        moat.ban("cidr:198.51.100.0/24", HOUR, null, "ops");
        assertThat(check(moat, "login", null, "::ffff:198.51.100.200").reason()).isEqualTo(Reason.BANNED);
    }

    @Test
    void aManualBanGivenInAnyTextualFormIsStoredCanonically() {
        Moat moat = moat(64);
        assertThat(moat.ban("ip:::ffff:198.51.100.1", HOUR, null, "ops").subject()).isEqualTo("ip:198.51.100.1");
        assertThat(moat.ban("ip:2001:DB8:0:0::1", HOUR, null, "ops").subject()).isEqualTo("ip:2001:db8::1");
        assertThat(check(moat, "login", null, "2001:db8::1").reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.unban("ip:2001:db8:0::1", "ops", null)).isTrue();
        assertThat(check(moat, "login", null, "2001:db8::1").allowed()).isTrue();
    }

    @Test
    void liftingACidrBanLetsTheRangeBackIn() {
        Moat moat = moat(64);
        moat.ban("cidr:2001:db8:abcd::/48", HOUR, null, "ops");
        assertThat(check(moat, "login", null, "2001:db8:abcd:1::1").reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.unban("cidr:2001:db8:abcd::/48", "ops", "range cleaned up")).isTrue();
        assertThat(check(moat, "login", null, "2001:db8:abcd:1::1").allowed()).isTrue();
    }
}
