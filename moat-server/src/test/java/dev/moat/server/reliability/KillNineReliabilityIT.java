package dev.moat.server.reliability;

import dev.moat.server.JarHttp;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a Moat node under load, in durable mode (the embedded default: bans, scores
 * and the violation log in SQLite under data_dir). Four threads post checks that run users and
 * addresses past their limits (violations, then bans of the user and the address), one thread
 * adds manual bans, one reports violations. Every answer in the 2xx range is an acknowledgement:
 * the ban or violation it reports must exist after the node is killed with SIGKILL mid-load and
 * started again on the same directory. Nothing else is promised for requests the kill cut off.
 */
class KillNineReliabilityIT {
    static final String LIMITS = """
            rate_limits:
              preset: none
              client:
                target:
                  login: {max: 2, per: 1h, by: ip}
                  message: {max: 3, per: 1h, by: user}
            violations: {anonymous: ip}
            bans: {interval: 3, duration: 2h}
            """;

    private MoatProcess moat;

    @AfterEach
    void stop() {
        if (moat != null) {
            moat.close();
        }
    }

    /** What the node acknowledged: bans by subject, the highest total acknowledged per subject and type. */
    static final class Acks {
        final Set<String> bans = ConcurrentHashMap.newKeySet();
        final Map<String, Double> totals = new ConcurrentHashMap<>();
        final AtomicInteger answers = new AtomicInteger();
        final AtomicInteger refusedAfterKill = new AtomicInteger();

        void violation(JsonNode v, String fallbackSubject) {
            if (v == null || v.isMissingNode() || v.isNull()) {
                return;
            }
            String subject = v.path("subject").asText(fallbackSubject);
            totals.merge(subject + "|" + v.path("type").asText(), v.path("total").asDouble(), Math::max);
        }

        void ban(JsonNode b) {
            if (b != null && !b.isMissingNode() && !b.isNull()) {
                bans.add(b.path("subject").asText());
            }
        }
    }

