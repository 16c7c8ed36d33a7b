package dev.moat.server.reliability;

import dev.moat.reliability.Poll;
import dev.moat.server.JarHttp;
import dev.moat.server.it.RedisProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis killed under load through the server, with {@code store.redis.on_failure: deny}, and the
 * node itself killed during the outage. FleetIT covers {@code on_failure: local} across three
 * nodes; this covers the fail-closed mode and a crash of the node while it holds writes that only
 * its replay file under data_dir knows about.
 *
 * <p>What must hold: no request is ever answered 5xx; while Redis is down {@code /healthz} is 503
 * with the reason and checks are refused (a 200 with {@code allowed: false}), not failed; bans
 * acknowledged before and during the outage survive a SIGKILL of the node during the outage and
 * reach Redis when both are back; then checks are admitted again.
 */
class RedisOutageReliabilityIT {
    private RedisProcess redis;
    private MoatProcess moat;

    @AfterEach
    void stop() {
        if (moat != null) {
            moat.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void onFailureDenyRefusesWithoutFailingAndTheNodeCrashingDuringTheOutageLosesNoAcknowledgedBan() {
        redis = RedisProcess.startDurable();
        moat = new MoatProcess();
        moat.writeConfig(moat.yaml("""
                  type: redis
                  redis: {uri: "%s", key_prefix: rel, on_failure: deny, timeout: 1s}
                """.formatted(redis.uri()), """
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: 1000, per: 1h, by: ip}
                """));
        moat.start(Map.of());
        assertThat(moat.get("/healthz").body()).contains("redis");

        Set<String> acked = ConcurrentHashMap.newKeySet();
        List<String> fiveHundreds = new CopyOnWriteArrayList<>();
        AtomicInteger refusedWhileDown = new AtomicInteger();
        AtomicBoolean down = new AtomicBoolean();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int id = t;
            threads.add(new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    try {
                        JarHttp.Answer r = moat.client("POST", "/v1/check",
                                "{\"action\":\"login\",\"ip\":\"10.9." + id + "." + (i % 250 + 1) + "\"}");
                        if (r.status() >= 500) {
                            fiveHundreds.add("check " + r.status() + " " + r.body());
                        } else if (down.get() && !r.json().path("allowed").asBoolean(true)) {
                            refusedWhileDown.incrementAndGet();
                        }
                    } catch (UncheckedIOException | IllegalStateException e) {
                        MoatProcess.sleep(10); // the node is being killed
                    }
                }
            }, "check-" + t));
        }
        threads.add(new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                String subject = "user:redis-outage-" + i;
                try {
                    JarHttp.Answer r = moat.admin("POST", "/v1/bans", "{\"subject\":\"" + subject + "\",\"duration\":\"2h\"}");
                    if (r.ok()) {
                        acked.add(subject);
                    } else if (r.status() >= 500) {
                        fiveHundreds.add("ban " + r.status() + " " + r.body());
                    }
                } catch (UncheckedIOException | IllegalStateException e) {
                    MoatProcess.sleep(10);
                }
                MoatProcess.sleep(20);
            }
        }, "bans"));
        threads.forEach(Thread::start);

        waitFor(() -> acked.size() >= 20, "bans before the outage");
        int before = acked.size();
        redis.kill();
        down.set(true);
        waitFor(() -> moat.get("/healthz").status() == 503, "/healthz 503 while redis is down (deny)");
        JarHttp.Answer health = moat.get("/healthz");
        assertThat(health.json().path("detail").asText()).contains("redis").contains("deny");
        waitFor(() -> refusedWhileDown.get() >= 20 && acked.size() >= before + 10, "refusals and bans during the outage");
        String bannedDuringOutage = "user:redis-outage-" + (before + 5);

        // the node dies while the outage's writes are only in its replay file
        moat.kill9();
        running.set(false);
        for (Thread t : threads) {
            try {
                t.join(30_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        assertThat(fiveHundreds).as("5xx answers").isEmpty();
        int total = acked.size();

        redis.launch();
        moat.start(Map.of());
        // in force at once, from the replay file, before it has been replayed into Redis
        assertThat(acked).contains(bannedDuringOutage);
        JarHttp.Answer banned = moat.client("POST", "/v1/check",
                "{\"action\":\"login\",\"user\":\"" + bannedDuringOutage.substring(5) + "\"}");
        assertThat(banned.json().path("reason").asText()).as("a ban acknowledged during the outage").isEqualTo("banned");
        // listed (read from Redis) once the outage's writes are replayed: /healthz says fallback_active until then
        waitFor(() -> {
            JarHttp.Answer h = moat.get("/healthz");
            return h.status() == 200 && !h.json().path("fallback_active").asBoolean(true);
        }, "/healthz 200 and the replay done");
        for (String subject : acked) {
            JarHttp.Answer r = moat.admin("GET", "/v1/bans?subject=" + URLEncoder.encode(subject, StandardCharsets.UTF_8), null);
            assertThat(r.json().path("bans").toString()).as("acknowledged %s", subject).contains("\"" + subject + "\"");
        }
        JarHttp.Answer ok = moat.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.77\"}");
        assertThat(ok.json().path("allowed").asBoolean()).isTrue();
        System.out.printf("redis outage (deny): %d bans acknowledged (%d during the outage), %d checks refused while"
                + " down, node killed during the outage; all bans there after restart, no 5xx%n", total, total - before,
                refusedWhileDown.get());
        assertThat(moat.stop()).isIn(0, 143);
    }

    static void waitFor(java.util.function.BooleanSupplier condition, String what) {
        Poll.await(condition, 60_000, what);
    }
}
