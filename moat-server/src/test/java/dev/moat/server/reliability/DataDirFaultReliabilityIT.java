package dev.moat.server.reliability;

import dev.moat.server.JarHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A data directory that fills up or turns read-only under a running node, and one that is
 * read-only from the start, through the shaded jar.
 *
 * <p>Full disk: {@code prlimit --fsize=0} on the running process (RLIMIT_FSIZE: every write that
 * would grow a file fails with EFBIG, as on a full disk; the JVM ignores SIGXFSZ). Read-only:
 * {@code chattr +i} on the database, its WAL and the directory when running as root (who ignores
 * file modes), {@code chmod a-w} otherwise. Either fault is lifted afterwards, as an operator would.
 *
 * <p>What must hold: a write that cannot be made is answered with an error, never a 2xx; the log
 * says what failed and where; {@code /healthz} turns 503 with the reason; decisions that only
 * read memory go on; when the fault is lifted the node recovers without a restart; after a
 * restart every write that was acknowledged is there.
 */
class DataDirFaultReliabilityIT {
    static final String LIMITS = """
            rate_limits:
              preset: none
              client:
                target:
                  login: {max: 1, per: 1h, by: ip}
            bans: {interval: 100}
            """;

    private MoatProcess moat;
    private final List<Runnable> undo = new ArrayList<>();

    @AfterEach
    void stop() {
        undo.forEach(Runnable::run);
        if (moat != null) {
            moat.close();
        }
    }

    static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Makes {@code paths} unwritable; returns false when this machine cannot (the test is then skipped). */
    boolean readOnly(Path... paths) {
        for (Path p : paths) {
            boolean ok = root() ? MoatProcess.run("chattr", "+i", p.toString()) == 0 : p.toFile().setWritable(false, false);
            if (!ok) {
                return false;
            }
            undo.add(0, () -> {
                if (root()) {
                    MoatProcess.run("chattr", "-i", p.toString());
                } else {
                    p.toFile().setWritable(true, false);
                }
            });
        }
        return true;
    }

    void writable() {
        undo.forEach(Runnable::run);
        undo.clear();
    }

    int banCounter;

    /** A manual ban; returns its subject when acknowledged (2xx), null otherwise, and never a 2xx without it. */
    String ban(List<String> acked) {
        String subject = "user:fault-" + (banCounter++);
        JarHttp.Answer r = moat.admin("POST", "/v1/bans", "{\"subject\":\"" + subject + "\",\"duration\":\"2h\"}");
        if (r.ok()) {
            acked.add(subject);
            return subject;
        }
        assertStoreUnavailable("a write that could not be made", r);
        return null;
    }

    /** 503 store-unavailable with a Retry-After: the disk failed, not the request, and a retry can succeed. */
    static void assertStoreUnavailable(String what, JarHttp.Answer r) {
        assertThat(r.status()).as("%s: %s", what, r.body()).isEqualTo(503);
        assertThat(r.contentType()).startsWith("application/problem+json");
        assertThat(r.json().path("type").asText()).isEqualTo("urn:moat:problem:store-unavailable");
        assertThat(r.json().path("detail").asText()).contains("durable state store is failing");
        assertThat(r.header("Retry-After")).as("Retry-After of %s", what).isNotNull().matches("[1-9][0-9]*");
    }

    /** A login over the limit: its refusal must record a violation, a write. */
    JarHttp.Answer loginOverLimit(String ip) {
        moat.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"" + ip + "\"}");
        return moat.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"" + ip + "\"}");
    }

    void assertFaulted(String what, List<String> acked) {
        assertThat(ban(acked)).as("a ban while the disk is %s", what).isNull();
        JarHttp.Answer refusal = loginOverLimit("198.51.100." + (banCounter % 200 + 1));
        assertStoreUnavailable("a refusal that cannot record its violation (" + what + ")", refusal);
        JarHttp.Answer health = moat.get("/healthz");
        assertThat(health.status()).as("/healthz while the disk is %s", what).isEqualTo(503);
        assertThat(health.json().path("detail").asText()).as("the reason").contains("moat.db");
        JarHttp.Answer allowed = moat.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2."
                + (banCounter % 200 + 1) + "\"}");
        assertThat(allowed.status()).as("a decision that only reads memory goes on").isEqualTo(200);
        assertThat(allowed.json().path("allowed").asBoolean()).isTrue();
    }

    void assertRecovered(List<String> acked) {
        long deadline = System.currentTimeMillis() + 20_000;
        String subject = null;
        while (subject == null && System.currentTimeMillis() < deadline) {
            subject = ban(acked);
        }
        assertThat(subject).as("writes succeed again once the fault is lifted").isNotNull();
        assertThat(moat.get("/healthz").status()).isEqualTo(200);
        assertThat(loginOverLimit("203.0.113." + (banCounter % 200 + 1)).status()).isEqualTo(200);
    }

    @Test
    void aDataDirThatFillsUpOrTurnsReadOnlyFailsWritesLoudlyAndLosesNothingAcknowledged() {
        assumeTrue(MoatProcess.run("prlimit", "--version") == 0, "prlimit (util-linux) is needed");
        moat = new MoatProcess();
        moat.writeConfig(moat.yaml(LIMITS));
        moat.start(Map.of());
        List<String> acked = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            assertThat(ban(acked)).isNotNull();
        }

        // the disk is full
        String pid = Long.toString(moat.pid());
        assertThat(MoatProcess.run("prlimit", "--pid", pid, "--fsize=0:unlimited")).isZero();
        try {
            assertFaulted("full", acked);
        } finally {
            assertThat(MoatProcess.run("prlimit", "--pid", pid, "--fsize=unlimited:unlimited")).isZero();
        }
        assertThat(moat.log()).as("the log names the failure").contains("moat.db");
        assertRecovered(acked);

        // the files turn read-only
        Path data = moat.dataDir();
        if (readOnly(data.resolve("moat.db-wal"), data.resolve("moat.db"), data)) {
            assertFaulted("read-only", acked);
            writable();
            assertRecovered(acked);
        }

        assertThat(moat.stop()).isIn(0, 143);
        moat.start(Map.of());
        for (String subject : acked) {
            JarHttp.Answer r = moat.admin("GET", "/v1/bans?subject=" + subject, null);
            assertThat(r.json().path("bans").toString()).as("acknowledged %s", subject).contains("\"" + subject + "\"");
        }
        System.out.printf("data dir faults: %d bans acknowledged around a full and a read-only disk, all kept%n",
                acked.size());
        assertThat(moat.stop()).isIn(0, 143);
    }

    @Test
    void aDataDirThatIsReadOnlyAtStartIsRefusedWithAClearMessage() throws Exception {
        moat = new MoatProcess();
        Path data = moat.dataDir();
        Files.createDirectories(data);
        assumeTrue(readOnly(data), "cannot make a directory read-only here");
        moat.writeConfig(moat.yaml(LIMITS));
        try {
            moat.start(Map.of());
            throw new AssertionError("moat started on a read-only data_dir");
        } catch (IllegalStateException e) {
            assertThat(e.getMessage()).contains("moat exited with");
        }
        assertThat(moat.log()).contains(data.toString()).containsIgnoringCase("not writable");
    }
}
