package dev.moat.server;

import dev.moat.server.config.ApiKey;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /v1/noop, the benchmarking aid: absent unless server.bench_noop_endpoint is true, and when
 * present it goes through the same auth and body limit as /v1/check but decides nothing.
 */
class NoopEndpointTest {

    static MoatConfig config(List<ApiKey> keys, boolean noop) {
        MoatConfig base = TestServer.config(keys, TestServer.policy(), 1024);
        return new MoatConfig(new ServerSettings("127.0.0.1", 0, keys, List.of(), 1024, false, noop),
                base.store(), base.policy(), null, null, "test-noop");
    }

    @Test
    void offByDefaultTheRouteDoesNotExist() throws Exception {
        try (TestServer s = TestServer.open()) {
            TestServer.Res r = s.post("/v1/noop", "{\"action\":\"login\",\"ip\":\"192.0.2.1\"}");
            assertThat(r.status()).isEqualTo(404);
            assertThat(r.contentType()).startsWith("application/problem+json");
        }
    }

    @Test
    void onItAnswersAFixedBodyAndSpendsNothing() throws Exception {
        try (TestServer s = TestServer.of(config(List.of(), true))) {
            String login = "{\"action\":\"login\",\"ip\":\"192.0.2.7\"}";
            for (int i = 0; i < 10; i++) {   // more than the 7 logins the policy allows this address
                TestServer.Res r = s.post("/v1/noop", login);
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.contentType()).startsWith("application/json");
                assertThat(r.json().get("allowed").asBoolean()).isTrue();
                assertThat(r.json().get("noop").asBoolean()).isTrue();
                assertThat(r.header("RateLimit")).isNull();
            }
            // nothing was counted: the address still has its whole budget at /v1/check
            assertThat(s.post("/v1/check", login).json().get("limits").get(0).get("remaining").asLong()).isEqualTo(6);
            // the same body limit as every endpoint
            assertThat(s.post("/v1/noop", "{\"pad\":\"" + "x".repeat(2000) + "\"}").status()).isEqualTo(413);
            // and only POST
            assertThat(s.get("/v1/noop").status()).isEqualTo(405);
        }
    }

    @Test
    void aReloadCannotSwitchItAndSaysARestartIsNeeded() throws Exception {
        try (TestServer s = TestServer.open()) {
            s.nextConfig.set(config(List.of(), true));
            var result = s.server.config().reload();
            assertThat(result.ok()).isTrue();
            assertThat(result.restartRequired()).contains("server.bench_noop_endpoint");
            assertThat(s.server.config().current().server().benchNoopEndpoint()).isFalse();
            assertThat(s.post("/v1/noop", "{}").status()).isEqualTo(404);
        }
    }

    @Test
    void onItNeedsAClientKeyLikeCheck() throws Exception {
        try (TestServer s = TestServer.of(config(TestServer.keys(), true))) {
            assertThat(s.call("POST", "/v1/noop", "{}", null).status()).isEqualTo(401);
            assertThat(s.call("POST", "/v1/noop", "{}", "not-a-key-0123456789").status()).isEqualTo(401);
            assertThat(s.call("POST", "/v1/noop", "{}", TestServer.CLIENT_KEY).status()).isEqualTo(200);
        }
    }
}
