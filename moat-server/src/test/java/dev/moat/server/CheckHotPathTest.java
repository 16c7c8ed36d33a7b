package dev.moat.server;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * POST /v1/check is answered before the router (http.HotPath); what it answers is what the router's
 * route answers: the same auth, body limit (declared or streamed) and problems. {@code /v1/check/}
 * still goes through the router, so the two can be compared. Every JSON answer says
 * {@code Cache-Control: no-store}.
 */
class CheckHotPathTest {
    private static final String LOGIN = "{\"action\":\"login\",\"ip\":\"192.0.2.44\"}";

    @Test
    void hotPathAndRouterAnswerAlike() throws Exception {
        try (TestServer s = TestServer.withKeys()) {
            for (String path : new String[] {"/v1/check", "/v1/check/"}) {
                TestServer.Res none = s.call("POST", path, LOGIN, null);
                assertThat(none.status()).as(path).isEqualTo(401);
                assertThat(none.header("WWW-Authenticate")).as(path).isEqualTo("Bearer realm=\"moat\"");
                assertThat(none.contentType()).as(path).startsWith("application/problem+json");
                assertThat(none.header("Cache-Control")).as(path).isEqualTo("no-store");
                assertThat(s.call("POST", path, LOGIN, "wrong").status()).as(path).isEqualTo(401);
                TestServer.Res bad = s.call("POST", path, "{\"action\":", TestServer.CLIENT_KEY);
                assertThat(bad.status()).as(path).isEqualTo(400);
                assertThat(bad.json().get("errors").get(0).get("field").asText()).as(path).isEqualTo("body");
                TestServer.Res empty = s.call("POST", path, "", TestServer.CLIENT_KEY);
                assertThat(empty.status()).as(path).isEqualTo(400);
                assertThat(empty.json().get("detail").asText()).as(path).contains("is required");
                TestServer.Res big = s.call("POST", path, "{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}", TestServer.CLIENT_KEY);
                assertThat(big.status()).as(path).isEqualTo(413);
                assertThat(big.json().get("type").asText()).as(path).isEqualTo("urn:moat:problem:payload-too-large");
                assertThat(chunked(s, path, 70 * 1024)).as(path).isEqualTo(413);
                assertThat(chunked(s, path, 0)).as(path).isEqualTo(200);
            }
            TestServer.Res hot = s.call("POST", "/v1/check", LOGIN, TestServer.CLIENT_KEY);
            TestServer.Res routed = s.call("POST", "/v1/check/", LOGIN, TestServer.CLIENT_KEY);
            assertThat(hot.status()).isEqualTo(200);
            assertThat(routed.status()).isEqualTo(200);
            assertThat(hot.contentType()).isEqualTo(routed.contentType());
            assertThat(hot.header("RateLimit-Policy")).isEqualTo(routed.header("RateLimit-Policy"));
            // a decision holds for one request: no cache in between may keep it, nor any other API answer
            assertThat(hot.header("Cache-Control")).isEqualTo("no-store");
            assertThat(routed.header("Cache-Control")).isEqualTo("no-store");
            assertThat(s.call("GET", "/v1/bans", null, TestServer.ADMIN_KEY).header("Cache-Control")).isEqualTo("no-store");
            // the two calls spent from the same budget
            assertThat(routed.json().get("limits").get(0).get("remaining").asLong())
                    .isEqualTo(hot.json().get("limits").get(0).get("remaining").asLong() - 1);
            // an admin key is a client too
            assertThat(s.call("POST", "/v1/check", LOGIN, TestServer.ADMIN_KEY).status()).isEqualTo(200);
        }
    }

    /** A body sent in chunks with no Content-Length: the limit applies while it is read. */
    private static int chunked(TestServer s, String path, int pad) throws Exception {
        byte[] body = ("{\"action\":\"login\",\"ip\":\"192.0.2.45\",\"pad\":\"" + "x".repeat(pad) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        HttpRequest r = HttpRequest.newBuilder(URI.create(s.url() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + TestServer.CLIENT_KEY).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))).build();
        return HttpClient.newHttpClient().send(r, HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
