package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /v1/check over real HTTP: decisions, the login scenario, the RateLimit fields, and bad input. */
class CheckEndpointTest {
    static TestServer s;
    static final AtomicInteger NEXT_IP = new AtomicInteger(1);

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.open();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static String freshIp() {
        int n = NEXT_IP.getAndIncrement();
        return "198.51." + (n / 250) + "." + (n % 250 + 1);
    }

    static String login(String ip) {
        return "{\"action\":\"login\",\"ip\":\"" + ip + "\"}";
    }

    @Test
    void allowedLoginReportsItsLimitAndTheRateLimitFields() {
        TestServer.Res r = s.post("/v1/check", login(freshIp()));
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.contentType()).startsWith("application/json");
        JsonNode d = r.json();
        assertThat(d.get("allowed").asBoolean()).isTrue();
        assertThat(d.get("verdict").asText()).isEqualTo("allow");
        assertThat(d.has("reason")).isFalse();
        JsonNode l = d.get("limits").get(0);
        assertThat(l.get("id").asText()).isEqualTo("client.target.login");
        assertThat(l.get("scope").asText()).isEqualTo("ip");
        assertThat(l.get("max").asLong()).isEqualTo(7);
        assertThat(l.get("window_ms").asLong()).isEqualTo(300_000);
        assertThat(l.get("remaining").asLong()).isEqualTo(6);
        assertThat(r.header("RateLimit-Policy")).isEqualTo("\"client.target.login\";q=7;w=300");
        assertThat(r.header("RateLimit")).startsWith("\"client.target.login\";r=6;t=");
        assertThat(r.header("Retry-After")).isNull();
    }

    @Test
    void theEighthLoginFromOneIpIsRefusedWithRetryAfterAndALoginsViolation() {
        String ip = freshIp();
        for (int i = 0; i < 7; i++) {
            assertThat(s.post("/v1/check", login(ip)).json().get("allowed").asBoolean()).as("login %d", i + 1).isTrue();
        }
        TestServer.Res r = s.post("/v1/check", login(ip));
        assertThat(r.status()).isEqualTo(200);
        JsonNode d = r.json();
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("verdict").asText()).isEqualTo("deny");
        assertThat(d.get("reason").asText()).isEqualTo("rate_limited");
        assertThat(d.get("message").asText()).isNotBlank();
        assertThat(d.get("retry_after_ms").asLong()).isBetween(1L, 300_000L);
        assertThat(d.get("limit").get("id").asText()).isEqualTo("client.target.login");
        assertThat(d.get("limit").get("key").asText()).isEqualTo("ip:" + ip);
        assertThat(d.get("limit").get("remaining").asLong()).isZero();
        assertThat(d.get("violation").get("type").asText()).isEqualTo("logins");
        assertThat(d.get("violation").get("score").asLong()).isEqualTo(1);
        assertThat(d.get("violation").get("total").asLong()).isEqualTo(1);
        long retrySeconds = (d.get("retry_after_ms").asLong() + 999) / 1000;
        assertThat(r.header("Retry-After")).isEqualTo(Long.toString(retrySeconds));
        assertThat(r.header("RateLimit")).isEqualTo("\"client.target.login\";r=0;t=" + retrySeconds);
    }

    @Test
    void refusalsMovedOffTheEventLoopAreCountedOnce() {
        // a refusal reaches the durable store, so it is retried on a worker (Offload): exactly once
        String ip = freshIp();
        for (int i = 0; i < 7; i++) {
            s.post("/v1/check", login(ip));
        }
        for (int n = 1; n <= 3; n++) {
            JsonNode d = s.post("/v1/check", login(ip)).json();
            assertThat(d.get("violation").get("total").asLong()).isEqualTo(n);
        }
        JsonNode h = s.get("/v1/violations/ip%3A" + ip).json();
        assertThat(h.get("scores").get("logins").asLong()).isEqualTo(3);
        assertThat(h.get("log")).hasSize(3);
    }

    @Test
    void aDryRunCountsNothing() {
        String ip = freshIp();
        for (int i = 0; i < 10; i++) {
            JsonNode d = s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"" + ip + "\",\"dry_run\":true}").json();
            assertThat(d.get("allowed").asBoolean()).isTrue();
            assertThat(d.get("limits").get(0).get("remaining").asLong()).isEqualTo(6);
        }
        assertThat(s.post("/v1/check", login(ip)).json().get("limits").get(0).get("remaining").asLong()).isEqualTo(6);
    }

    @Test
    void theAddressIsNormalisedPortAndMappedFormsIncluded() {
        String ip = freshIp();
        s.post("/v1/check", login(ip + ":5123"));
        JsonNode d = s.post("/v1/check", login("::ffff:" + ip)).json();
        assertThat(d.get("limits").get(0).get("remaining").asLong()).isEqualTo(5);
    }

    @Test
    void aKnownRestrictionWithoutLimitsIsAllowedWithNoLimits() {
        JsonNode d = s.post("/v1/check", "{\"action\":\"knock\",\"user\":\"@a:example.org\"}").json();
        assertThat(d.get("allowed").asBoolean()).isTrue();
        assertThat(d.get("limits")).isEmpty();
    }

    @Test
    void badInputIsA400NamingTheField() {
        assertField(s.post("/v1/check", "{\"ip\":\"1.2.3.4\"}"), "action", "required");
        assertField(s.post("/v1/check", "{\"action\":\"teleport\",\"ip\":\"1.2.3.4\"}"), "action", "unknown action");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.999\"}"), "ip", "");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":-1}"), "cost", "negative");
        assertField(s.post("/v1/check", "{\"action\":\"login\"}"), "user", "at least one");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"realm\":\"moon\"}"), "realm", "");
        assertField(s.post("/v1/check", "{\"action\":\"message\",\"user\":\"u\",\"message\":{\"kind\":\"shout\"}}"),
                "message.kind", "dm or public");
    }

    @Test
    void wrongJsonTypesAreA400NamingTheField() {
        assertField(s.post("/v1/check", "{\"action\":7,\"ip\":\"1.2.3.4\"}"), "action", "must be a string");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":[\"1.2.3.4\"]}"), "ip", "must be a string");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":\"3\"}"), "cost", "integer");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":1.5}"), "cost", "integer");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"dry_run\":\"yes\"}"), "dry_run", "true or false");
        assertField(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"message\":\"hi\"}"), "message", "object");
    }

    @Test
    void everyWrongFieldIsListed() {
        TestServer.Res r = s.post("/v1/check", "{\"action\":1,\"ip\":2,\"cost\":-3}");
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.json().get("errors")).extracting(e -> e.get("field").asText())
                .containsExactlyInAnyOrder("action", "ip", "cost");
    }

    static void assertField(TestServer.Res r, String field, String messagePart) {
        assertThat(r.status()).as(r.raw().body()).isEqualTo(400);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().get("status").asInt()).isEqualTo(400);
        assertThat(r.json().get("title").asText()).isEqualTo("Bad Request");
        assertThat(r.json().get("type").asText()).startsWith("urn:moat:problem:");
        assertThat(r.json().get("detail").asText()).contains(field);
        JsonNode e = r.json().get("errors").get(0);
        assertThat(e.get("field").asText()).isEqualTo(field);
        assertThat(e.get("message").asText()).containsIgnoringCase(messagePart);
    }
}
