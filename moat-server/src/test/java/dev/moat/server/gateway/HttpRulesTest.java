package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.core.policy.By;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** HTTP rules: refused with 429 or 403 and a problem body; everything else streams through unchanged. */
class HttpRulesTest extends GatewayHarness {
    static final ObjectMapper JSON = new ObjectMapper();

    static final String RULES = BASE + """
            http:
              max_body: 1KB
              rules:
                - {method: POST, path: /api/auth/login, action: login, email: "body:/email"}
                - {method: [POST, PUT], path: /api/messages/**, action: message, user: jwt, text: "body:/text"}
            """;

    HttpClient http;

    record Response(int status, MultiMap headers, String body) {
        JsonNode json() throws Exception {
            return JSON.readTree(body);
        }
    }

    @BeforeEach
    void client() {
        http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    }

    @AfterEach
    void closeClient() {
        http.close();
    }

    Response call(HttpMethod method, String uri, Map<String, String> headers, String body) throws Exception {
        RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(gateway.port()).setURI(uri);
        headers.forEach(o::addHeader);
        return http.request(o)
                .compose(req -> body == null ? req.send() : req.send(Buffer.buffer(body)))
                .compose(res -> res.body().map(b -> new Response(res.statusCode(), res.headers(), b.toString())))
                .toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void requestsWithoutARuleStreamThroughUnchanged() throws Exception {
        start(RULES);
        Response r = call(HttpMethod.PUT, "/api/things/created?x=1&y=%20z",
                Map.of("X-Custom", "kept", "X-Forwarded-For", "203.0.113.9", "Content-Type", "text/plain"), "raw body \u00e9");
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.headers().get("X-Upstream")).isEqualTo("yes");
        assertThat(r.headers().get("Set-Cookie")).isEqualTo("sid=abc; HttpOnly");
        JsonNode echo = r.json();
        assertThat(echo.path("method").asText()).isEqualTo("PUT");
        assertThat(echo.path("path").asText()).isEqualTo("/api/things/created");
        assertThat(echo.path("query").asText()).isEqualTo("x=1&y=%20z");
        assertThat(echo.path("body").asText()).isEqualTo("raw body \u00e9");
        assertThat(echo.path("headers").path("x-custom").asText()).isEqualTo("kept");
        assertThat(echo.path("headers").path("content-type").asText()).isEqualTo("text/plain");
        assertThat(echo.path("headers").path("x-forwarded-for").asText()).isEqualTo("203.0.113.9, 127.0.0.1");
        assertThat(echo.path("headers").path("x-real-ip").asText()).isEqualTo("203.0.113.9");
        assertThat(echo.path("headers").path("host").asText()).isEqualTo("127.0.0.1:" + gateway.port());
    }

    @Test
    void statusesAndStreamedResponsesPassAsTheyAre() throws Exception {
        start(RULES);
        Response teapot = call(HttpMethod.GET, "/api/status/418", Map.of(), null);
        assertThat(teapot.status()).isEqualTo(418);
        assertThat(teapot.body()).isEqualTo("status 418");
        Response stream = call(HttpMethod.GET, "/api/stream", Map.of(), null);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.headers().get("Content-Type")).isEqualTo("text/event-stream");
        assertThat(stream.headers().get("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(stream.body()).isEqualTo("data: one\n\ndata: two\n\ndata: three\n\n");
    }

    @Test
    void aLoginOverTheLimitIs429WithRetryAfterAndRateLimitFields() throws Exception {
        start(RULES, policy(limit("login", 2, By.IP)));
        Map<String, String> h = Map.of("X-Forwarded-For", "203.0.113.20", "Content-Type", "application/json");
        for (int i = 0; i < 2; i++) {
            assertThat(call(HttpMethod.POST, "/api/auth/login", h, "{\"email\":\"a@example.org\"}").status()).isEqualTo(200);
        }
        Response r = call(HttpMethod.POST, "/api/auth/login", h, "{\"email\":\"a@example.org\",\"password\":\"third\"}");
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.headers().get("Content-Type")).isEqualTo("application/problem+json");
        assertThat(Long.parseLong(r.headers().get("Retry-After"))).isPositive();
        assertThat(r.headers().get("RateLimit-Policy")).isEqualTo("\"client.target.login\";q=2;w=3600");
        assertThat(r.headers().get("RateLimit")).startsWith("\"client.target.login\";r=0;t=");
        JsonNode p = r.json();
        assertThat(p.path("status").asInt()).isEqualTo(429);
        assertThat(p.path("reason").asText()).isEqualTo("rate_limited");
        assertThat(p.path("message").asText()).contains("Too many login requests");
        assertThat(p.path("retry_after_ms").asLong()).isPositive();
        assertThat(moat.history("ip:203.0.113.20", null, 10).scores()).containsEntry("logins", 1.0);
        // the case and a trailing slash do not dodge the rule
        assertThat(call(HttpMethod.POST, "/API/Auth/Login/", h, "{}").status()).isEqualTo(429);
        assertThat(call(HttpMethod.POST, "/api/x/../auth/login", h, "{}").status()).isEqualTo(400);
    }

