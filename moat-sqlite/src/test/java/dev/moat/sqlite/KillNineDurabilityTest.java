package dev.moat.sqlite;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.store.Page;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise of moat-sqlite: a write that returned survives {@code kill -9}. A child JVM writes
 * bans, scores, log entries and violations ({@code recordViolation}, the engine's path) from
 * several threads and prints a line after each acknowledged write; the test kills it with
 * SIGKILL in mid-flight, starts a second child on the same directory (which must recover the WAL
 * and carry on), kills that one too, then opens the directory itself and finds every
 * acknowledged write.
 */
class KillNineDurabilityTest {
    private static final int ACKS_PER_ROUND = 600;
    private static final int CHILD_THREADS = 8;

    @TempDir
    Path dir;

    /** What the children acknowledged. */
    private final Set<String> bans = new HashSet<>();
    private final Map<String, Double> scores = new HashMap<>();
    private final Map<String, Map<Long, String>> logs = new HashMap<>();
    private final Map<String, Double> violationScores = new HashMap<>();
    private int acks;

    @Test
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        Path dataDir = dir.resolve("data");
        for (String round : List.of("r1", "r2")) {
            runAndKill(dataDir, round);
            // killed, not closed: the WAL is still there and holds the latest commits
            assertThat(dataDir.resolve(SqliteStateStore.FILE_NAME + "-wal")).isNotEmptyFile();
        }
        assertThat(bans).isNotEmpty();
        assertThat(scores).isNotEmpty();
        assertThat(logs).isNotEmpty();
        assertThat(violationScores).isNotEmpty();

        try (SqliteStateStore store = SqliteStateStore.open(dataDir)) {
            long now = System.currentTimeMillis();
            Set<String> stored = new HashSet<>();
            for (Ban b : store.activeBans(now)) {
                stored.add(b.subject());
            }
            assertThat(stored).containsAll(bans);
            for (String subject : bans) {
                assertThat(store.banCount(subject)).as(subject).isEqualTo(1);
            }
            scores.forEach((subject, acked) ->
                    assertThat(store.scores(subject, now, 0).get("logins")).as(subject).isGreaterThanOrEqualTo(acked));
            violationScores.forEach((subject, acked) ->
                    assertThat(store.scores(subject, now, 0).get("message_limit")).as(subject).isGreaterThanOrEqualTo(acked));
            logs.forEach((subject, acked) -> {
                Map<Long, String> found = new HashMap<>();
                String cursor = null;
                do {
                    Page<LogEntry> page = store.log(subject, cursor, 500);
                    for (LogEntry e : page.items()) {
                        found.put(e.seq(), e.facts().get("round") + "/" + e.facts().get("n"));
                    }
                    cursor = page.next();
                } while (cursor != null);
                assertThat(found).as(subject).containsAllEntriesOf(acked);
            });
        }
    }

    private void runAndKill(Path dataDir, String round) throws Exception {
        Path stderr = dir.resolve("child-" + round + ".err");
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        Process child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), DurabilityChild.class.getName(),
                dataDir.toString(), Integer.toString(CHILD_THREADS), round)
                .redirectError(stderr.toFile())
                .start();
        int before = acks;
        try (Reader in = new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8)) {
            StringBuilder line = new StringBuilder();
            char[] buf = new char[8192];
            boolean killed = false;
            int n;
            while ((n = in.read(buf)) >= 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        record(line.toString());
                        line.setLength(0);
                    } else {
                        line.append(buf[i]);
                    }
                }
                if (!killed && acks - before >= ACKS_PER_ROUND) {
                    // SIGKILL (the exit status below proves it). Through the handle, because
                    // Process.destroyForcibly() also closes our end of the pipe, and the lines
                    // already in it are acknowledged writes to check too.
                    child.toHandle().destroyForcibly();
                    killed = true;
                }
            }
            // a line cut off by the kill (no newline) was never fully acknowledged: ignored
            assertThat(killed).as("the child ended by itself before %d acknowledgements; its stderr:%n%s",
                    ACKS_PER_ROUND, readQuietly(stderr)).isTrue();
        } finally {
            child.destroyForcibly();
        }
        assertThat(child.waitFor()).as("exit status of a process killed by SIGKILL (128 + 9)").isEqualTo(137);
    }

    private void record(String line) {
        String[] f = line.split(" ");
        if (f.length == 0 || !f[0].equals("ACK")) {
            return;
        }
        acks++;
        switch (f[1]) {
            case "ban" -> bans.add(f[2]);
            case "score" -> scores.merge(f[2], Double.parseDouble(f[4]), Math::max);
            case "log" -> logs.computeIfAbsent(f[3], k -> new HashMap<>()).put(Long.parseLong(f[2]), f[4]);
            case "violation" -> {
                logs.computeIfAbsent(f[3], k -> new HashMap<>()).put(Long.parseLong(f[2]), f[4]);
                violationScores.merge(f[3], Double.parseDouble(f[5]), Math::max);
            }
            default -> throw new AssertionError("unexpected line from the child: " + line);
        }
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }
}
