package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The ban book and violation history over HTTP: add, list, filter, lift (percent-encoded), report, reset. */
class BanAndViolationEndpointsTest {
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
    void aManualBanIs201AndRefusesTheUserUntilLifted() {
        TestServer.Res r = s.post("/v1/bans", "{\"subject\":\"user:mallory\",\"duration\":\"2h\",\"reason\":\"spam wave\"}");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.header("Location")).isEqualTo("/v1/bans/user%3Amallory");
        JsonNode ban = r.json();
        assertThat(ban.get("subject").asText()).isEqualTo("user:mallory");
        assertThat(ban.get("source").asText()).isEqualTo("manual");
        assertThat(ban.get("reason").asText()).isEqualTo("spam wave");
        assertThat(ban.get("actor").asText()).isEqualTo("anonymous");
        Duration d = Duration.between(Instant.parse(ban.get("created_at").asText()), Instant.parse(ban.get("expires_at").asText()));
        assertThat(d).isEqualTo(Duration.ofHours(2));

        JsonNode check = s.post("/v1/check", "{\"action\":\"message\",\"user\":\"mallory\"}").json();
        assertThat(check.get("verdict").asText()).isEqualTo("deny");
        assertThat(check.get("reason").asText()).isEqualTo("banned");
        assertThat(check.get("retry_after_ms").asLong()).isBetween(7_000_000L, 7_200_000L);
        assertThat(check.get("ban").get("subject").asText()).isEqualTo("user:mallory");

