package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.server.MoatServer;
import dev.moat.server.TempDirs;
import dev.moat.server.cli.MoatCommand;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.it.RedisProcess;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Moat servers with gateways on one real redis-server, a real chat server behind both, and
 * real WebSocket clients: what an operator asks of node A reaches the sockets open at node B.
 * "Disconnect this user now" through A (API or CLI) closes B's connection with 4000; a ban of a
 * user or of an address through A closes B's matching connection with the ban code (4003).
 */
class FleetDisconnectTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN_KEY = "fleet-admin-key-0123456789abcdef";
    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static RedisProcess redis;
    static Vertx vertx;
    static ChatServer upstream;
    static MoatServer a;
    static MoatServer b;

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.start();
        vertx = Vertx.vertx();
        upstream = new ChatServer(vertx).start();
        String prefix = "fleetgw" + Long.toHexString(System.nanoTime());
        a = MoatServer.start(config(prefix));
        b = MoatServer.start(config(prefix));
        awaitChannelFromAToB();
    }

    /**
     * Each node subscribes to the fleet's channel in the background after it starts, and a message
     * published before B listens is lost (by design: disconnects are momentary). So a probe user
     * at B is disconnected through A, again and again, until B acts on it (or 20 s pass).
     */
    static void awaitChannelFromAToB() throws Exception {
        try (WsClient probe = connect(b, "probe", "198.51.100.250")) {
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (!probe.closed.isDone()) {
                assertThat(System.nanoTime()).as("node B hears node A's disconnects within 20 s").isLessThan(deadline);
                post(a, "/v1/gateway/disconnect", "{\"user\":\"probe\"}", 200);
                try {
                    probe.closed.get(200, TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // B is not subscribed yet: ask again
                }
            }
            assertThat(probe.closed.get().code()).isEqualTo(4000);
        }
    }

    @AfterAll
    static void stop() throws Exception {
        for (MoatServer s : new MoatServer[] {a, b}) {
            if (s != null) {
                s.close();
            }
        }
        if (upstream != null) {
            upstream.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (redis != null) {
            redis.close();
        }
    }

    static dev.moat.server.ConfigSource config(String prefix) throws Exception {
        MoatConfig c = ConfigLoader.parse("""
                server:
                  listen: 127.0.0.1:0
                  api_keys:
                    - {name: ops, key: %s, role: admin}
                  trusted_proxies: [127.0.0.1]
                store:
                  type: redis
                  data_dir: %s
                  redis: {uri: "%s", key_prefix: %s, on_failure: local, timeout: 3s}
                rate_limits:
                  preset: none
                gateway:
                  listen: 127.0.0.1:0
                  instances: 1
                  upstream: %s
                  jwt:
                    required: true
                    keys:
                      - secret: %s
                  websocket:
                    format: json
                    action: none
                    ping_interval: 0
                """.formatted(ADMIN_KEY, TempDirs.create(), redis.uri(), prefix, upstream.url(), Tokens.SECRET),
                "moat.yaml", Map.of());
        return () -> c;
    }

    static WsClient connect(MoatServer node, String user, String ip) {
        WsClient c = WsClient.connect(vertx, node.gateway().port(), "/ws",
                Map.of("Authorization", "Bearer " + Tokens.hs256(user), "X-Forwarded-For", ip));
        c.nextContaining("welcome");
        return c;
    }

    static JsonNode post(MoatServer node, String path, String body, int expectStatus) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.port() + path))
                .header("Authorization", "Bearer " + ADMIN_KEY).POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(expectStatus);
        return JSON.readTree(r.body());
    }

    @Test
    void aDisconnectThroughTheApiOfAClosesTheUsersSocketsAtBothNodes() throws Exception {
        try (WsClient atA = connect(a, "dora", "198.51.100.1"); WsClient atB = connect(b, "dora", "198.51.100.2");
             WsClient other = connect(b, "eve", "198.51.100.3")) {
            JsonNode answer = post(a, "/v1/gateway/disconnect", "{\"user\":\"dora\",\"reason\":\"Account suspended.\"}", 200);
            assertThat(answer.path("closed").asInt()).as("closed at A itself").isEqualTo(1);
            assertThat(answer.path("gateway").asBoolean()).isTrue();
            assertThat(answer.path("broadcast").asBoolean()).as(answer.toString()).isTrue();
            assertThat(answer.has("broadcast_error")).isFalse();

            assertThat(atA.awaitClose().code()).isEqualTo(4000);
            WsClient.Close closeAtB = atB.awaitClose();
            assertThat(closeAtB.code()).as("node B closed dora's socket").isEqualTo(4000);
            assertThat(atB.nextContaining("\"type\":\"error\"")).contains("disconnected").contains("Account suspended.");
            other.roundTrip("eve-is-still-here");
            other.assertOpen();
        }
    }

    @Test
    void theCliDisconnectsThroughAUserConnectedToB() {
        try (WsClient atB = connect(b, "fred", "198.51.100.4")) {
            int code = MoatCommand.commandLine().execute("gateway", "disconnect", "--user", "user:fred",
                    "--reason", "bye", "--url", "http://127.0.0.1:" + a.port(), "--key", ADMIN_KEY, "--json");
            assertThat(code).isZero();
            assertThat(atB.awaitClose().code()).isEqualTo(4000);
        }
    }

    @Test
    void aBanOfAUserThroughAClosesTheirSocketAtBWithTheBanCode() throws Exception {
        try (WsClient atB = connect(b, "gina", "198.51.100.5")) {
            post(a, "/v1/bans", "{\"subject\":\"user:gina\",\"duration\":\"1h\",\"reason\":\"spam\"}", 201);
            WsClient.Close close = atB.awaitClose();
            assertThat(close.code()).isEqualTo(4003);
            assertThat(close.reason()).contains("banned");
        }
    }

    @Test
    void aBanOfAnAddressRangeThroughAClosesTheSocketsFromInsideItAtB() throws Exception {
        try (WsClient inside = connect(b, "hal", "203.0.113.77"); WsClient outside = connect(b, "ivy", "198.51.100.6")) {
            post(a, "/v1/bans", "{\"subject\":\"cidr:203.0.113.0/24\",\"duration\":\"1h\"}", 201);
            assertThat(inside.awaitClose().code()).isEqualTo(4003);
            outside.roundTrip("ivy-is-still-here");
        }
    }

    @Test
    void aDisconnectWithoutAUserIsA400NamingTheField() throws Exception {
        JsonNode p = post(a, "/v1/gateway/disconnect", "{\"reason\":\"x\"}", 400);
        assertThat(p.toString()).contains("\"field\":\"user\"").contains("is required");
        JsonNode q = post(a, "/v1/gateway/disconnect", "{\"user\":\"user:\"}", 400);
        assertThat(q.toString()).contains("\"field\":\"user\"");
        JsonNode r = post(a, "/v1/gateway/disconnect", "{\"user\":42}", 400);
        assertThat(r.toString()).contains("\"field\":\"user\"").contains("must be a string");
    }
}
