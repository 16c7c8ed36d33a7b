package dev.moat.server.gateway;

import dev.moat.core.policy.By;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With blocking stores (SQLite, the embedded default's durable state, or Redis) engine calls run
 * on the worker pool. Frames must still reach the upstream in the order sent, and a kick decided
 * while a frame's decision is in flight must not overtake that frame's own answer.
 */
class OffloadedDecisionsTest extends GatewayHarness {

    @Test
    void framesKeepTheirOrderWhileDecisionsRunOnWorkers() throws Exception {
        start(BASE, policy(limit("ws_message", 1000, By.USER)), false);
        try (WsClient c = user("olga", "203.0.113.1")) {
            for (int i = 0; i < 60; i++) {
                c.send("{\"type\":\"echo\",\"n\":" + i + "}");
            }
            List<Integer> got = new ArrayList<>();
            while (got.size() < 60) {
                String f = c.nextContaining("\"n\":");
                got.add(Integer.parseInt(f.replaceAll(".*\"n\":(\\d+).*", "$1")));
            }
            assertThat(got).isSorted().hasSize(60);
        }
    }

    @Test
    void kickThenBanWorkOffTheEventLoop() throws Exception {
        start(BASE, LinkSpamKickBanTest.linkSpam(), false);
        String link = "https://offload-spam.example/";
        try (WsClient r1 = user("q1", "203.0.113.11"); WsClient r2 = user("q2", "203.0.113.12")) {
            WsClient s = user("quentin", "203.0.113.10");
            s.send(dm("q1", link));
            s.send(dm("q2", link));
            s.send(dm("q3", link));
            assertThat(s.nextContaining("\"type\":\"error\"")).contains("link_spam");
            WsClient.Close kick = s.awaitClose();
            assertThat(kick.code()).isEqualTo(4008);
            assertThat(kick.reason()).contains("same link");
            s.close();
            WsClient again = user("quentin", "203.0.113.10");
            again.send(dm("q4", link));
            assertThat(again.awaitClose().code()).isEqualTo(4003);
            again.close();
        }
        assertThat(refused("/ws", as(Tokens.hs256("quentin"), "203.0.113.13")).status()).isEqualTo(403);
    }

    @Test
    void handshakeRefusalsWorkOffTheEventLoop() throws Exception {
        start(BASE, policy(limit("ws_connect", 1, By.IP)), false);
        user("r", "203.0.113.20").close();
        assertThat(refused("/ws", as(Tokens.hs256("r"), "203.0.113.20")).status()).isEqualTo(429);
        assertThat(refused("/ws", as(Tokens.none("r"), "203.0.113.21")).status()).isEqualTo(401);
    }
}
