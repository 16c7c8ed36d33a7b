package dev.moat.server.observe;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.MoatListener;
import dev.moat.core.ban.Ban;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

import java.util.function.BooleanSupplier;

/**
 * The audit lines: one per refusing decision ({@code event: decision}, INFO) and one per ban
 * started or lifted ({@code event: ban} / {@code unban}, WARN), as structured key-values that
 * {@link JsonLayout} renders as one JSON object per line:
 *
 * <pre>
 * {"ts":"...","level":"WARN","logger":"moat.audit","event":"ban","subject":"user:x","ip":"203.0.113.7",
 *  "type":"logins","duration_ms":7200000,"msg":"[BAN] user:x for 2h (logins)"}
 * </pre>
 *
 * Never logged: API keys, tokens, email addresses, and message text unless
 * {@code server.log_message_text} is true. Dry runs are not logged. With Moat's own log set-up
 * ({@link LogConfigurator}) a refusal's line is handed to the writer as a {@link DecisionLine}
 * (one object on the request's thread, laid out in a batch on the writer's); with any other
 * logback configuration it goes through SLF4J, with the same fields.
 */
public final class DecisionLog implements MoatListener {
    private static final Logger LOG = LoggerFactory.getLogger("moat.audit");
    private final BooleanSupplier logMessageText;
    /** "[DENY] ", "[KICK] ", ... per verdict, made once rather than upper-cased per refusal. */
    private static final String[] TAGS = tags();
    /** The same tags as bytes, for {@link DecisionLine}. */
    private static final byte[][] TAG_BYTES = tagBytes();

    private static byte[][] tagBytes() {
        byte[][] b = new byte[TAGS.length][];
        for (int i = 0; i < TAGS.length; i++) {
            b[i] = DecisionLine.ascii(TAGS[i]);
        }
        return b;
    }

    private static String[] tags() {
        dev.moat.core.Verdict[] all = dev.moat.core.Verdict.values();
        String[] tags = new String[all.length];
        for (dev.moat.core.Verdict v : all) {
            tags[v.ordinal()] = "[" + v.wire().toUpperCase(java.util.Locale.ROOT) + "] ";
        }
        return tags;
    }

    public DecisionLog(BooleanSupplier logMessageText) {
        this.logMessageText = logMessageText;
    }

    @Override
    public void onDecision(CheckRequest r, Decision d) {
        if (d.allowed() || r.dryRun() || !LOG.isInfoEnabled()) {
            return;
        }
        BatchingStderrAppender direct = BatchingStderrAppender.direct();
        if (direct != null) {
            // Moat's own log set-up: the same line, laid out later by the writer (DecisionLine)
            direct.append(new DecisionLine(System.currentTimeMillis(), r, d, TAG_BYTES[d.verdict().ordinal()],
                    r.message() != null && logMessageText.getAsBoolean()));
            return;
        }
        log(r, d);
    }

    /** The audit line through SLF4J: any logback configuration other than Moat's own. */
    void log(CheckRequest r, Decision d) {
        LoggingEventBuilder e = LOG.atInfo()
                .addKeyValue("event", "decision")
                .addKeyValue("verdict", d.verdict().wire())
                .addKeyValue("reason", d.reason() == null ? null : d.reason().wire())
                .addKeyValue("action", r.action());
        if (!"client".equals(r.realm().wire())) {
            e = e.addKeyValue("realm", r.realm().wire());
        }
        e = put(e, "user", r.user());
        e = put(e, "ip", r.ip());
        e = put(e, "server", r.server());
        e = put(e, "appservice", r.appservice());
        if (d.limit() != null) {
            e = e.addKeyValue("limit", d.limit().id()).addKeyValue("key", d.limit().key());
        }
        if (d.retryAfterMillis() >= 0) {
            e = e.addKeyValue("retry_after_ms", d.retryAfterMillis());
        }
        if (d.violation() != null) {
            e = e.addKeyValue("violation", d.violation().type()).addKeyValue("score_total", d.violation().total());
        }
        if (d.filter() != null) {
            e = e.addKeyValue("filter", d.filter());
        }
        if (r.message() != null && logMessageText.getAsBoolean()) {
            e = e.addKeyValue("text", r.message().text());
        }
        e.log(TAGS[d.verdict().ordinal()] + r.action() + " by "
                + who(r) + ": " + (d.reason() == null ? "" : d.reason().wire()));
    }

    @Override
    public void onBanStarted(Ban ban) {
        long duration = ban.expiresAtMillis() - ban.createdAtMillis();
        LoggingEventBuilder e = LOG.atWarn()
                .addKeyValue("event", "ban")
                .addKeyValue("subject", ban.subject());
        if (ban.subject().startsWith("ip:")) {
            e = e.addKeyValue("ip", ban.subject().substring(3));
        }
        e.addKeyValue("type", ban.type())
                .addKeyValue("reason", ban.reason())
                .addKeyValue("source", ban.source().wire())
                .addKeyValue("duration_ms", duration)
                .addKeyValue("expires_at", java.time.Instant.ofEpochMilli(Math.min(ban.expiresAtMillis(),
                        253402300799000L)).toString())
                .addKeyValue("score", ban.violationCount())
                .addKeyValue("actor", ban.actor())
                .log("[BAN] " + ban.subject() + " for " + dev.moat.server.config.Durations.format(Math.max(0, duration)) + " ("
                        + ban.type() + ")");
    }

    @Override
    public void onBanLifted(String subject, String actor, String reason) {
        LOG.atWarn().addKeyValue("event", "unban").addKeyValue("subject", subject).addKeyValue("actor", actor)
                .addKeyValue("reason", reason).log("[UNBAN] " + subject + " by " + actor);
    }

    private static LoggingEventBuilder put(LoggingEventBuilder e, String key, String value) {
        return value == null ? e : e.addKeyValue(key, value);
    }

    private static String who(CheckRequest r) {
        if (r.user() != null) {
            return "user:" + r.user() + (r.ip() != null ? " from " + r.ip() : "");
        }
        if (r.ip() != null) {
            return "ip:" + r.ip();
        }
        if (r.server() != null) {
            return "server:" + r.server();
        }
        return "appservice:" + r.appservice();
    }
}
