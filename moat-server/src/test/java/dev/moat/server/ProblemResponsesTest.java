package dev.moat.server;

import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Every failure is application/problem+json with the right status; bad input is never a 500. */
class ProblemResponsesTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.of(TestServer.config(List.of(), TestServer.policy(), 1024));
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    static void assertProblem(TestServer.Res r, int status) {
        assertThat(r.status()).as(r.raw().body()).isEqualTo(status);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.json().get("status").asInt()).isEqualTo(status);
        assertThat(r.json().get("type").asText()).startsWith("urn:moat:problem:");
        assertThat(r.json().get("title").asText()).isNotBlank();
        assertThat(r.json().get("detail").asText()).isNotBlank();
    }

    @Test
    void aNumberTooLargeForAnyTypeIsA400NamingTheBodyNotA500() {
        // found by fuzzing: Jackson refuses such an exponent with a NumberFormatException, not a parse error
        TestServer.Res r = s.post("/v1/check",
                "{\"action\":\"media_upload\",\"user\":\"u8\",\"cost\":12112222222222222222222E222222627776}");
        assertProblem(r, 400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("body");
        assertThat(r.json().get("detail").asText()).contains("number out of range");
    }

    @Test
    void malformedJsonIsA400NamingTheBody() {
        TestServer.Res r = s.post("/v1/check", "{\"action\": \"login\", ");
        assertProblem(r, 400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("body");
        assertThat(r.json().get("detail").asText()).contains("malformed JSON");
    }

    @Test
    void aBodyThatIsNotAnObjectIsA400() {
        assertProblem(s.post("/v1/check", "[1,2]"), 400);
        assertProblem(s.post("/v1/check", "\"login\""), 400);
        assertProblem(s.post("/v1/check", ""), 400);
        assertProblem(s.post("/v1/check", "{} {}"), 400);
        assertProblem(s.post("/v1/check", "{\"action\":\"login\",\"action\":\"message\",\"ip\":\"1.2.3.4\"}"), 400);
    }

    @Test
    void nestingDeeperThanTheBoundIsA400() {
        String deep = "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"x\":" + "[".repeat(40) + "]".repeat(40) + "}";
        TestServer.Res r = s.post("/v1/check", deep);
        assertProblem(r, 400);
        assertThat(r.json().get("detail").asText()).contains("nesting");
    }

    @Test
    void aFieldOverItsBoundIsA400NamingIt() {
        TestServer.Res r = s.post("/v1/check", "{\"action\":\"" + "a".repeat(200) + "\",\"ip\":\"1.2.3.4\"}");
        assertProblem(r, 400);
        assertThat(r.json().get("errors").get(0).get("field").asText()).isEqualTo("action");
    }

    @Test
    void aBodyOverMaxBodyIsA413() {
        String big = "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"pad\":\"" + "x".repeat(2000) + "\"}";
        assertProblem(s.post("/v1/check", big), 413);
    }

    @Test
    void anUnknownRouteIsA404AndAWrongMethodA405() {
        assertProblem(s.get("/v1/nothing-here"), 404);
        assertProblem(s.post("/v2/check", "{}"), 404);
        assertProblem(s.get("/v1/check"), 405);
        assertProblem(s.call("PUT", "/v1/bans", "{}", null), 405);
        assertProblem(s.call("POST", "/healthz", "{}", null), 405);
    }

    @Test
    void garbageNeverMakesA500() {
        Random rnd = new Random(42);
        String[] paths = {"/v1/check", "/v1/violations", "/v1/bans", "/v1/tokens/revoke", "/v1/tokens/status",
                "/v1/concurrency/acquire", "/v1/concurrency/release"};
        String[] fragments = {"{", "}", "[", "]", "\"action\"", ":", ",", "\"login\"", "null", "-1", "1e999", "true",
                "\"ip\"", "\"::1\"", "\"user\"", "\"subject\"", "\"cidr:0.0.0.0/0\"", "\"\\u0000\"", "\"duration\"", "\"2x\"",
                "\"jti\"", "\"expires_at\"", "99999999999999999999999", "\"message\"", "{\"kind\":\"dm\"}", "0.5"};
        for (int i = 0; i < 300; i++) {
            StringBuilder b = new StringBuilder();
            int n = 1 + rnd.nextInt(12);
            for (int j = 0; j < n; j++) {
                b.append(fragments[rnd.nextInt(fragments.length)]);
            }
            String path = paths[rnd.nextInt(paths.length)];
            TestServer.Res r = s.post(path, b.toString());
            assertThat(r.status()).as(path + " " + b).isLessThan(500);
        }
    }
}
