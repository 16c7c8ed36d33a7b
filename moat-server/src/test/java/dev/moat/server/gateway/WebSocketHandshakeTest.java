package dev.moat.server.gateway;

import dev.moat.core.policy.By;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Who may open a WebSocket: tokens from each source, origins, bans of users and addresses, connection caps. */
class WebSocketHandshakeTest extends GatewayHarness {

    @Test
    void aValidTokenConnectsAndFramesFlowBothWaysWithTheClientAddressForwarded() throws Exception {
        start(BASE);
        try (WsClient alice = user("alice", "203.0.113.1"); WsClient bob = user("bob", "203.0.113.2")) {
            alice.send(dm("bob", "hello bob"));
            assertThat(bob.nextContaining("hello bob")).contains("\"from\":\"alice\"");
            assertThat(alice.nextContaining("sent")).contains("hello bob");
        }
        Map<String, String> h = upstream.handshakes.get(upstream.handshakes.size() - 1);
        assertThat(h.get("x-forwarded-for")).isEqualTo("203.0.113.2, 127.0.0.1");
        assertThat(h.get("x-real-ip")).isEqualTo("203.0.113.2");
        assertThat(h.get("authorization")).startsWith("Bearer ");
    }

    @Test
    void theTokenMayComeFromTheQueryOrACookie() throws Exception {
        start(BASE);
        try (WsClient q = ws("/ws?token=" + Tokens.hs256("carol"), as(null, "203.0.113.3"));
             WsClient c = ws("/ws", Map.of("Cookie", "theme=dark; token=" + Tokens.hs256("dave"), "X-Forwarded-For", "203.0.113.3"))) {
            assertThat(q.nextContaining("welcome")).contains("carol");
            c.nextContaining("welcome");
            c.roundTrip("cookie-ok");
        }
    }

    @Test
    void noTokenIsRefusedWith401AndScoresNothing() throws Exception {
        start(BASE);
        WsClient.Refused r = refused("/ws", as(null, "203.0.113.4"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("\"reason\":\"invalid_token\"").contains("token is required");
        assertThat(moat.history("ip:203.0.113.4", null, 10).scores()).doesNotContainKey("invalid_token");
        assertThat(upstream.handshakes.stream().noneMatch(h -> "203.0.113.4".equals(h.get("x-real-ip")))).isTrue();
    }

    @Test
    void onlyAllowedOriginsConnectAndNonBrowsersWithoutOriginPass() throws Exception {
        start(BASE + "  origins: [https://chat.example.org]\n");
        String token = Tokens.hs256("erin");
        Map<String, String> evil = as(token, "203.0.113.5");
        evil.put("Origin", "https://evil.example");
        WsClient.Refused r = refused("/ws", evil);
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("forbidden_origin");

        Map<String, String> good = as(token, "203.0.113.5");
        good.put("Origin", "https://CHAT.example.org:443");
        try (WsClient c = ws("/ws", good); WsClient noOrigin = ws("/ws", as(token, "203.0.113.5"))) {
            c.nextContaining("welcome");
            noOrigin.nextContaining("welcome");
        }
        Map<String, String> h = upstream.handshakes.get(upstream.handshakes.size() - 2);
        assertThat(h.get("origin")).isEqualTo("https://CHAT.example.org:443");
    }

    @Test
    void bannedUsersAndAddressesAreRefusedWithTheTimeLeft() throws Exception {
        start(BASE);
        moat.ban("user:mallory", 3_600_000, "spam", "test");
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("mallory"), "203.0.113.6"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("\"reason\":\"banned\"").contains("retry_after_ms");

        moat.ban("ip:198.51.100.7", 3_600_000, "abuse", "test");
        WsClient.Refused byIp = refused("/ws", as(Tokens.hs256("oscar"), "198.51.100.7"));
        assertThat(byIp.status()).isEqualTo(403);
        assertThat(byIp.body()).contains("\"reason\":\"banned\"");
        try (WsClient ok = user("oscar", "198.51.100.8")) {
            ok.roundTrip("other-address-fine");
        }
    }

    @Test
    void connectionsPerUserAreCappedAndASlotFreesOnClose() throws Exception {
        // each refused attempt scores a `concurrent` point: so the retries stay clear of a ban
        start(BASE + "  max_connections_per_user: 2\n", policy(Map.of(), 100_000));
        WsClient a = user("frank", "203.0.113.10");
        WsClient b = user("frank", "203.0.113.11");
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("frank"), "203.0.113.12"));
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.body()).contains("\"reason\":\"concurrency\"").contains("at most 2 per user");
        assertThat(moat.history("user:frank", null, 10).scores()).containsKey("concurrent");
        a.close();
        eventually(() -> WsClient.attempt(vertx, gateway.port(), "/ws", as(Tokens.hs256("frank"), "203.0.113.12"))
                instanceof WsClient c && close(c), "a slot frees after a close");
        b.close();
    }

    private static boolean close(WsClient c) {
        c.close();
        return true;
    }

    @Test
    void connectionsPerAddressAreCapped() throws Exception {
        start(BASE + "  max_connections_per_ip: 2\n");
        try (WsClient a = user("u1", "203.0.113.20"); WsClient b = user("u2", "203.0.113.20")) {
            WsClient.Refused r = refused("/ws", as(Tokens.hs256("u3"), "203.0.113.20"));
            assertThat(r.status()).isEqualTo(429);
            assertThat(r.body()).contains("from your address");
            try (WsClient other = user("u3", "203.0.113.21")) {
                other.roundTrip("other-ip");
            }
        }
    }

    @Test
    void theConnectRateIsMoatsWsConnectLimit() throws Exception {
        start(BASE, policy(limit("ws_connect", 2, By.IP)));
        user("g1", "203.0.113.30").close();
        user("g2", "203.0.113.30").close();
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("g3"), "203.0.113.30"));
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.body()).contains("\"reason\":\"rate_limited\"").contains("retry_after_ms");
    }

    @Test
    void anUpstreamRefusalReachesTheClientWithItsStatus() throws Exception {
        start(BASE);
        assertThat(refused("/refuse", as(Tokens.hs256("zed"), "203.0.113.40")).status()).isEqualTo(403);
        assertThat(gateway.stats().openConnections()).isZero();
    }

    @Test
    void anUnreachableUpstreamIs502ForHandshakesAndRequests() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        start(BASE.replace("upstream: ${UPSTREAM}", "upstream: http://127.0.0.1:" + closedPort));
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("zed"), "203.0.113.41"));
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.body()).contains("upstream_unavailable");
        var http = vertx.createHttpClient();
        try {
            int status = http.request(io.vertx.core.http.HttpMethod.GET, gateway.port(), "127.0.0.1", "/api/x")
                    .compose(req -> req.send()).map(io.vertx.core.http.HttpClientResponse::statusCode)
                    .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(status).isEqualTo(502);
        } finally {
            http.close();
        }
    }
}
