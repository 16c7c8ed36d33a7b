package dev.moat.sqlite;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.store.RecordedViolation;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;

/**
 * The child JVM of {@link KillNineDurabilityTest}: opens the store on {@code args[0]} and, from
 * {@code args[1]} threads, writes bans, scores, log entries and violations (score and log entry in
 * one write) forever, printing one line per
 * write after the store acknowledged it. It never stops by itself; the test kills it.
 *
 * <pre>
 * ACK ban &lt;subject&gt;
 * ACK score &lt;subject&gt; &lt;type&gt; &lt;value after&gt;
 * ACK log &lt;seq&gt; &lt;subject&gt; &lt;n&gt;
 * ACK violation &lt;seq&gt; &lt;subject&gt; &lt;n&gt; &lt;score after&gt;
 * </pre>
 */
public final class DurabilityChild {
    /** Bans last long enough that the parent's reopen (system clock) keeps them. */
    static final long BAN_MILLIS = 10L * 24 * 3_600_000;
    static final int SCORE_SUBJECTS = 5;

    private DurabilityChild() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int threads = Integer.parseInt(args[1]);
        String round = args[2];
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
        SqliteStateStore store = SqliteStateStore.open(dir);
        out.println("OPEN " + round);
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread w = new Thread(() -> {
                for (long i = 0; ; i++) {
                    long now = System.currentTimeMillis();
                    String banned = "user:" + round + "-t" + thread + "-" + i;
                    store.putBan(new Ban(banned, "durability", "logins", BanSource.AUTO, now, now + BAN_MILLIS, i, "moat"));
                    ack(out, "ACK ban " + banned);

                    String scored = "user:s" + (i % SCORE_SUBJECTS);
                    double value = store.addScore(scored, "logins", 1.0, now, 0).current();
                    ack(out, "ACK score " + scored + " logins " + value);

                    String logged = "user:l" + thread;
                    LogEntry e = store.append(new LogEntry(0, logged, LogEntry.Kind.VIOLATION, "logins", 1, value, now, false,
                            "", "moat", Map.of("round", round, "n", Long.toString(i))));
                    ack(out, "ACK log " + e.seq() + " " + logged + " " + round + "/" + i);

                    // the engine's path: score and log line in one commit
                    String violator = "user:v" + thread;
                    String n = Long.toString(i);
                    RecordedViolation v = store.recordViolation(violator, "message_limit", 1.0, now, 0,
                            change -> new LogEntry(0, violator, LogEntry.Kind.VIOLATION, "message_limit", 1,
                                    change.current(), now, false, "", "moat", Map.of("round", round, "n", n)));
                    ack(out, "ACK violation " + v.entry().seq() + " " + violator + " " + round + "/" + i + " "
                            + v.change().current());
                }
            }, "child-writer-" + t);
            w.start();
        }
    }

    private static void ack(PrintStream out, String line) {
        synchronized (out) {
            out.println(line); // autoflush: one write(2) per line, right after the acknowledgement
        }
    }
}
