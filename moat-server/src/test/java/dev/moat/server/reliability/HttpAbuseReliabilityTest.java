package dev.moat.server.reliability;

import dev.moat.server.TestServer;
import dev.moat.server.http.ApiRouter;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Abuse of Moat's own HTTP API, against a server in this JVM (the composition root, with keys and
 * the default 64 KiB body limit): bodies over the limit, headers and request lines over Vert.x's
 * limits, JSON bombs, the admin API without a key or with wrong ones, and slow or idle clients
 * holding connections while a good client keeps being answered. That slow and idle connections
 * are cut at the idle timeout is checked by {@link IdleTimeoutReliabilityTest}.
 */
class HttpAbuseReliabilityTest {
    static TestServer s;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.withKeys();
        port = s.server.port();
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    static void assertStillAnswering() {
        TestServer.Res r = s.call("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.200\"}",
                TestServer.CLIENT_KEY);
        assertThat(r.status()).as("the server still answers a good request").isEqualTo(200);
    }

    static String post(String path, long contentLength, String extraHeaders) {
        return "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + TestServer.CLIENT_KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: " + contentLength + "\r\n" + extraHeaders + "\r\n";
    }

    // ---- bodies and headers -------------------------------------------------------------------

    @Test
    void aBodyOverTheLimitIsA413WhetherDeclaredSentOrChunked() {
        String big = "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"pad\":\"" + "x".repeat(70_000) + "\"}";
        assertThat(s.call("POST", "/v1/check", big, TestServer.CLIENT_KEY).status()).isEqualTo(413);
        try (RawHttp c = new RawHttp(port)) {
            // ten gigabytes announced, nothing sent: refused from the header, nothing buffered
            assertThat(c.send(post("/v1/check", 10L << 30, "")).status()).isEqualTo(413);
        }
        try (RawHttp c = new RawHttp(port)) {
            StringBuilder chunks = new StringBuilder("POST /v1/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + TestServer.CLIENT_KEY + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            String chunk = "y".repeat(8192);
            for (int i = 0; i < 10; i++) {
                chunks.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
            }
            assertThat(c.trySend(chunks.toString())).isTrue();
            assertThat(c.status()).isEqualTo(413);
        }
        assertStillAnswering();
    }

    @Test
    void oversizedHeadersAndRequestLinesAreRefusedNotServed() {
        try (RawHttp c = new RawHttp(port)) {
            int status = c.send(post("/v1/check", 2, "X-Big: " + "h".repeat(20_000) + "\r\n") + "{}").status();
            assertThat(status).as("one 20 KB header").isIn(431, 400);
        }
        try (RawHttp c = new RawHttp(port)) {
            StringBuilder many = new StringBuilder();
            for (int i = 0; i < 2000; i++) {
                many.append("X-H").append(i).append(": v\r\n");
            }
            assertThat(c.send(post("/v1/check", 2, many.toString()) + "{}").status()).as("2000 headers").isIn(431, 400);
        }
        try (RawHttp c = new RawHttp(port)) {
            int status = c.send("GET /v1/bans?subject=" + "u".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n").status();
            assertThat(status).as("a 20 KB request line").isIn(414, 400);
        }
        assertStillAnswering();
    }

    @Test
    void jsonBombsAndHugeValuesAreA400NeverA500AndCostNoMemory() {
        String body64k = "[".repeat(32_000) + "]".repeat(32_000);
        List<String> bombs = List.of(
                body64k,
                "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"x\":" + "{\"a\":".repeat(10_000) + "1" + "}".repeat(10_000) + "}",
                "{\"action\":\"" + "a".repeat(60_000) + "\",\"ip\":\"1.2.3.4\"}",
                "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":" + "9".repeat(50_000) + "}",
                "{\"action\":\"login\",\"ip\":\"1.2.3.4\",\"cost\":1e999999999}",
                "{\"action\":\"login\",\"ip\":\"" + "1".repeat(60_000) + "\"}",
                "{\"action\":\"message\",\"user\":\"u\",\"message\":{\"text\":\"" + "\\u0000".repeat(5_000) + "\",\"to\":"
                        + "[1,".repeat(5_000) + "1" + "]".repeat(5_000) + "}}",
                "{" + "\"k\":1,".repeat(9_000) + "\"action\":\"login\"}",
                "{\"" + "k".repeat(60_000) + "\":1}");
        long before = heapAfterGc();
        for (int round = 0; round < 20; round++) {
            for (String b : bombs) {
                assertThat(b.length()).isLessThanOrEqualTo(64 * 1024);
                TestServer.Res r = s.call("POST", "/v1/check", b, TestServer.CLIENT_KEY);
                assertThat(r.status()).as("%.60s...", b).isEqualTo(400);
                assertThat(r.contentType()).isEqualTo("application/problem+json");
                assertThat(r.json().path("detail").asText()).isNotEmpty();
            }
        }
        // huge arrays of unknown fields are ignored, not refused: 200, and nothing kept
        String wide = "{\"action\":\"login\",\"ip\":\"198.51.100.1\",\"extra\":[" + "0,".repeat(30_000) + "0]}";
        assertThat(s.call("POST", "/v1/check", wide, TestServer.CLIENT_KEY).status()).isEqualTo(200);
        assertThat(heapAfterGc() - before).as("heap kept by 180 bombs").isLessThan(32L << 20);
        assertStillAnswering();
    }

    static long heapAfterGc() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    // ---- the admin API ------------------------------------------------------------------------

    /** Every admin route of the API router, plus the admin page's API. */
    static List<String[]> adminRoutes() {
        Object api = Internals.call(Internals.method(s.server.getClass(), "api"), s.server);
        List<String[]> routes = new ArrayList<>();
        for (ApiRouter.Endpoint e : ((ApiRouter) api).endpoints()) {
            if (e.access().name().equals("ADMIN")) {
                routes.add(new String[] {e.method().name(), e.path().replace(":subject", "user%3Amallory")});
            }
        }
        routes.add(new String[] {"GET", "/v1/admin/summary"});
        routes.add(new String[] {"GET", "/v1/events"});
        return routes;
    }

    @Test
    void everyAdminRouteRefusesNoKeyWrongKeysAndTheClientKey() {
        List<String[]> routes = adminRoutes();
        assertThat(routes).extracting(r -> r[1]).contains("/v1/bans", "/v1/config", "/v1/config/reload",
                "/v1/violations/user%3Amallory", "/v1/admin/summary");
        String admin = TestServer.ADMIN_KEY;
        Map<String, String> wrong = new java.util.LinkedHashMap<>();
        wrong.put("no header", null);
        wrong.put("empty", "");
        wrong.put("Bearer only", "Bearer ");
        wrong.put("unknown", "Bearer not-a-key-0123456789abcdef");
        wrong.put("prefix of the admin key", "Bearer " + admin.substring(0, admin.length() - 1));
        wrong.put("admin key plus a char", "Bearer " + admin + "0");
        wrong.put("upper-cased admin key", "Bearer " + admin.toUpperCase(java.util.Locale.ROOT));
        wrong.put("another scheme", "Basic " + java.util.Base64.getEncoder().encodeToString(("x:" + admin).getBytes()));
        wrong.put("no scheme", admin);
        wrong.put("two keys", "Bearer " + admin + ", Bearer " + admin);
        for (String[] route : routes) {
            for (Map.Entry<String, String> w : wrong.entrySet()) {
                int status = call(route[0], route[1], w.getValue());
                assertThat(status).as("%s %s with %s", route[0], route[1], w.getKey()).isEqualTo(401);
            }
            // a control character in the header is refused by the HTTP layer before auth: 400
            assertThat(call(route[0], route[1], "Bearer " + admin + "\u000b")).as("%s %s with a control character",
                    route[0], route[1]).isIn(400, 401);
            assertThat(call(route[0], route[1], "Bearer " + TestServer.CLIENT_KEY))
                    .as("%s %s with the client key", route[0], route[1]).isEqualTo(403);
        }
    }

    /** Raw, so that header values no client library allows are sent as they are. */
    static int call(String method, String path, String authorization) {
        try (RawHttp c = new RawHttp(port)) {
            String body = method.equals("POST") ? "{\"subject\":\"user:mallory\",\"duration\":\"1h\"}" : "";
            StringBuilder req = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: x\r\n");
            if (authorization != null) {
                req.append("Authorization: ").append(authorization).append("\r\n");
            }
            if (!body.isEmpty()) {
                req.append("Content-Type: application/json\r\n");
            }
            req.append("Content-Length: ").append(body.length()).append("\r\nConnection: close\r\n\r\n").append(body);
            return c.send(req.toString()).status();
        }
    }

    // ---- slow and idle clients ----------------------------------------------------------------

    /**
     * 300 idle connections, 40 sending their headers a byte at a time and 20 sending a declared
     * body a byte at a time, all held open while a good client makes 200 checks: every one is
     * answered (Vert.x never blocks an event loop on a slow peer).
     */
    @Test
    void slowAndIdleConnectionsDoNotStopTheServerAnsweringOthers() throws Exception {
        List<RawHttp> held = new ArrayList<>();
        AtomicBoolean trickling = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int i = 0; i < 300; i++) {
                held.add(new RawHttp(port));
            }
            List<RawHttp> slowHeaders = new ArrayList<>();
            List<RawHttp> slowBodies = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                RawHttp c = new RawHttp(port);
                c.send("POST /v1/check HTTP/1.1\r\nHost: x\r\n");
                slowHeaders.add(c);
            }
            for (int i = 0; i < 20; i++) {
                RawHttp c = new RawHttp(port);
                c.send(post("/v1/check", 60_000, "") + "{");
                slowBodies.add(c);
            }
            held.addAll(slowHeaders);
            held.addAll(slowBodies);
            Future<?> trickler = pool.submit(() -> {
                while (trickling.get()) {
                    for (RawHttp c : slowHeaders) {
                        c.trySend("X");
                    }
                    for (RawHttp c : slowBodies) {
                        c.trySend(" ");
                    }
                    try {
                        // the stimulus, not a wait: a slowloris sends a byte per connection every 200 ms
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            for (int i = 0; i < 200; i++) {
                TestServer.Res r = s.call("POST", "/v1/check",
                        "{\"action\":\"message\",\"user\":\"good-" + i + "\",\"ip\":\"192.0.2.7\"}", TestServer.CLIENT_KEY);
                assertThat(r.status()).isEqualTo(200);
            }
            assertThat(s.get("/healthz").status()).isEqualTo(200);
            trickling.set(false);
            trickler.get(10, TimeUnit.SECONDS);
        } finally {
            trickling.set(false);
            pool.shutdownNow();
            held.forEach(RawHttp::close);
        }
    }

    @Test
    void aMethodOrRouteThatDoesNotExistIsAProblemNotAStackTrace() {
        for (String m : List.of("PUT", "PATCH", "TRACE", "OPTIONS")) {
            assertThat(call(m, "/v1/check", "Bearer " + TestServer.CLIENT_KEY)).as(m).isIn(404, 405);
        }
        assertThat(call(HttpMethod.GET.name(), "/v1/../../etc/passwd", null)).isIn(400, 404);
        assertThat(call(HttpMethod.GET.name(), "/v1/bans/%00", null)).isIn(400, 401, 404, 405);
    }
}
