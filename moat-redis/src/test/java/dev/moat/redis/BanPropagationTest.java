package dev.moat.redis;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two Moat nodes, each with its own connection and RedisBanPropagation, on one real Redis: a ban
 * or unban through A is in force at B within one second, and B resynchronises its ban book after
 * its connection drops and comes back.
 */
class BanPropagationTest {
    private static RedisServers.Server server;
    private RedisStores storesA;
    private RedisStores storesB;
    private Moat a;
    private Moat b;
    private RedisBanPropagation propagationA;
    private RedisBanPropagation propagationB;

    @BeforeAll
    static void startRedis() {
        server = RedisServers.standalone();
    }

    @AfterAll
    static void stopRedis() {
        server.close();
    }

    @BeforeEach
    void twoNodes() {
        String prefix = "prop-" + UUID.randomUUID();
        storesA = RedisStores.open(server.uri(), List.of(), prefix, "local", 250, null);
        storesB = RedisStores.open(server.uri(), List.of(), prefix, "local", 250, null);
        a = Moat.builder().limitStore(storesA.limitStore()).stateStore(storesA.stateStore()).build();
        b = Moat.builder().limitStore(storesB.limitStore()).stateStore(storesB.stateStore()).build();
        propagationA = storesA.propagation(a);
        propagationB = storesB.propagation(b);
        waitUntil(Duration.ofSeconds(10), () -> propagationA.subscribed() && propagationB.subscribed()
                && propagationA.resyncs() > 0 && propagationB.resyncs() > 0, "both nodes subscribed");
    }

    @AfterEach
    void close() {
        storesA.close();
        storesB.close();
    }

    private static Decision message(Moat node, String user) {
        return node.check(CheckRequest.builder("message").user(user).ip("203.0.113.7").build());
    }

    private static boolean banned(Moat node, String user) {
        Decision d = message(node, user);
        return !d.allowed() && d.reason() == Reason.BANNED;
    }

    /** Polls {@code condition} (every 10 ms) until it holds; fails naming {@code what} after {@code limit}. */
    private static void waitUntil(Duration limit, BooleanSupplier condition, String what) {
        RedisOutageRig.waitUntil(limit, condition, what + " within " + limit);
    }

    @Test
    void aBanThroughARefusesTheUserAtBWithinOneSecond() {
        assertThat(message(b, "mallory").allowed()).isTrue();
        a.ban("user:mallory", Duration.ofHours(1).toMillis(), "spam wave", "ops-key");
        waitUntil(Duration.ofSeconds(1), () -> banned(b, "mallory"), "B refuses mallory after the ban at A");
        assertThat(b.banOf("user:mallory").reason()).isEqualTo("spam wave");
        assertThat(propagationA.applied()).as("A ignores its own message").isZero();
    }

    @Test
    void anUnbanThroughALetsTheUserBackAtBWithinOneSecond() {
        a.ban("user:mallory", Duration.ofHours(1).toMillis(), "spam wave", "ops-key");
        waitUntil(Duration.ofSeconds(1), () -> banned(b, "mallory"), "ban at B");
        assertThat(a.unban("user:mallory", "ops-key", "false positive")).isTrue();
        waitUntil(Duration.ofSeconds(1), () -> message(b, "mallory").allowed(), "B lets mallory back after the unban at A");
    }

    @Test
    void anAddressBanFromTheRuleAtAAlsoReachesB() {
        a.ban("cidr:203.0.113.0/24", Duration.ofHours(1).toMillis(), "botnet", "ops-key");
        waitUntil(Duration.ofSeconds(1), () -> banned(b, "someone-else"), "a CIDR ban covers the address at B");
    }

    @Test
    void aNodeThatReconnectsResynchronisesBansItMissed() throws Exception {
        long resyncsBefore = propagationB.resyncs();
        // a ban B hears nothing about: written to Redis without a message
        long now = System.currentTimeMillis();
        storesA.redisStateStore().putBan(new Ban("user:quiet", "manual", "manual", BanSource.MANUAL, now, now + 3_600_000,
                0, "ops-key"));
        assertThat(banned(b, "quiet")).as("nobody told B").isFalse();

        // drop every pub/sub connection; Lettuce reconnects and resubscribes, B reloads its book
        assertThat(server.command("CLIENT", "KILL", "TYPE", "pubsub")).isNotEqualTo("0");
        // the resync counts itself after it has loaded the book: wait for both, not one then the other
        waitUntil(Duration.ofSeconds(10), () -> propagationB.resyncs() > resyncsBefore, "B resynchronised after reconnecting");
        assertThat(banned(b, "quiet")).as("the ban B missed, after its resync").isTrue();

        // and propagation works again after the reconnect
        a.ban("user:loud", Duration.ofHours(1).toMillis(), "spam", "ops-key");
        waitUntil(Duration.ofSeconds(1), () -> banned(b, "loud"), "propagation after the reconnect");
    }

    /** Records what the other nodes told this one, as "op user reason" lines. */
    private static final class Recorder implements RemoteEvents {
        final List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public void onRemoteBan(Ban ban) {
            heard.add("ban " + ban.subject() + " " + ban.reason());
        }

        @Override
        public void onRemoteKick(String user, String reason) {
            heard.add("kick " + user + " " + reason);
        }

        @Override
        public void onRemoteDisconnect(String user, String reason) {
            heard.add("disconnect " + user + " " + reason);
        }
    }

    @Test
    void aDisconnectPublishedByAReachesBsRemoteEventsAndNotAsOwn() throws Exception {
        Recorder atA = new Recorder();
        Recorder atB = new Recorder();
        propagationA.addRemoteEvents(atA);
        propagationB.addRemoteEvents(atB);
        propagationA.publishDisconnect("alice", "account suspended").toCompletableFuture().get(5, java.util.concurrent.TimeUnit.SECONDS);
        waitUntil(Duration.ofSeconds(1), () -> atB.heard.contains("disconnect alice account suspended"), "B heard it");
        assertThat(atA.heard).as("A skips its own message").isEmpty();
    }

    @Test
    void aBanOfAUserAtAReachesBAsABanFollowedByAKick() {
        Recorder atB = new Recorder();
        propagationB.addRemoteEvents(atB);
        a.ban("user:mallory", Duration.ofHours(1).toMillis(), "spam wave", "ops-key");
        waitUntil(Duration.ofSeconds(1), () -> atB.heard.size() >= 2, "B heard the ban and the kick");
        assertThat(atB.heard).containsExactly("ban user:mallory spam wave", "kick mallory banned");
        assertThat(b.banOf("user:mallory")).as("the ban is in B's book before B's handlers hear of it").isNotNull();
    }

    @Test
    void aKickOrDisconnectMessageWithoutAUserIsSkipped() {
        Recorder atB = new Recorder();
        propagationB.addRemoteEvents(atB);
        propagationB.onMessage("{\"op\":\"disconnect\",\"node\":\"elsewhere\",\"reason\":\"x\"}");
        propagationB.onMessage("{\"op\":\"kick\",\"node\":\"elsewhere\",\"user\":\"\"}");
        propagationB.onMessage("{\"op\":\"disconnect\",\"node\":\"elsewhere\",\"user\":\"bob\"}");
        assertThat(atB.heard).containsExactly("disconnect bob null");
    }
}
