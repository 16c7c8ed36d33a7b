package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** /healthz and /metrics: health with the ban count; Prometheus counters for decisions, limits, violations and bans. */
class OpsEndpointsTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.open();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void healthSaysOkWithTheStoreAndActiveBans() {
        s.post("/v1/bans", "{\"subject\":\"user:health\",\"duration\":\"1h\"}");
        TestServer.Res r = s.get("/healthz");
        assertThat(r.status()).isEqualTo(200);
        JsonNode h = r.json();
        assertThat(h.get("status").asText()).isEqualTo("ok");
        assertThat(h.get("store").asText()).isEqualTo("memory");
        assertThat(h.get("bans_active").asInt()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void metricsCountDecisionsLimitsViolationsAndBans() {
        for (int i = 0; i < 8; i++) {
            s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.99\"}");
        }
        s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.98\",\"dry_run\":true}");
        s.post("/v1/bans", "{\"subject\":\"user:metrics\",\"duration\":\"1h\"}");
        TestServer.Res r = s.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("text/plain");
        String m = r.raw().body();
        assertThat(m).contains("moat_decisions_total{action=\"login\",reason=\"none\",verdict=\"allow\"} 7.0");
        assertThat(m).contains("moat_decisions_total{action=\"login\",reason=\"rate_limited\",verdict=\"deny\"} 1.0");
        assertThat(m).contains("moat_limits_over_total{limit=\"client.target.login\"} 1.0");
        assertThat(m).contains("moat_limits_near_total{limit=\"client.target.login\"} 1.0");
        assertThat(m).contains("moat_violations_total{type=\"logins\"} 1.0");
        assertThat(m).contains("moat_bans_started_total{source=\"manual\"}");
        assertThat(m).contains("moat_bans_active ");
        assertThat(m).contains("moat_store_latency_seconds_count{op=\"consume\",store=\"limits\"}");
    }
}