    @Test
    void theLoginNameInTheBodyKeysTheLimitAcrossAddresses() throws Exception {
        start(RULES, policy(limit("login", 2, By.EMAIL)));
        for (String ip : new String[] {"198.51.100.1", "198.51.100.2"}) {
            assertThat(call(HttpMethod.POST, "/api/auth/login", Map.of("X-Forwarded-For", ip),
                    "{\"email\":\"Victim@Example.org\"}").status()).isEqualTo(200);
        }
        assertThat(call(HttpMethod.POST, "/api/auth/login", Map.of("X-Forwarded-For", "198.51.100.3"),
                "{\"email\":\"victim@example.org\"}").status()).isEqualTo(429);
        assertThat(call(HttpMethod.POST, "/api/auth/login", Map.of("X-Forwarded-For", "198.51.100.3"),
                "{\"email\":\"someone@example.org\"}").status()).isEqualTo(200);
    }

    @Test
    void theUserOfAJwtKeysTheLimitAndTheBodyReachesTheUpstreamIntact() throws Exception {
        start(RULES, policy(limit("message", 2, By.USER)));
        Map<String, String> alice = Map.of("Authorization", "Bearer " + Tokens.hs256("alice"), "X-Forwarded-For", "203.0.113.30");
        String body = "{\"text\":\"hello\",  \"n\": 1}";
        Response ok = call(HttpMethod.POST, "/api/messages/room-1", alice, body);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.json().path("body").asText()).isEqualTo(body);
        assertThat(call(HttpMethod.PUT, "/api/messages/room-1/edit", alice, body).status()).isEqualTo(200);
        assertThat(call(HttpMethod.POST, "/api/messages/room-2", alice, body).status()).isEqualTo(429);
        Map<String, String> bob = Map.of("Authorization", "Bearer " + Tokens.hs256("bob"), "X-Forwarded-For", "203.0.113.30");
        assertThat(call(HttpMethod.POST, "/api/messages/room-1", bob, body).status()).isEqualTo(200);
        assertThat(call(HttpMethod.GET, "/api/messages/room-1", alice, null).status()).isEqualTo(200);
    }

    @Test
    void aBannedAddressGets403WithTheProblem() throws Exception {
        start(RULES);
        moat.ban("ip:203.0.113.40", 600_000, "abuse", "op");
        Response r = call(HttpMethod.POST, "/api/auth/login", Map.of("X-Forwarded-For", "203.0.113.40"), "{}");
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().path("reason").asText()).isEqualTo("banned");
        assertThat(r.json().path("message").asText()).contains("banned");
        assertThat(Long.parseLong(r.headers().get("Retry-After"))).isBetween(1L, 600L);
    }

    @Test
    void aBodyOverTheCapIs413AndNeverReachesTheUpstream() throws Exception {
        start(RULES);
        Response r = call(HttpMethod.POST, "/api/auth/login", Map.of(), "{\"email\":\"" + "x".repeat(2000) + "\"}");
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.json().path("reason").asText()).isEqualTo("body_too_large");
        // a route without a body rule streams any size
        Response big = call(HttpMethod.POST, "/api/upload", Map.of(), "y".repeat(200_000));
        assertThat(big.status()).isEqualTo(200);
        assertThat(big.json().path("body").asText()).hasSize(200_000);
    }

    @Test
    void socketIoLongPollingIsRefusedSoFramesCannotBypassTheChecks() throws Exception {
        start(RULES);
        Response r = call(HttpMethod.GET, "/socket.io/?EIO=4&transport=polling", Map.of(), null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.body()).contains("websocket");
    }
}
