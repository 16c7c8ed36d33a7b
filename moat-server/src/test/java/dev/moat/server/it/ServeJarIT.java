package dev.moat.server.it;

import dev.moat.server.JarHttp;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static dev.moat.server.it.JarServer.ADMIN_KEY;
import static dev.moat.server.it.JarServer.CLIENT_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end: the built jar as a separate process with a moat.yaml (API keys, one through ${VAR}),
 * driven over HTTP: every endpoint's happy path, each documented error, both roles, reload with a
 * valid and an invalid file, and SIGHUP.
 */
class ServeJarIT {
    static JarServer s;

    @BeforeAll
    static void start() {
        s = JarServer.create();
        s.writeConfig(s.standardYaml(null));
        Duration took = s.start();
        System.out.println("moat serve answered /healthz after " + took.toMillis() + " ms");
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            assertThat(s.stop()).as("exit code after SIGTERM").isIn(0, 143);
            assertThat(s.stderr()).contains("\"event\":\"stopped\"");
        }
    }

    static void assertProblem(JarHttp.Answer r, int status) {
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().get("status").asInt()).isEqualTo(status);
        assertThat(r.json().has("type")).isTrue();
        assertThat(r.json().has("title")).isTrue();
        assertThat(r.json().has("detail")).isTrue();
    }

    static void assertField(JarHttp.Answer r, String field) {
        assertProblem(r, 400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo(field);
        assertThat(r.json().get("detail").asText()).contains(field);
    }

    @Test
    void eightLoginsFromOneIpInFiveMinutesGiveARefusalWithRetryAfterAndALoginsViolation() {
        String body = "{\"action\":\"login\",\"ip\":\"203.0.113.7\",\"email\":\"alice@example.org\"}";
        for (int i = 1; i <= 7; i++) {
            JarHttp.Answer r = s.client("POST", "/v1/check", body);
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.json().get("allowed").asBoolean()).as("login %d", i).isTrue();
        }
        JarHttp.Answer r = s.client("POST", "/v1/check", body);
        assertThat(r.status()).isEqualTo(200);
        JsonNode d = r.json();
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("verdict").asText()).isEqualTo("deny");
        assertThat(d.get("reason").asText()).isEqualTo("rate_limited");
        assertThat(d.get("retry_after_ms").asLong()).isPositive();
        assertThat(d.get("violation").get("type").asText()).isEqualTo("logins");
        assertThat(d.get("limit").get("id").asText()).isEqualTo("client.target.login");
        assertThat(r.header("Retry-After")).isNotNull();
        assertThat(r.header("RateLimit-Policy")).isEqualTo("\"client.target.login\";q=7;w=300");
        assertThat(r.header("RateLimit")).startsWith("\"client.target.login\";r=0;t=");
        JsonNode history = s.admin("GET", "/v1/violations/ip%3A203.0.113.7", null).json();
        assertThat(history.get("scores").get("logins").asLong()).isEqualTo(1);
        assertThat(s.stderr()).contains("\"event\":\"decision\"").contains("\"reason\":\"rate_limited\"")
                .doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY).doesNotContain("alice@example.org");
    }

    @Test
    void concurrencyLeasesTokensAndReportedViolationsWork() {
        JsonNode lease = s.client("POST", "/v1/concurrency/acquire", "{\"action\":\"message\",\"user\":\"it-c\"}").json();
        assertThat(lease.get("allowed").asBoolean()).isTrue();
        assertThat(s.client("POST", "/v1/concurrency/release", "{\"lease\":\"" + lease.get("lease").asText() + "\"}")
                .status()).isEqualTo(204);
        assertThat(s.client("POST", "/v1/tokens/revoke", "{\"jti\":\"it-jti\",\"expires_at\":\"2099-01-01T00:00:00Z\"}")
                .status()).isEqualTo(204);
        assertThat(s.client("POST", "/v1/tokens/revoke", "{\"user\":\"it-u\",\"before\":\"2030-01-01T00:00:00Z\"}")
                .status()).isEqualTo(204);
        assertThat(s.client("POST", "/v1/tokens/status", "{\"jti\":\"it-jti\"}").json().get("revoked").asBoolean()).isTrue();
        assertThat(s.client("POST", "/v1/tokens/status", "{\"user\":\"it-u\",\"issued_at\":\"2029-01-01T00:00:00Z\"}")
                .json().get("revoked").asBoolean()).isTrue();
        JsonNode v = s.client("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"it-v\",\"ip\":\"192.0.2.77\",\"score\":20}")
                .json();
        assertThat(v.get("total").asLong()).isEqualTo(20);
        assertThat(v.get("ban").get("subject").asText()).isEqualTo("user:it-v");
        JsonNode refused = s.client("POST", "/v1/check", "{\"action\":\"message\",\"user\":\"it-v\"}").json();
        assertThat(refused.get("reason").asText()).isEqualTo("banned");
        assertThat(refused.get("retry_after_ms").asLong()).isPositive();
        assertThat(s.stderr()).contains("[BAN] user:it-v");
    }

    @Test
    void bansAndHistoryAreManagedByAdmins() {
        JarHttp.Answer add = s.admin("POST", "/v1/bans", "{\"subject\":\"cidr:2001:db8::/64\",\"duration\":\"2h\",\"reason\":\"it\"}");
        assertThat(add.status()).isEqualTo(201);
        assertThat(add.json().get("actor").asText()).isEqualTo("ops");
        assertThat(Duration.between(Instant.parse(add.json().get("created_at").asText()),
                Instant.parse(add.json().get("expires_at").asText()))).isEqualTo(Duration.ofHours(2));
        assertThat(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"[2001:db8::99]:443\"}").json()
                .get("reason").asText()).isEqualTo("banned");
        JsonNode list = s.admin("GET", "/v1/bans?source=manual&subject=2001", null).json();
        assertThat(list.get("bans").get(0).get("subject").asText()).isEqualTo("cidr:2001:db8::/64");
        assertThat(s.admin("DELETE", "/v1/bans/cidr%3A2001%3Adb8%3A%3A%2F64", null).status()).isEqualTo(204);
        assertProblem(s.admin("DELETE", "/v1/bans/cidr%3A2001%3Adb8%3A%3A%2F64", null), 404);
        s.client("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"it-h\"}");
        assertThat(s.admin("GET", "/v1/violations/user%3Ait-h", null).json().get("scores").get("spam").asLong()).isEqualTo(1);
        assertThat(s.admin("DELETE", "/v1/violations/user%3Ait-h", null).status()).isEqualTo(204);
        JsonNode after = s.admin("GET", "/v1/violations/user%3Ait-h", null).json();
        assertThat(after.get("log").get(0).get("kind").asText()).isEqualTo("reset");
        assertThat(after.get("log").get(0).get("actor").asText()).isEqualTo("ops");
    }

    @Test
    void eachDocumentedErrorHasItsStatus() {
        assertField(s.client("POST", "/v1/check", "{\"action\": \"login\""), "body");
        assertField(s.client("POST", "/v1/check", "{\"ip\":\"1.2.3.4\"}"), "action");
        assertField(s.client("POST", "/v1/check", "{\"action\":\"teleport\",\"ip\":\"1.2.3.4\"}"), "action");
        assertField(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"300.1.1.1\"}"), "ip");
        assertField(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":-2}"), "cost");
        assertField(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":true}"), "ip");
        assertField(s.admin("POST", "/v1/bans", "{\"subject\":\"bogus\"}"), "subject");
        assertField(s.client("POST", "/v1/check",
                "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"x\":" + "[".repeat(64) + "]".repeat(64) + "}"), "body");
        assertProblem(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"pad\":\""
                + "x".repeat(5000) + "\"}"), 413);
        assertProblem(s.call("POST", "/v1/check", "{}", null), 401);
        assertProblem(s.call("POST", "/v1/check", "{}", "not-a-valid-key-xxxxxxxx"), 401);
        assertProblem(s.client("GET", "/v1/bans", null), 403);
        assertProblem(s.client("POST", "/v1/config/reload", null), 403);
        assertProblem(s.admin("GET", "/v1/nope", null), 404);
        assertProblem(s.admin("GET", "/v1/check", null), 405);
        assertProblem(s.admin("PATCH", "/v1/bans", "{}"), 405);
    }

    @Test
    void operationsEndpointsAnswerWithoutAKey() {
        JarHttp.Answer h = s.call("GET", "/healthz", null, null);
        assertThat(h.status()).isEqualTo(200);
        assertThat(h.json().get("status").asText()).isEqualTo("ok");
        assertThat(h.json().get("store").asText()).isEqualTo("memory");
        assertThat(h.json().get("state_store").asText()).isEqualTo("sqlite");
        assertThat(h.json().has("bans_active")).isTrue();
        s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.200\"}");
        JarHttp.Answer m = s.call("GET", "/metrics", null, null);
        assertThat(m.status()).isEqualTo(200);
        assertThat(m.body()).contains("moat_decisions_total").contains("moat_bans_active")
                .contains("moat_store_latency_seconds");
        JarHttp.Answer o = s.call("GET", "/openapi.json", null, null);
        assertThat(o.json().get("paths").has("/v1/check")).isTrue();
        JarHttp.Answer c = s.admin("GET", "/v1/config", null);
        assertThat(c.status()).isEqualTo(200);
        assertThat(c.body()).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY);
    }

    @Test
    void reloadTakesAValidFileRefusesAnInvalidOneAndSighupReloadsToo() {
        JsonNode before = s.admin("GET", "/v1/config", null).json();
        String v1 = before.get("version").asText();

        // a valid change: login max 7 -> 3, over HTTP
        s.writeConfig(s.standardYaml("""
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: 3, per: 5m, by: ip}
                """));
        JarHttp.Answer ok = s.admin("POST", "/v1/config/reload", null);
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        String v2 = ok.json().get("version").asText();
        assertThat(v2).isNotEqualTo(v1);
        assertThat(s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.123\"}").json()
                .get("limits").get(0).get("max").asLong()).isEqualTo(3);

        // an invalid file: 400 with every error, nothing changes
        s.writeConfig(s.standardYaml("""
                rate_limits:
                  client:
                    target:
                      login: {max: 0, per: soon, by: ip}
                bans:
                  interval: -1
                """));
        JarHttp.Answer bad = s.admin("POST", "/v1/config/reload", null);
        assertProblem(bad, 400);
        assertThat(bad.json().get("errors").size()).isGreaterThanOrEqualTo(2);
        assertThat(bad.json().get("errors").toString()).contains("line");
        assertThat(bad.json().get("errors")).anySatisfy(e -> assertThat(e.get("field").asText()).startsWith("bans.interval"));
        assertThat(s.admin("GET", "/v1/config", null).json().get("version").asText()).isEqualTo(v2);

        // SIGHUP re-reads the same file: a listener change is reported as needing a restart
        s.writeConfig(s.standardYaml("""
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: 5, per: 5m, by: ip}
                """));
        s.signal("HUP");
        long deadline = System.currentTimeMillis() + 10_000;
        long max = 0;
        while (System.currentTimeMillis() < deadline) {
            max = s.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.124\",\"dry_run\":true}").json()
                    .get("limits").get(0).get("max").asLong();
            if (max == 5) {
                break;
            }
            JarServer.sleep(50);
        }
        assertThat(max).as("login max after SIGHUP").isEqualTo(5);
        assertThat(s.stderr()).contains("\"event\":\"sighup\"");

        s.writeConfig(s.standardYaml(null).replace("listen: 127.0.0.1:" + s.port, "listen: 127.0.0.1:" + JarServer.freePort()));
        JarHttp.Answer moved = s.admin("POST", "/v1/config/reload", null);
        assertThat(moved.status()).isEqualTo(200);
        assertThat(moved.json().get("restart_required").toString()).contains("server.listen");
        assertThat(s.call("GET", "/healthz", null, null).status()).isEqualTo(200);
        s.writeConfig(s.standardYaml(null));
        assertThat(s.admin("POST", "/v1/config/reload", null).status()).isEqualTo(200);
    }
}
