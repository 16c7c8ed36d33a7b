package dev.moat.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.server.MoatServer;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.it.RedisProcess;
import dev.moat.server.TempDirs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * /v1/check on a real redis-server, where each check's counters are asked from the event loop
 * without waiting and the decision is made again with their answer: concurrent checks spend each
 * unit exactly once, and a refusal still records its violation (on a worker, after the answer).
 */
class RedisChecksOnTheLoopTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    static RedisProcess redis;
    static MoatServer server;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.start();
        MoatConfig c = ConfigLoader.parse("""
                server:
                  listen: 127.0.0.1:0
                store:
                  type: redis
                  data_dir: %s
                  redis: {uri: "%s", key_prefix: loop%s, on_failure: deny, timeout: 3s}
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: 20, per: 1h, by: ip}
                      message: {max: 2, per: 1h, by: user}
                """.formatted(TempDirs.create(), redis.uri(), Long.toHexString(System.nanoTime())), "moat.yaml", Map.of());
        server = MoatServer.start(() -> c);
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
        redis.close();
    }

    static CompletableFuture<JsonNode> check(String body) {
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/check"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(20)).build();
        return HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofString()).thenApply(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            try {
                return JSON.readTree(r.body());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void concurrentChecksSpendEachUnitExactlyOnce() throws Exception {
        List<CompletableFuture<JsonNode>> all = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            all.add(check("{\"action\":\"login\",\"ip\":\"203.0.113.9\"}"));
        }
        int allowed = 0;
        for (CompletableFuture<JsonNode> f : all) {
            allowed += f.get().path("allowed").asBoolean() ? 1 : 0;
        }
        assertThat(allowed).as("login allows 20 per hour from one address").isEqualTo(20);
        JsonNode after = check("{\"action\":\"login\",\"ip\":\"203.0.113.9\",\"dry_run\":true}").get();
        assertThat(after.path("allowed").asBoolean()).isFalse();
    }

    @Test
    void aRefusalStillRecordsItsViolation() throws Exception {
        String body = "{\"action\":\"message\",\"user\":\"mallory\",\"ip\":\"203.0.113.10\"}";
        assertThat(check(body).get().path("allowed").asBoolean()).isTrue();
        JsonNode second = check(body).get();
        assertThat(second.path("allowed").asBoolean()).isTrue();
        assertThat(second.path("limits").get(0).path("remaining").asLong()).as("counted in Redis").isZero();
        JsonNode refused = check(body).get();
        assertThat(refused.path("allowed").asBoolean()).isFalse();
        assertThat(refused.path("reason").asText()).isEqualTo("rate_limited");
        assertThat(refused.path("violation").path("type").asText()).as(refused.toString()).isEqualTo("message_limit");
    }
}
