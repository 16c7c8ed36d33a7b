package dev.moat.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.server.TestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static dev.moat.server.TestServer.ADMIN_KEY;
import static dev.moat.server.TestServer.CLIENT_KEY;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin routes over real HTTP: the page's headers, the admin-only summary and event stream. */
class AdminRoutesTest {
    static TestServer s;
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.withKeys();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void thePageIsServedWithAStrictPolicy() {
        for (String path : List.of("/admin", "/admin/", "/admin/index.html")) {
            TestServer.Res r = s.get(path);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertThat(r.contentType()).isEqualTo("text/html; charset=utf-8");
            String csp = r.header("content-security-policy");
            assertThat(csp).contains("default-src 'self'", "script-src 'self'", "frame-ancestors 'none'",
                    "object-src 'none'", "base-uri 'none'");
            assertThat(csp).doesNotContain("unsafe-inline", "unsafe-eval", "http:", "https:");
            assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
            assertThat(r.header("referrer-policy")).isEqualTo("no-referrer");
            assertThat(r.header("x-frame-options")).isEqualTo("DENY");
            assertThat(r.header("cache-control")).isEqualTo("no-cache");
            assertThat(r.header("etag")).isNotBlank();
        }
    }

    @Test
    void assetsHaveTheirContentTypesAndRevalidateWithTheirEtag() throws Exception {
        assertThat(s.get("/admin/admin.js").contentType()).isEqualTo("text/javascript; charset=utf-8");
        assertThat(s.get("/admin/admin.css").contentType()).isEqualTo("text/css; charset=utf-8");
        assertThat(s.get("/admin/favicon.svg").contentType()).isEqualTo("image/svg+xml");
        String etag = s.get("/admin/admin.js").header("etag");
        HttpResponse<String> again = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "/admin/admin.js"))
                .header("If-None-Match", etag).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
    }

    @Test
    void anUnknownAssetIsAProblem404AndNoPathReachesAFileLookup() {
        for (String path : List.of("/admin/nope.js", "/admin/%2e%2e/logback.xml", "/admin/logback.xml",
                "/admin/admin.js/x")) {
            TestServer.Res r = s.get(path);
            assertThat(r.status()).as(path).isIn(404, 400);
            assertThat(r.raw().body()).doesNotContain("<configuration>");
        }
    }

    @Test
    void thePageHasNoInlineCodeNoExternalResourcesAndNoSecretSinks() {
        String html = s.get("/admin").raw().body();
        assertThat(Pattern.compile("<script(?![^>]*\\bsrc=)", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("inline script").isFalse();
        assertThat(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("inline handler").isFalse();
        assertThat(Pattern.compile("\\sstyle\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find())
                .as("inline style").isFalse();
        assertThat(html).doesNotContain("http://", "https://");
        assertThat(html).contains("<meta name=\"viewport\"", "lang=\"en\"");
        String js = s.get("/admin/admin.js").raw().body();
        assertThat(js).doesNotContain("localStorage", "document.cookie", "innerHTML", "outerHTML", "insertAdjacentHTML",
                "eval(", "new Function", "EventSource(", "http://", "https://");
        assertThat(js).contains("sessionStorage");
        String css = s.get("/admin/admin.css").raw().body();
        assertThat(css).doesNotContain("http://", "https://", "@import");
    }

    @Test
    void theSummaryIsForAdminsOnly() {
        TestServer.Res none = s.get("/v1/admin/summary");
        assertThat(none.status()).isEqualTo(401);
        assertThat(none.contentType()).isEqualTo("application/problem+json");
        assertThat(s.call("GET", "/v1/admin/summary", null, CLIENT_KEY).status()).isEqualTo(403);
        assertThat(s.get("/v1/admin/summary?key=" + ADMIN_KEY).status()).as("a key in the URL is not a key")
                .isEqualTo(401);
        TestServer.Res bad = s.call("GET", "/v1/admin/summary?top=1000", null, ADMIN_KEY);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().get("detail").asText()).contains("top");
    }

    @Test
    void theSummaryShowsHealthBansOffendersAndRecentRefusals() {
        assertThat(s.call("POST", "/v1/bans", "{\"subject\":\"ip:198.51.100.4\",\"duration\":\"1h\",\"reason\":\"test\"}",
                ADMIN_KEY).status()).isEqualTo(201);
        s.call("POST", "/v1/violations", "{\"type\":\"logins\",\"user\":\"mallory\",\"score\":3}", CLIENT_KEY);
        s.call("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"198.51.100.4\"}", CLIENT_KEY);
        TestServer.Res r = s.call("GET", "/v1/admin/summary", null, ADMIN_KEY);
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("cache-control")).isEqualTo("no-store");
        assertThat(r.header("x-content-type-options")).isEqualTo("nosniff");
        JsonNode j = r.json();
        assertThat(j.at("/store/status").asText()).isEqualTo("ok");
        assertThat(j.at("/store/kind").asText()).isEqualTo("memory");
        assertThat(j.at("/store/state_store").asText()).isEqualTo("sqlite");
        assertThat(j.at("/node/config_version").asText()).isEqualTo("test-1");
        assertThat(j.get("bans_active").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(j.get("preset").asText()).isNotBlank();
        assertThat(j.get("top_offenders").toString()).contains("user:mallory");
        JsonNode recent = j.get("recent_refusals");
        assertThat(recent.toString()).contains("\"subject\":\"ip:198.51.100.4\"", "\"reason\":\"banned\"");
        assertThat(j.get("last_event_id").asLong()).isGreaterThanOrEqualTo(recent.get(0).get("id").asLong());
        s.call("DELETE", "/v1/bans/ip%3A198.51.100.4?reason=done", null, ADMIN_KEY);
    }

    @Test
    void theEventStreamIsForAdminsAndCarriesNoKeyInTheUrl() throws Exception {
        assertThat(HTTP.send(events(null, null).build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        assertThat(HTTP.send(events(CLIENT_KEY, null).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
                .isEqualTo(403);
        HttpResponse<String> inUrl = HTTP.send(HttpRequest.newBuilder(URI.create(s.url() + "/v1/events?key=" + ADMIN_KEY))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(inUrl.statusCode()).isEqualTo(401);
    }

    @Test
    void aRefusalArrivesOnTheStreamAndAReconnectReplaysFromLastEventId() throws Exception {
        Stream live = Stream.open(events(ADMIN_KEY, null));
        try {
            assertThat(live.response.headers().firstValue("content-type")).hasValue(Sse.CONTENT_TYPE);
            assertThat(live.response.headers().firstValue("cache-control")).hasValue("no-store");
            s.call("POST", "/v1/bans", "{\"subject\":\"ip:198.51.100.77\",\"duration\":\"1h\"}", ADMIN_KEY);
            s.call("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"198.51.100.77\"}", CLIENT_KEY);
            List<String> ev = live.nextEvent();
            assertThat(ev).anyMatch(l -> l.equals("event: refusal"));
            String id = ev.stream().filter(l -> l.startsWith("id: ")).findFirst().orElseThrow().substring(4);
            String data = ev.stream().filter(l -> l.startsWith("data: ")).findFirst().orElseThrow().substring(6);
            JsonNode json = TestServer.JSON.readTree(data);
            assertThat(json.get("subject").asText()).isEqualTo("ip:198.51.100.77");
            assertThat(json.get("reason").asText()).isEqualTo("banned");
            assertThat(json.get("ban_subject").asText()).isEqualTo("ip:198.51.100.77");
            assertThat(data).doesNotContain(ADMIN_KEY, CLIENT_KEY);

            s.call("POST", "/v1/check", "{\"action\":\"message\",\"ip\":\"198.51.100.77\"}", CLIENT_KEY);
            Stream replay = Stream.open(events(ADMIN_KEY, id));
            try {
                List<String> next = replay.nextEvent();
                assertThat(next).contains("id: " + (Long.parseLong(id) + 1));
                assertThat(String.join("\n", next)).contains("\"action\":\"message\"");
            } finally {
                replay.close();
            }
        } finally {
            live.close();
            s.call("DELETE", "/v1/bans/ip%3A198.51.100.77", null, ADMIN_KEY);
        }
    }

    @Test
    void anOpenStreamDoesNotHoldUpShutdown() throws Exception {
        TestServer own = TestServer.withKeys();
        Stream st = null;
        try {
            st = Stream.open(HttpRequest.newBuilder(URI.create(own.url() + "/v1/events"))
                    .header("Authorization", "Bearer " + ADMIN_KEY));
            long t0 = System.nanoTime();
            own.close();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(5_000);
        } finally {
            if (st != null) {
                st.close();
            }
            own.close();
        }
    }

    private static HttpRequest.Builder events(String key, String lastEventId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(s.url() + "/v1/events"));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (lastEventId != null) {
            b.header("Last-Event-ID", lastEventId);
        }
        return b;
    }

    /** An open event stream read line by line on a background thread. */
    static final class Stream implements AutoCloseable {
        final HttpResponse<InputStream> response;
        final BlockingQueue<String> lines = new ArrayBlockingQueue<>(10_000);
        final Thread reader;

        private Stream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        lines.add(l);
                    }
                } catch (Exception e) {
                    // closed
                }
            }, "sse-reader");
            reader.setDaemon(true);
            reader.start();
        }

        static Stream open(HttpRequest.Builder b) throws Exception {
            HttpResponse<InputStream> res = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            assertThat(res.statusCode()).isEqualTo(200);
            return new Stream(res);
        }

        /** The lines of the next event that has data (comments and retry-only blocks skipped). */
        List<String> nextEvent() throws InterruptedException {
            List<String> block = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (System.nanoTime() < deadline) {
                String l = lines.poll(200, TimeUnit.MILLISECONDS);
                if (l == null) {
                    continue;
                }
                if (!l.isEmpty()) {
                    block.add(l);
                } else if (block.stream().anyMatch(x -> x.startsWith("data:"))) {
                    return block;
                } else {
                    block.clear();
                }
            }
            throw new AssertionError("no event within 10 s; lines so far: " + block);
        }

        @Override
        public void close() throws Exception {
            response.body().close();
            reader.interrupt();
        }
    }
}
