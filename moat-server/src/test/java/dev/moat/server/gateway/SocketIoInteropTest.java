package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.core.Moat;
import dev.moat.core.content.LinkSpamPolicy;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.policy.By;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Interoperability: a real Socket.IO server (npm {@code socket.io}) behind the gateway and real
 * {@code socket.io-client} clients in front of it, authenticating with a token in the CONNECT
 * packet as Open WebUI's client does. Skipped only where {@code node} is missing.
 */
class SocketIoInteropTest {
    static Vertx vertx;
    static NodeProcess server;
    static int serverPort;

    Moat moat;
    Gateway gateway;
    NodeProcess clients;

    static final String CONFIG = """
            listen: 127.0.0.1:0
            instances: 1
            upstream: ${UPSTREAM}
            jwt:
              required: true
              keys: [{secret: "${SECRET}"}]
            websocket:
              format: auto
              events: [dm, chat, echo]
              messages:
                - {event: dm, text: /0/text, to: /0/to, dm: true}
                - {event: chat, text: /0/text}
              ping_interval: 0
            """;

    @BeforeAll
    static void startServer() throws Exception {
        Assumptions.assumeTrue(NodeProcess.nodeAvailable(), "node is not installed");
        NodeProcess.installPackages();
        vertx = Vertx.vertx();
        server = NodeProcess.start("server.js");
        serverPort = server.await(l -> l.has("port"), "server port").get("port").asInt();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @BeforeEach
    void startGateway() throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = GatewayHarness.YAML.readValue(CONFIG, Map.class);
        Map<String, String> env = new HashMap<>();
        env.put("UPSTREAM", "http://127.0.0.1:" + serverPort);
        env.put("SECRET", Tokens.SECRET);
        moat = Moat.builder().policy(GatewayHarness.policy(GatewayHarness.limit("ws_message", 5, By.USER))
                .withLinkSpam(new LinkSpamPolicy(true, 2, 3_600_000, 3_600_000))).build();
        gateway = Gateway.start(vertx, moat, GatewayConfig.fromMap(map, env),
                new ClientAddressResolver(CidrSet.of(List.<Cidr>of())));
        clients = NodeProcess.start("clients.js");
        clients.await(l -> "ready".equals(l.path("ev").asText()), "clients ready");
    }

    @AfterEach
    void stopGateway() {
        if (clients != null) {
            clients.close();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    private String url() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private void connect(String id, String token) {
        Map<String, Object> c = new HashMap<>(Map.of("id", id, "cmd", "connect", "url", url()));
        if (token != null) {
            c.put("token", token);
        }
        clients.send(c);
    }

    private JsonNode ev(String id, String ev) {
        return clients.await(l -> id.equals(l.path("id").asText()) && ev.equals(l.path("ev").asText()), id + " " + ev);
    }

    private JsonNode event(String id, String name) {
        return clients.await(l -> id.equals(l.path("id").asText()) && "event".equals(l.path("ev").asText())
                && name.equals(l.path("event").asText()), id + " event " + name);
    }

    private void emit(String id, String event, Object arg, boolean ack) {
        clients.send(Map.of("id", id, "cmd", "emit", "event", event, "args", List.of(arg), "ack", ack));
    }

    private JsonNode connected(String id, String user) {
        connect(id, Tokens.hs256(user));
        ev(id, "connect");
        return event(id, "welcome");
    }

    @Test
    void aValidTokenInTheConnectPacketAuthenticatesAndBadOrMissingOnesAreRefused() {
        assertThat(connected("a", "alice").at("/args/0/user").asText()).isEqualTo("alice");
        connected("b", "bob");
        emit("a", "dm", Map.of("to", "bob", "text", "hi bob"), true);
        assertThat(event("b", "dm").at("/args/0").toString()).contains("\"from\":\"alice\"").contains("hi bob");
        assertThat(ev("a", "ack").at("/args/0/ok").asBoolean()).isTrue();

        connect("x", Tokens.none("admin"));
        JsonNode bad = ev("x", "connect_error");
        assertThat(bad.path("message").asText()).contains("not valid");
        assertThat(bad.at("/data/reason").asText()).isEqualTo("invalid_token");
        assertThat(moat.history("ip:127.0.0.1", null, 10).scores()).containsEntry("invalid_token", 1.0);

        connect("y", null);
        assertThat(ev("y", "connect_error").at("/data/reason").asText()).isEqualTo("invalid_token");
        assertThat(server.seen(l -> "admin".equals(l.path("user").asText()))).isFalse();
    }

    @Test
    void eventsOverTheRateLimitAreAnsweredWithAnErrorEventAndAnAckAndNeverReachTheServer() {
        connected("c", "carol");
        for (int i = 0; i < 5; i++) {
            emit("c", "echo", Map.of("n", i), true);
            assertThat(ev("c", "ack").at("/args/0/n").asInt()).isEqualTo(i);
        }
        emit("c", "echo", Map.of("n", 5), true);
        JsonNode err = event("c", "moat:error");
        assertThat(err.at("/args/0/reason").asText()).isEqualTo("rate_limited");
        assertThat(err.at("/args/0/message").asText()).contains("Try again in");
        JsonNode ack = ev("c", "ack");
        assertThat(ack.at("/args/0/error/reason").asText()).isEqualTo("rate_limited");
        emit("c", "typing", Map.of(), false);
        assertThat(event("c", "moat:error").at("/args/0/reason").asText()).isEqualTo("event_not_allowed");
        assertThat(server.seen(l -> "carol".equals(l.path("user").asText()) && l.at("/args/0/n").asInt(-1) == 5)).isFalse();
        assertThat(server.seen(l -> "carol".equals(l.path("user").asText()) && "typing".equals(l.path("event").asText()))).isFalse();
    }

    @Test
    void linkSpamKicksWith4008ThenBansAndTheBannedUserCannotConnect() {
        connected("s", "spammer");
        connected("r1", "r1");
        connected("r2", "r2");
        connected("r3", "r3");
        String link = "https://spam.example/prize";
        emit("s", "dm", Map.of("to", "r1", "text", "win " + link), false);
        event("r1", "dm");
        emit("s", "dm", Map.of("to", "r2", "text", "win " + link), false);
        event("r2", "dm");
        emit("s", "dm", Map.of("to", "r3", "text", "win " + link), false);
        assertThat(event("s", "moat:error").at("/args/0/reason").asText()).isEqualTo("link_spam");
        JsonNode kicked = ev("s", "disconnect");
        assertThat(kicked.path("reason").asText()).isEqualTo("transport close");
        assertThat(kicked.path("code").asInt()).isEqualTo(4008);

        clients.send(Map.of("id", "s", "cmd", "reconnect"));
        ev("s", "connect");
        emit("s", "dm", Map.of("to", "r3", "text", "again " + link), false);
        JsonNode banned = event("s", "moat:error");
        assertThat(banned.at("/args/0/verdict").asText()).isEqualTo("ban");
        JsonNode gone = ev("s", "disconnect");
        assertThat(gone.path("reason").asText()).isEqualTo("io server disconnect");

        clients.send(Map.of("id", "s", "cmd", "reconnect"));
        JsonNode refused = ev("s", "connect_error");
        assertThat(refused.at("/data/reason").asText()).isEqualTo("banned");
        assertThat(refused.path("message").asText()).contains("banned");
        assertThat(server.seen(l -> "spammer".equals(l.path("user").asText()) && l.toString().contains("r3"))).isFalse();
    }
}