        assertThat(s.call("DELETE", "/v1/bans/user%3Amallory", null, null).status()).isEqualTo(204);
        assertThat(s.post("/v1/check", "{\"action\":\"message\",\"user\":\"mallory\"}").json().get("allowed").asBoolean())
                .isTrue();
        TestServer.Res again = s.call("DELETE", "/v1/bans/user%3Amallory", null, null);
        assertThat(again.status()).isEqualTo(404);
        assertThat(again.contentType()).isEqualTo("application/problem+json");
    }

    @Test
    void aCidrBanCoversEveryAddressInsideAndIsLiftedByItsEncodedSubject() {
        assertThat(s.post("/v1/bans", "{\"subject\":\"cidr:203.0.113.0/24\",\"duration_ms\":60000}").status()).isEqualTo(201);
        JsonNode check = s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"203.0.113.77\"}").json();
        assertThat(check.get("reason").asText()).isEqualTo("banned");
        assertThat(s.call("DELETE", "/v1/bans/cidr%3A203.0.113.0%2F24", null, null).status()).isEqualTo(204);
        assertThat(s.post("/v1/check", "{\"action\":\"login\",\"ip\":\"203.0.113.77\"}").json().get("allowed").asBoolean())
                .isTrue();
    }

    @Test
    void listingFiltersBySubjectAndSourceAndPages() {
        for (int i = 0; i < 3; i++) {
            s.post("/v1/bans", "{\"subject\":\"user:list-" + i + "\",\"duration\":\"1h\"}");
        }
        JsonNode all = s.get("/v1/bans?subject=list-&limit=2").json();
        assertThat(all.get("bans")).hasSize(2);
        assertThat(all.get("next").isTextual()).isTrue();
        JsonNode rest = s.get("/v1/bans?subject=list-&limit=2&cursor=" + all.get("next").asText()).json();
        assertThat(rest.get("bans")).hasSize(1);
        assertThat(rest.get("next").isNull()).isTrue();
        assertThat(s.get("/v1/bans?source=auto&subject=list-").json().get("bans")).isEmpty();
        assertThat(s.get("/v1/bans?source=manual&subject=list-").json().get("bans")).hasSize(3);
        JsonNode b = all.get("bans").get(0);
        assertThat(b.fieldNames()).toIterable().contains("subject", "reason", "type", "source", "created_at",
                "expires_at", "violation_count");
    }

    @Test
    void badBanRequestsAre400s() {
        CheckEndpointTest.assertField(s.post("/v1/bans", "{\"duration\":\"1h\"}"), "subject", "required");
        CheckEndpointTest.assertField(s.post("/v1/bans", "{\"subject\":\"nobody\",\"duration\":\"1h\"}"), "subject", "");
        CheckEndpointTest.assertField(s.post("/v1/bans", "{\"subject\":\"user:x\",\"duration\":\"2 fortnights\"}"),
                "duration", "");
        CheckEndpointTest.assertField(s.post("/v1/bans", "{\"subject\":\"user:x\",\"duration_ms\":-5}"), "duration_ms", "");
        CheckEndpointTest.assertField(s.get("/v1/bans?source=robot"), "source", "auto or manual");
        CheckEndpointTest.assertField(s.get("/v1/bans?limit=0"), "limit", "");
    }

    @Test
    void reportedViolationsAddUpAndStartABanAtTheInterval() {
        JsonNode v = s.post("/v1/violations", "{\"type\":\"spam\",\"user\":\"eve\",\"ip\":\"192.0.2.50\",\"score\":5}").json();
        assertThat(v.get("type").asText()).isEqualTo("spam");
        assertThat(v.get("score").asLong()).isEqualTo(5);
        assertThat(v.get("total").asLong()).isEqualTo(5);
        assertThat(v.has("ban")).isFalse();
        JsonNode banned = s.post("/v1/violations", "{\"type\":\"spam\",\"user\":\"eve\",\"ip\":\"192.0.2.50\",\"score\":15}")
                .json();
        assertThat(banned.get("total").asLong()).isEqualTo(20);
        assertThat(banned.get("ban").get("subject").asText()).isEqualTo("user:eve");
        assertThat(banned.get("ban").get("source").asText()).isEqualTo("auto");
        assertThat(s.get("/v1/bans?subject=192.0.2.50").json().get("bans")).hasSize(1);

        JsonNode h = s.get("/v1/violations/user%3Aeve").json();
        assertThat(h.get("subject").asText()).isEqualTo("user:eve");
        assertThat(h.get("scores").get("spam").asLong()).isEqualTo(20);
        assertThat(h.get("log").get(0).get("at").asText()).endsWith("Z");
        assertThat(h.get("log")).anySatisfy(e -> assertThat(e.get("ban").asBoolean()).isTrue());

        assertThat(s.call("DELETE", "/v1/violations/user%3Aeve?reason=appeal", null, null).status()).isEqualTo(204);
        JsonNode after = s.get("/v1/violations/user%3Aeve").json();
        assertThat(after.get("scores").size()).isZero();
        JsonNode reset = after.get("log").get(0);
        assertThat(reset.get("kind").asText()).isEqualTo("reset");
        assertThat(reset.get("actor").asText()).isEqualTo("anonymous");
        assertThat(reset.get("detail").asText()).isEqualTo("appeal");
    }

    @Test
    void theHistoryOfASubjectWithNoneIsEmpty() {
        TestServer.Res r = s.get("/v1/violations/user%3Anobody-ever");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().get("scores").size()).isZero();
        assertThat(r.json().get("log")).isEmpty();
        assertThat(r.json().get("next").isNull()).isTrue();
    }

    @Test
    void aViolationWithoutUserIsScoredOnTheIp() {
        JsonNode v = s.post("/v1/violations", "{\"type\":\"logins\",\"ip\":\"192.0.2.51\"}").json();
        assertThat(v.get("score").asLong()).isEqualTo(1);
        assertThat(v.get("subject").asText()).isEqualTo("ip:192.0.2.51");
    }

    @Test
    void badViolationReportsAre400s() {
        CheckEndpointTest.assertField(s.post("/v1/violations", "{\"user\":\"x\"}"), "type", "required");
        CheckEndpointTest.assertField(s.post("/v1/violations", "{\"type\":\"spam\"}"), "user", "at least one");
        CheckEndpointTest.assertField(s.post("/v1/violations", "{\"type\":\"spam\",\"user\":\"x\",\"score\":-1}"), "score", "");
        CheckEndpointTest.assertField(s.post("/v1/violations", "{\"type\":\"spam\",\"ip\":\"nope\"}"), "ip", "");
        CheckEndpointTest.assertField(s.get("/v1/violations/nobody"), "subject", "");
    }
}
