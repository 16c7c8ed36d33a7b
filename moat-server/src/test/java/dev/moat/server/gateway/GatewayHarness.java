package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.moat.core.Moat;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.reliability.Poll;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.fail;

/**
 * A real gateway in front of a real {@link ChatServer}, started from YAML through
 * {@link GatewayConfig#fromMap} like the server does. The test clients come from 127.0.0.1,
 * which is a trusted proxy here, so a test picks its client address with X-Forwarded-For.
 */
abstract class GatewayHarness {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static Vertx vertx;
    static ChatServer upstream;

    Moat moat;
    Gateway gateway;

    /** JSON frames, a required HS256 token with issuer and audience, DM and room extractors, no pings. */
    static final String BASE = """
            listen: 127.0.0.1:0
            instances: 1
            upstream: ${UPSTREAM}
            jwt:
              required: true
              keys:
                - secret: ${SECRET}
              issuer: https://id.example.org
              audience: chat
            websocket:
              format: json
              messages:
                - {event: dm, text: /text, to: /to, dm: true}
                - {event: say, text: /text, room: /room}
              per_connection: {max: 1000, per: 1s}
              ping_interval: 0
            """;

    static {
        for (String name : new String[] {"io.netty", "io.vertx"}) {
            ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(name)).setLevel(ch.qos.logback.classic.Level.INFO);
        }
    }

    @BeforeAll
    static void startUpstream() throws Exception {
        vertx = Vertx.vertx();
        upstream = new ChatServer(vertx).start();
    }

    @AfterAll
    static void stopUpstream() throws Exception {
        upstream.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopGateway() {
        if (gateway != null) {
            gateway.close();
            gateway = null;
        }
    }

    /** Parses the YAML of a {@code gateway:} section with ${UPSTREAM} and ${SECRET} set. */
    static GatewaySettings settings(String yaml) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> map = YAML.readValue(yaml, Map.class);
        Map<String, String> env = new HashMap<>();
        env.put("UPSTREAM", upstream.url());
        env.put("SECRET", Tokens.SECRET);
        env.put("RSA_PEM", Tokens.rsaPublicPem());
        return GatewayConfig.fromMap(map, env);
    }

    Gateway start(String yaml, MoatPolicy policy) throws Exception {
        return start(yaml, policy, true);
    }

    /** {@code onEventLoop} false: engine calls run on the worker pool, as with SQLite or Redis stores. */
    Gateway start(String yaml, MoatPolicy policy, boolean onEventLoop) throws Exception {
        moat = Moat.builder().policy(policy).build();
        ClientAddressResolver resolver = new ClientAddressResolver(CidrSet.of(Cidr.parse("127.0.0.1/32")),
                List.of(ClientAddressResolver.ForwardingHeader.X_FORWARDED_FOR));
        gateway = Gateway.start(vertx, moat, settings(yaml), resolver, onEventLoop);
        return gateway;
    }

    Gateway start(String yaml) throws Exception {
        return start(yaml, policy(Map.of()));
    }

    /** No preset: only {@code limits}; bans after {@code interval} points. */
    static MoatPolicy policy(Map<String, List<LimitConfig>> limits, long interval) {
        RealmLimits client = new RealmLimits(limits, Map.of(), Map.of());
        return MoatPolicy.defaults().withRateLimits(new RateLimits("none", client, RealmLimits.EMPTY, List.of()))
                .withBans(new BanPolicy(true, interval, 3_600_000, true, 64, 1, 30L * 24 * 3_600_000));
    }

    static MoatPolicy policy(Map<String, List<LimitConfig>> limits) {
        return policy(limits, 20);
    }

    static Map<String, List<LimitConfig>> limit(String action, int max, By by) {
        return Map.of(action, List.of(LimitConfig.of(LimitSpec.fixedWindow(max, 3_600_000), by)));
    }

    WsClient ws(String uri, Map<String, String> headers) {
        return WsClient.connect(vertx, gateway.port(), uri, headers);
    }

    WsClient.Refused refused(String uri, Map<String, String> headers) {
        return WsClient.refused(vertx, gateway.port(), uri, headers);
    }

    /** Headers: a bearer token and a client address. */
    static Map<String, String> as(String token, String ip) {
        Map<String, String> h = new LinkedHashMap<>();
        if (token != null) {
            h.put("Authorization", "Bearer " + token);
        }
        h.put("X-Forwarded-For", ip);
        return h;
    }

    /** Connects {@code user} with a fresh valid token from {@code ip} and reads the welcome. */
    WsClient user(String user, String ip) {
        WsClient c = ws("/ws", as(Tokens.hs256(user), ip));
        c.nextContaining("welcome");
        return c;
    }

    static void eventually(BooleanSupplier condition, String what) {
        if (!Poll.until(condition, WsClient.WAIT.toMillis(), 10)) {
            fail("not within " + WsClient.WAIT + ": " + what);
        }
    }

    static String dm(String to, String text) {
        return "{\"type\":\"dm\",\"to\":\"" + to + "\",\"text\":\"" + text + "\"}";
    }
}
