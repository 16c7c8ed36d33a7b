package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /v1/config/reload and GET /v1/config: a valid config is swapped in keeping counters and bans; an invalid one changes nothing. */
class ConfigReloadTest {
    TestServer s;

    @BeforeEach
    void start() throws Exception {
        s = TestServer.open();
    }

    @AfterEach
    void stop() {
        s.close();
    }

    MoatConfig withLoginMax(int max, String version, int port) {
        RealmLimits client = new RealmLimits(Map.of("login", List.of(LimitConfig.of(LimitSpec.gcra(max, 300_000), By.IP))),
                Map.of(), Map.of());
        MoatPolicy p = MoatPolicy.defaults().withRateLimits(RateLimits.fromPreset("none", client, null, List.of()));
        return new MoatConfig(new ServerSettings("127.0.0.1", port, List.of(), List.of(), 64 * 1024, false),
                s.server.config().current().store(), p,
                null, null, version);
    }

    @Test
    void aValidConfigIsLiveAndCountersAndBansSurvive() {
        s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.1\"}");
        s.post("/v1/bans", "{\"subject\":\"user:kept\",\"duration\":\"1h\"}");
        s.nextConfig.set(withLoginMax(3, "v2", 0));
        TestServer.Res r = s.post("/v1/config/reload", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("version").asText()).isEqualTo("v2");
        assertThat(r.json().get("restart_required")).isEmpty();
        JsonNode d = s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.1\"}").json();
        assertThat(d.get("limits").get(0).get("max").asLong()).isEqualTo(3);
        assertThat(d.get("limits").get(0).get("remaining").asLong()).isEqualTo(1);
        assertThat(s.post("/v1/check", "{\"action\":\"message\",\"user\":\"kept\"}").json().get("reason").asText())
                .isEqualTo("banned");
        assertThat(s.get("/v1/config").json().get("version").asText()).isEqualTo("v2");
        assertThat(s.get("/healthz").json().get("config_version").asText()).isEqualTo("v2");
    }

    @Test
    void anInvalidConfigIsA400WithEveryErrorAndChangesNothing() {
        s.nextConfig.set(new ConfigException(List.of(
                new ConfigError("rate_limits.client.target.login.max", 7, "must be at least 1, was 0"),
                new ConfigError("bans.duration", 12, "not a duration: 'soon'"))));
        TestServer.Res r = s.post("/v1/config/reload", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().get("errors")).hasSize(2);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("rate_limits.client.target.login.max");
        assertThat(r.json().get("errors").get(0).get("message").asText()).contains("line 7").contains("at least 1");
        assertThat(r.json().get("errors").get(1).get("field").asText()).isEqualTo("bans.duration");
        assertThat(s.get("/v1/config").json().get("version").asText()).isEqualTo("test-1");
        assertThat(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.2\"}").json().get("limits").get(0)
                .get("max").asLong()).isEqualTo(7);
    }

    @Test
    void aListenerChangeIsReportedAsNeedingARestart() {
        s.nextConfig.set(withLoginMax(7, "v3", 9999));
        TestServer.Res r = s.post("/v1/config/reload", null);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("restart_required").get(0).asText()).isEqualTo("server.listen");
        assertThat(r.json().get("message").asText()).contains("restart");
        assertThat(s.get("/v1/config").json().get("server").get("listen").asText())
                .isEqualTo("127.0.0.1:0");
        assertThat(s.get("/healthz").status()).isEqualTo(200);
    }

    @Test
    void theEffectiveConfigIsInTheFilesShape() {
        JsonNode c = s.get("/v1/config").json();
        assertThat(c.get("rate_limits").get("preset").asText()).isEqualTo("none");
        assertThat(c.get("rate_limits").get("client").get("target").get("login").get(0).get("max").asLong()).isEqualTo(7);
        assertThat(c.get("rate_limits").get("client").get("target").get("login").get(0).get("per").asText()).isEqualTo("5m");
        assertThat(c.get("bans").get("duration").asText()).isEqualTo("2h");
        assertThat(c.get("server").get("max_body").asText()).isEqualTo("64KB");
        assertThat(c.get("store").get("type").asText()).isEqualTo("memory");
    }
}
