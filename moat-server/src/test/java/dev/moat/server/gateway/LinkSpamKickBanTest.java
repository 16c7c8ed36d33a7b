package dev.moat.server.gateway;

import dev.moat.core.CheckRequest;
import dev.moat.core.Verdict;
import dev.moat.core.content.LinkSpamPolicy;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * BareRTC's rule through the gateway: the same link by DM to too many people kicks (close 4008,
 * the user may come back), doing it again bans (close 4003, the next handshake is refused).
 */
class LinkSpamKickBanTest extends GatewayHarness {

    static MoatPolicy linkSpam() {
        return policy(Map.of()).withLinkSpam(new LinkSpamPolicy(true, 2, 3_600_000, 3_600_000));
    }

    @Test
    void theSameLinkToTooManyPeopleKicksThenBans() throws Exception {
        start(BASE, linkSpam());
        String link = "https://spam.example/win";
        try (WsClient r1 = user("r1", "203.0.113.31"); WsClient r2 = user("r2", "203.0.113.32");
             WsClient r3 = user("r3", "203.0.113.33")) {
            WsClient spammer = user("spammer", "203.0.113.30");
            spammer.send(dm("r1", "look " + link));
            r1.nextContaining(link);
            spammer.send(dm("r2", "look " + link));
            r2.nextContaining(link);
            spammer.send(dm("r3", "look " + link));
            String err = spammer.nextContaining("\"type\":\"error\"");
            assertThat(err).contains("\"reason\":\"link_spam\"");
            WsClient.Close kick = spammer.awaitClose();
            assertThat(kick.code()).isEqualTo(4008);
            assertThat(kick.reason()).contains("same link");
            spammer.close();
            r3.roundTrip("r3-got-nothing");
            assertThat(r3.frames).noneMatch(f -> f.contains(link));

            // a kick is not a ban: the spammer may come back
            WsClient again = user("spammer", "203.0.113.30");
            again.send(dm("r3", "still " + link));
            assertThat(again.nextContaining("\"type\":\"error\"")).contains("link_spam").contains("banned");
            WsClient.Close ban = again.awaitClose();
            assertThat(ban.code()).isEqualTo(4003);
            again.close();
        }
        assertThat(moat.banOf("user:spammer")).isNotNull();
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("spammer"), "203.0.113.99"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("\"reason\":\"banned\"");
        assertThat(upstream.framesFrom("spammer")).noneMatch(f -> f.contains("\"to\":\"r3\""));
    }

    @Test
    void aKickDecidedThroughTheApiClosesTheUsersSocketsToo() throws Exception {
        start(BASE, linkSpam());
        try (WsClient c = user("paula", "203.0.113.40"); WsClient d = user("paula", "203.0.113.41")) {
            Verdict last = null;
            for (String to : new String[] {"x1", "x2", "x3"}) {
                last = moat.check(CheckRequest.builder("message").user("paula").ip("203.0.113.40")
                        .dm(to, "https://api-spam.example/").build()).verdict();
            }
            assertThat(last).isEqualTo(Verdict.KICK);
            assertThat(c.awaitClose().code()).isEqualTo(4008);
            assertThat(d.awaitClose().code()).isEqualTo(4008);
            assertThat(c.frames).anyMatch(f -> f.contains("\"reason\":\"link_spam\""));
        }
    }
}
