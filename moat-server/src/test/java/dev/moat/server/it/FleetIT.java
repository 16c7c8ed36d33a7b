package dev.moat.server.it;

import dev.moat.reliability.Poll;
import dev.moat.server.JarHttp;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 6 end to end: three {@code moat serve} processes (the shaded jar) on one real
 * {@code redis-server}. Concurrent load across the three holds the per-target limit exactly and
 * the global limit within the documented slice bound; a ban made through node A refuses the user
 * at node C within one second (and an unban through B frees them at A and C within one second);
 * Redis killed with SIGKILL under load and restarted: no node fails a request, and a ban
 * acknowledged during the outage reaches another node once Redis is back.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetIT {
    static final int NODES = 3;
    static final int LOGIN_MAX = 20;
    static final int INVITE_MAX = 50;
    static RedisProcess redis;
    static final List<JarServer> nodes = new ArrayList<>();
    static final Thread CLEANUP = new Thread(FleetIT::killAll, "fleet-it-cleanup");

    @BeforeAll
    static void start() {
        Runtime.getRuntime().addShutdownHook(CLEANUP);
        try {
            redis = RedisProcess.start();
            String prefix = "fleet" + Long.toHexString(System.nanoTime());
            for (int i = 0; i < NODES; i++) {
                JarServer n = JarServer.create();
                nodes.add(n);
                n.writeConfig(yaml(n, prefix));
            }
            for (JarServer n : nodes) {
                System.out.println("node on " + n.port + " answered /healthz after " + n.start().toMillis() + " ms");
                assertThat(n.call("GET", "/healthz", null, null).body()).contains("redis");
            }
        } catch (RuntimeException | Error e) {
            killAll();
            throw e;
        }
    }

    // timeout 3s, not the 250 ms default: on two loaded cores with three JVMs warming up, one slow
    // answer marks Redis down and the node counts in its own memory (on_failure: local, by design),
    // which over-admits (a first run saw 23 logins of 20) and is not what the limit test is about.
    static String yaml(JarServer n, String prefix) {
        return """
                server:
                  listen: 127.0.0.1:%d
                  api_keys:
                    - {name: ops, key: "${MOAT_IT_ADMIN_KEY}", role: admin}
                    - {name: chat, key: %s, role: client}
                store:
                  type: redis
                  data_dir: %s
                  redis: {uri: "%s", key_prefix: %s, on_failure: local, timeout: 3s}
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: %d, per: 1h, by: ip}
                    global:
                      invite: {max: %d, per: 1h}
                """.formatted(n.port, JarServer.CLIENT_KEY, n.dir.resolve("data"), redis.uri(), prefix,
                LOGIN_MAX, INVITE_MAX);
    }

    @AfterAll
    static void stop() {
        try {
            for (JarServer n : nodes) {
                n.close();
            }
        } finally {
            killAll();
            try {
                Runtime.getRuntime().removeShutdownHook(CLEANUP);
            } catch (IllegalStateException ignored) {
                // already shutting down
            }
        }
    }

    static void killAll() {
        for (JarServer n : nodes) {
            n.killNow();
        }
        if (redis != null) {
            redis.close();
        }
    }

    JarServer node(int i) {
        return nodes.get(i % NODES);
    }

    /** {@code count} checks from 6 threads, round-robin over the nodes; returns how many were allowed. */
    int load(int count, IntFunction<String> body) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<Boolean>> answers = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                int k = i;
                answers.add(pool.submit(() -> {
                    JarHttp.Answer r = node(k).client("POST", "/v1/check", body.apply(k));
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    return r.json().get("allowed").asBoolean();
                }));
            }
            int allowed = 0;
            for (Future<Boolean> f : answers) {
                allowed += f.get() ? 1 : 0;
            }
            return allowed;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The GCRA refills max per hour: what a correct limiter may add over {@code millis}. */
    static int refill(int max, long millis) {
        return (int) (max * millis / 3_600_000L);
    }

    @Test
    @Order(1)
    void perTargetLimitIsExactAcrossTheFleetAndTheGlobalOneWithinTheSliceBound() throws Exception {
        long t0 = System.currentTimeMillis();
        int logins = load(100, k -> "{\"action\":\"login\",\"ip\":\"198.51.100.20\"}");
        long loginMs = System.currentTimeMillis() - t0;
        System.out.println("fleet logins allowed: " + logins + " of 100 (" + loginMs + " ms)");
        assertThat(logins).as("per-target limits are exact in Redis: %d logins per hour per IP over %d nodes",
                LOGIN_MAX, NODES).isBetween(LOGIN_MAX, LOGIN_MAX + refill(LOGIN_MAX, loginMs));

        long t1 = System.currentTimeMillis();
        int invites = load(200, k -> "{\"action\":\"invite\",\"user\":\"inviter" + k + "\"}");
        long inviteMs = System.currentTimeMillis() - t1;
        System.out.println("fleet invites allowed: " + invites + " of 200 (" + inviteMs + " ms)");
        // docs/redis.md "Accuracy bound", GCRA (the default algorithm): at most ceil(max * L / per)
        // more than one exact GCRA, L = min(slice_ms 250 ms, per / 64) = 250 ms: ceil(50 * 0.25 / 3600) = 1.
        int over = (int) Math.ceil(INVITE_MAX * 250.0 / 3_600_000.0);
        // ... and never less than max minus what the nodes may hold unspent: capacity / (2N) each.
        int under = NODES * (int) Math.ceil(INVITE_MAX / (2.0 * NODES));
        assertThat(invites).as("global invite %d/h over %d nodes: at most max + ceil(max*L/per) = +%d (slice bound,"
                        + " docs/redis.md), at least max - N*ceil(max/(2N)) = -%d (unspent slices)",
                INVITE_MAX, NODES, over, under)
                .isBetween(INVITE_MAX - under, INVITE_MAX + over + refill(INVITE_MAX, inviteMs));
    }

    static boolean banned(JarServer n, String user) {
        JarHttp.Answer r = n.client("POST", "/v1/check", "{\"action\":\"message\",\"user\":\"" + user + "\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonNode d = r.json();
        return !d.get("allowed").asBoolean() && "banned".equals(d.path("reason").asText());
    }

    /** Polls until {@code banned(n, user) == want}; returns the delay from {@code fromNanos}, or -1 past the deadline. */
    static long await(JarServer n, String user, boolean want, long fromNanos, long deadlineMillis) {
        long deadline = fromNanos + deadlineMillis * 1_000_000L;
        while (true) {
            boolean is = banned(n, user);
            long now = System.nanoTime();
            if (is == want) {
                return now <= deadline ? (now - fromNanos) / 1_000_000L : -1;
            }
            if (now > deadline) {
                return -1;
            }
            JarServer.sleep(10);
        }
    }

    @Test
    @Order(2)
    void aBanThroughNodeARefusesTheUserAtNodeCWithinOneSecondAndAnUnbanThroughBFreesThem() {
        JarServer a = nodes.get(0), b = nodes.get(1), c = nodes.get(2);
        assertThat(banned(c, "mallory")).isFalse();
        JarHttp.Answer add = a.admin("POST", "/v1/bans", "{\"subject\":\"user:mallory\",\"duration\":\"30d\",\"reason\":\"it\"}");
        long at = System.nanoTime();
        assertThat(add.status()).as(add.body()).isEqualTo(201);
        long toC = await(c, "mallory", true, at, 1000);
        System.out.println("ban at A refused at C after " + toC + " ms");
        assertThat(toC).as("a ban made through node A refuses the user at node C within one second").isNotNegative();
        assertThat(banned(b, "mallory")).isTrue();

        JarHttp.Answer del = b.admin("DELETE", "/v1/bans/user%3Amallory", null);
        long lifted = System.nanoTime();
        assertThat(del.status()).as(del.body()).isEqualTo(204);
        long toA = await(a, "mallory", false, lifted, 1000);
        long toC2 = await(c, "mallory", false, lifted, 1000);
        System.out.println("unban at B allowed at A after " + toA + " ms, at C after " + toC2 + " ms");
        assertThat(toA).as("an unban through B frees the user at A within one second").isNotNegative();
        assertThat(toC2).as("an unban through B frees the user at C within one second").isNotNegative();
    }

    @Test
    @Order(3)
    void redisKilledUnderLoadAndRestartedNoNodeFailsAndABanAcknowledgedDuringTheOutageReachesTheOthers()
            throws Exception {
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger answered = new AtomicInteger();
        List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int t = 0; t < 3; t++) {
                int nodeIndex = t;
                pool.submit(() -> {
                    int k = 0;
                    while (running.get()) {
                        JarServer n = node(nodeIndex);
                        try {
                            JarHttp.Answer r = n.client("POST", "/v1/check",
                                    "{\"action\":\"login\",\"ip\":\"192.0.2." + (k++ % 200) + "\"}");
                            JarHttp.Answer h = n.call("GET", "/healthz", null, null);
                            if (r.status() != 200 || h.status() != 200) {
                                failures.add(n.port + ": check " + r.status() + " " + r.body() + ", healthz " + h.status());
                            }
                            answered.incrementAndGet();
                        } catch (RuntimeException e) {
                            failures.add(n.port + ": " + e);
                        }
                    }
                });
            }
            waitFor(() -> answered.get() >= 30, 30_000, "load running");
            redis.kill();
            System.out.println("redis killed with SIGKILL after " + answered.get() + " answered");
            int before = answered.get();
            // every node's own requests hit the dead Redis (so each is in its fallback) and it keeps answering
            waitFor(() -> answered.get() >= before + 60, 60_000, "load continuing during the outage");
            JarHttp.Answer add = nodes.get(0).admin("POST", "/v1/bans",
                    "{\"subject\":\"user:trudy\",\"duration\":\"30d\",\"reason\":\"outage\"}");
            assertThat(add.status()).as("a ban during the outage is acknowledged: " + add.body()).isEqualTo(201);
            assertThat(banned(nodes.get(0), "trudy")).isTrue();

            redis.launch();
            System.out.println("redis restarted on " + redis.port);
            long back = System.nanoTime();
            long seen = await(nodes.get(2), "trudy", true, back, 15_000);
            System.out.println("ban acknowledged during the outage at A refused at C " + seen + " ms after Redis restarted");
            assertThat(seen).as("the ban acknowledged at A during the outage reaches C after Redis is back").isNotNegative();
            assertThat(await(nodes.get(1), "trudy", true, back, 15_000)).isNotNegative();
            int after = answered.get();
            waitFor(() -> answered.get() >= after + 30, 30_000, "load continuing after recovery");
        } finally {
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        }
        System.out.println("load answered " + answered.get() + " requests across the outage");
        assertThat(failures).as("every check and /healthz answered 200 through the outage (on_failure: local)").isEmpty();
        for (JarServer n : nodes) {
            assertThat(n.alive()).as("node on %d still running", n.port).isTrue();
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition, long millis, String what) {
        Poll.await(condition, millis, what);
    }
}