    @Test
    void nothingAcknowledgedIsLostWhenTheNodeIsKilledUnderLoad() throws Exception {
        moat = new MoatProcess();
        moat.writeConfig(moat.yaml(LIMITS));
        Duration first = moat.start(Map.of());
        Acks acks = new Acks();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> threads = new ArrayList<>();
        List<Throwable> unexpected = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            threads.add(new Thread(() -> {
                for (int i = 0; running.get(); i++) {
                    int who = i / 12;
                    String body = i % 2 == 0
                            ? "{\"action\":\"message\",\"user\":\"load-" + thread + "-" + who + "\",\"ip\":\"10." + thread
                            + "." + (who / 250 % 250) + "." + (who % 250 + 1) + "\"}"
                            : "{\"action\":\"login\",\"ip\":\"172.16." + thread + "." + (who % 250 + 1) + "\"}";
                    record(acks, unexpected, () -> {
                        JarHttp.Answer r = moat.client("POST", "/v1/check", body);
                        if (r.ok()) {
                            acks.answers.incrementAndGet();
                            acks.violation(r.json().path("violation"), null);
                            acks.ban(r.json().path("ban").isMissingNode() || !"ban".equals(r.json().path("verdict").asText())
                                    ? null : r.json().path("ban"));
                        }
                        return r;
                    });
                }
            }, "check-" + t));
        }
        threads.add(new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                String subject = "user:manual-" + i;
                record(acks, unexpected, () -> {
                    JarHttp.Answer r = moat.admin("POST", "/v1/bans",
                            "{\"subject\":\"" + subject + "\",\"duration\":\"2h\",\"reason\":\"kill -9 test\"}");
                    if (r.ok()) {
                        acks.answers.incrementAndGet();
                        acks.bans.add(r.json().path("subject").asText());
                    }
                    return r;
                });
            }
        }, "bans"));
        threads.add(new Thread(() -> {
            for (int i = 0; running.get(); i++) {
                String user = "reported-" + (i / 3);
                record(acks, unexpected, () -> {
                    JarHttp.Answer r = moat.client("POST", "/v1/violations",
                            "{\"type\":\"spam\",\"user\":\"" + user + "\",\"score\":2,\"detail\":\"kill -9 test\"}");
                    if (r.ok()) {
                        acks.answers.incrementAndGet();
                        acks.totals.merge("user:" + user + "|spam", r.json().path("total").asDouble(), Math::max);
                        acks.ban(r.json().path("ban"));
                    }
                    return r;
                });
            }
        }, "violations"));
        threads.forEach(Thread::start);

        // until enough is acknowledged (a loaded machine is slow), then kill mid-load
        long deadline = System.currentTimeMillis() + 60_000;
        while ((acks.bans.size() < 60 || acks.totals.size() < 60) && System.currentTimeMillis() < deadline) {
            MoatProcess.sleep(100);
        }
        moat.kill9();
        running.set(false);
        for (Thread t : threads) {
            t.join(30_000);
        }
        assertThat(unexpected).as("answers other than 2xx/4xx before the kill").isEmpty();
        Set<String> bans = new HashSet<>(acks.bans);
        Map<String, Double> totals = Map.copyOf(acks.totals);
        System.out.printf("kill -9: first start %d ms; %d answers, %d bans and %d (subject, type) totals acknowledged"
                + " before SIGKILL%n", first.toMillis(), acks.answers.get(), bans.size(), totals.size());
        assertThat(bans.size()).as("bans acknowledged before the kill").isGreaterThanOrEqualTo(20);

        Duration again = moat.start(Map.of());
        System.out.printf("kill -9: restarted in %d ms%n", again.toMillis());
        Set<String> stored = allBans();
        assertThat(stored).as("every acknowledged ban is there after the restart").containsAll(bans);
        for (Map.Entry<String, Double> e : totals.entrySet()) {
            String[] st = e.getKey().split("\\|");
            JarHttp.Answer h = moat.admin("GET", "/v1/violations/" + URLEncoder.encode(st[0], StandardCharsets.UTF_8), null);
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.json().path("scores").path(st[1]).asDouble())
                    .as("score of %s %s after the restart", st[0], st[1]).isGreaterThanOrEqualTo(e.getValue());
        }
        // and the bans are in force, not just listed
        String user = bans.stream().filter(b -> b.startsWith("user:load-")).findFirst().orElseThrow();
        JarHttp.Answer r = moat.client("POST", "/v1/check",
                "{\"action\":\"message\",\"user\":\"" + user.substring(5) + "\"}");
        assertThat(r.json().path("reason").asText()).isEqualTo("banned");
        assertThat(moat.stop()).isIn(0, 143);
    }

    /** Every active ban, page by page. */
    Set<String> allBans() {
        Set<String> out = new HashSet<>();
        String cursor = null;
        do {
            JarHttp.Answer r = moat.admin("GET", "/v1/bans?limit=500" + (cursor == null ? ""
                    : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)), null);
            assertThat(r.status()).isEqualTo(200);
            r.json().path("bans").forEach(b -> out.add(b.path("subject").asText()));
            cursor = r.json().path("next").isNull() || r.json().path("next").isMissingNode() ? null
                    : r.json().path("next").asText();
        } while (cursor != null);
        return out;
    }

    interface Call {
        JarHttp.Answer call();
    }

    /** A 5xx before the kill is a failure of its own; an I/O error is the kill cutting the request off. */
    static void record(Acks acks, List<Throwable> unexpected, Call c) {
        try {
            JarHttp.Answer r = c.call();
            if (r.status() >= 500) {
                unexpected.add(new AssertionError(r.status() + " " + r.body()));
            }
        } catch (UncheckedIOException | IllegalStateException e) {
            acks.refusedAfterKill.incrementAndGet();
            MoatProcess.sleep(5);
        }
    }
}
