package dev.moat.server.observe;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.ViolationRecord;
import dev.moat.core.policy.Realm;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A refusal's audit line laid out by the writer ({@link DecisionLine}) is byte for byte the line
 * {@link JsonLayout} writes for the same refusal logged through SLF4J ({@link DecisionLog#log}).
 */
class DecisionLineTest {
    static final LimitStatus LOGIN = new LimitStatus("client.target.login", "ip", "ip:192.0.2.7", 7, 300_000, 0,
            42_000, false, 41_500);

    /** The line through SLF4J and the layout, and the same refusal as a DecisionLine at the same instant. */
    private static void same(CheckRequest r, Decision d, boolean withText) {
        Logger audit = (Logger) LoggerFactory.getLogger("moat.audit");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.setContext(audit.getLoggerContext());
        captured.start();
        boolean additive = audit.isAdditive();
        audit.setAdditive(false);
        audit.addAppender(captured);
        try {
            new DecisionLog(() -> withText).log(r, d);
        } finally {
            audit.detachAppender(captured);
            audit.setAdditive(additive);
        }
        assertThat(captured.list).hasSize(1);
        ILoggingEvent e = captured.list.get(0);
        JsonLayout layout = new JsonLayout();
        layout.setContext(new LoggerContext());
        layout.start();
        String expected = layout.doLayout(e);

        DecisionLine.Bytes out = new DecisionLine.Bytes(16, StandardCharsets.UTF_8);
        DecisionLine.Timestamps clock = new DecisionLine.Timestamps(new JsonLayout());
        new DecisionLine(e.getTimeStamp(), r, d, DecisionLine.ascii("[" + d.verdict().wire().toUpperCase() + "] "),
                withText).writeTo(out, clock);
        assertThat(new String(out.a, 0, out.n, StandardCharsets.UTF_8)).isEqualTo(expected);
    }

    private static Decision deny(Reason reason, LimitStatus limit, long retry, ViolationRecord v, String filter) {
        return new Decision(Verdict.DENY, reason, "no", retry, limit, limit == null ? List.of() : List.of(limit), v,
                null, null, filter, null);
    }

    @Test
    void aRateLimitedAddress() {
        same(CheckRequest.builder("login").ip("192.0.2.7").build(), deny(Reason.RATE_LIMITED, LOGIN, 41_500, null, null),
                false);
    }

    @Test
    void aUserFromAnAddressWithAViolationAndOddScores() {
        CheckRequest r = CheckRequest.builder("login").user("@alice:example.org").ip("[2001:db8::1]:443").build();
        same(r, deny(Reason.RATE_LIMITED, LOGIN, 0, new ViolationRecord("logins", 1, 20, "user:x"), null), false);
        same(r, deny(Reason.RATE_LIMITED, LOGIN, 5, new ViolationRecord("logins", 1, 20.25, "user:x"), null), false);
        same(r, deny(Reason.RATE_LIMITED, LOGIN, 5, new ViolationRecord("logins", 1, 1e16, "user:x"), null), false);
        same(r, deny(Reason.RATE_LIMITED, LOGIN, 5, new ViolationRecord("logins", 1, Double.NaN, "user:x"), null), false);
    }

    @Test
    void everySubjectKindRealmVerdictAndMissingReason() {
        same(CheckRequest.builder("invite").realm(Realm.FEDERATION).server("example.org").build(),
                new Decision(Verdict.KICK, Reason.BANNED, "m", 7_200_000, null, List.of(), null, null, null, null, null),
                false);
        same(CheckRequest.builder("invite").appservice("bridge").build(),
                new Decision(Verdict.BAN, null, "m", -1, null, List.of(), null, null, null, null, null), false);
        same(CheckRequest.builder("invite").server("example.org").appservice("bridge").build(),
                deny(Reason.FILTERED, null, -1, null, "no_links"), false);
    }

    @Test
    void textThatNeedsEscapingAndTheMessageTextOnlyWhenAskedFor() {
        String odd = "tab\t \"q\" back\\slash \u0001 \u007f \u2028 é 😀 </script>";
        CheckRequest r = CheckRequest.builder("message" + odd).user(odd).ip(odd)
                .message(new CheckRequest.Message("hello " + odd, "v", null, true)).build();
        same(r, deny(Reason.LINK_SPAM, null, -1, new ViolationRecord(odd, 1, 2, null), odd), true);
        same(r, deny(Reason.LINK_SPAM, null, -1, null, null), false);
    }

    @Test
    void theWriterLosesNoLineWhenItsQueueIsFull() throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(sink, true, StandardCharsets.UTF_8);
        ch.qos.logback.core.encoder.LayoutWrappingEncoder<ILoggingEvent> encoder =
                new ch.qos.logback.core.encoder.LayoutWrappingEncoder<>();
        encoder.setLayout(new JsonLayout());
        encoder.setCharset(StandardCharsets.UTF_8);
        BatchingStderrAppender writer = new BatchingStderrAppender(4, encoder, () -> err);
        writer.setContext(new LoggerContext());
        writer.start();
        int threads = 4;
        int perThread = 2_000;
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String ip = "192.0.2." + t;
            Thread th = new Thread(() -> {
                for (int i = 0; i < perThread; i++) {
                    CheckRequest r = CheckRequest.builder("login" + i).ip(ip).build();
                    writer.append(new DecisionLine(1_700_000_000_000L + i, r,
                            deny(Reason.RATE_LIMITED, LOGIN, 1, null, null), DecisionLine.ascii("[DENY] "), false));
                }
            });
            th.start();
            running.add(th);
        }
        for (Thread th : running) {
            th.join();
        }
        writer.stop();
        String[] lines = sink.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(threads * perThread);
        for (int t = 0; t < threads; t++) {
            int next = 0;   // one thread's lines come out in its order
            for (String line : lines) {
                assertThat(line).startsWith("{\"ts\":\"").endsWith("\"}");
                if (line.contains("\"ip\":\"192.0.2." + t + "\"")) {
                    assertThat(line).contains("\"action\":\"login" + next + "\"");
                    next++;
                }
            }
            assertThat(next).isEqualTo(perThread);
        }
        // once stopped, a line is written at once rather than lost
        writer.append(new DecisionLine(1_700_000_000_000L, CheckRequest.builder("late").ip("192.0.2.9").build(),
                deny(Reason.RATE_LIMITED, LOGIN, 1, null, null), DecisionLine.ascii("[DENY] "), false));
        assertThat(sink.toString(StandardCharsets.UTF_8)).contains("\"action\":\"late\"");
    }
}
