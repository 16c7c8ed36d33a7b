package dev.moat.server.gateway;

import dev.moat.core.Moat;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.policy.By;
import dev.moat.redis.RedisConnection;
import dev.moat.redis.RedisLimitStore;
import dev.moat.server.TempDirs;
import dev.moat.server.http.LoopGuard;
import dev.moat.server.http.LoopGuardLimits;
import dev.moat.server.it.RedisProcess;
import dev.moat.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's arrangement on Redis: frame limits counted by a real redis-server behind
 * {@link LoopGuardLimits}, each frame's counters asked from its connection's event loop without
 * waiting and the frame decided again when they answer. Frames keep their order, each is counted
 * once, and a refusal still records its violation (on a worker, in SQLite).
 */
class RedisCountersOnTheLoopGatewayTest extends GatewayHarness {
    private RedisProcess redis;
    private RedisConnection connection;
    private SqliteStateStore state;

    @AfterEach
    void stopAll() {
        stopGateway();
        if (connection != null) {
            connection.close();
        }
        if (state != null) {
            state.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void framesAreCountedOnceInOrderAndTheRefusalsScore() throws Exception {
        redis = RedisProcess.start();
        connection = RedisConnection.open(redis.uri(), List.of(), 5_000);
        state = SqliteStateStore.open(TempDirs.create());
        moat = Moat.builder().policy(policy(limit("ws_message", 20, By.USER)))
                .limitStore(new LoopGuardLimits(new RedisLimitStore(connection, "gwloop")))
                .stateStore(new LoopGuard(state)).build();
        ClientAddressResolver resolver = new ClientAddressResolver(CidrSet.of(Cidr.parse("127.0.0.1/32")),
                List.of(ClientAddressResolver.ForwardingHeader.X_FORWARDED_FOR));
        gateway = Gateway.start(vertx, moat, settings(BASE), resolver, Gateway.Decisions.LOOP_FIRST);
        try (WsClient c = user("rhea", "203.0.113.80")) {
            for (int i = 0; i < 30; i++) {
                c.send("{\"type\":\"echo\",\"n\":" + i + "}");
            }
            for (int i = 0; i < 10; i++) {
                assertThat(c.nextContaining("\"type\":\"error\"")).contains("rate_limited");
            }
        }
        List<Integer> got = new ArrayList<>();
        eventually(() -> upstream.framesFrom("rhea").stream().filter(f -> f.contains("\"n\":")).count() == 20,
                "20 frames upstream");
        for (String f : upstream.framesFrom("rhea")) {
            if (f.contains("\"n\":")) {
                got.add(Integer.parseInt(f.replaceAll(".*\"n\":(\\d+).*", "$1")));
            }
        }
        assertThat(got).as("the first 20, in order, each counted once").isEqualTo(
                java.util.stream.IntStream.range(0, 20).boxed().toList());
        eventually(() -> !moat.history("user:rhea", null, 10).log().items().isEmpty(), "the violation is in SQLite");
    }
}
