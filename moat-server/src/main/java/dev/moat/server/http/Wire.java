package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.ViolationRecord;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.LogEntry;

import java.util.Map;

/**
 * Renders the engine's values as the API's JSON: snake_case fields, {@code _ms} durations,
 * {@code _at} RFC 3339 instants. One method per value, so every endpoint renders a ban (or a
 * decision) the same way.
 */
public final class Wire {
    private Wire() {
    }

    /** A decision, shaped as the answer of {@code POST /v1/check}. */
    public static ObjectNode decision(Decision d) {
        ObjectNode o = Json.object();
        o.put("allowed", d.allowed());
        o.put("verdict", d.verdict().wire());
        if (d.reason() != null) {
            o.put("reason", d.reason().wire());
        }
        if (d.message() != null) {
            o.put("message", d.message());
        }
        if (d.retryAfterMillis() >= 0 && !d.allowed()) {
            o.put("retry_after_ms", d.retryAfterMillis());
        }
        if (d.limit() != null) {
            LimitStatus l = d.limit();
            o.putObject("limit").put("id", l.id()).put("scope", l.scope()).put("key", l.key()).put("max", l.max())
                    .put("window_ms", l.windowMillis()).put("remaining", l.remaining());
        }
        ArrayNode limits = o.putArray("limits");
        for (LimitStatus l : d.limits()) {
            limits.addObject().put("id", l.id()).put("scope", l.scope()).put("max", l.max())
                    .put("window_ms", l.windowMillis()).put("remaining", l.remaining()).put("reset_ms", l.resetMillis());
        }
        if (d.violation() != null) {
            o.set("violation", violation(d.violation()));
        }
        if (d.ban() != null) {
            o.set("ban", ban(d.ban()));
        }
        if (d.censoredText() != null) {
            o.put("censored_text", d.censoredText());
        }
        if (d.filter() != null) {
            o.put("filter", d.filter());
        }
        if (d.reply() != null) {
            o.put("reply", d.reply());
        }
        return o;
    }

    public static ObjectNode violation(ViolationRecord v) {
        ObjectNode o = Json.object();
        o.put("type", v.type());
        Json.putNumber(o, "score", v.score());
        Json.putNumber(o, "total", v.total());
        if (v.subject() != null) {
            o.put("subject", v.subject());
        }
        return o;
    }

    /** A ban, everywhere the API shows one. */
    public static ObjectNode ban(Ban b) {
        ObjectNode o = Json.object();
        o.put("subject", b.subject());
        o.put("reason", b.reason());
        o.put("type", b.type());
        o.put("source", b.source().wire());
        o.put("created_at", Json.instant(b.createdAtMillis()));
        o.put("expires_at", Json.instant(b.expiresAtMillis()));
        o.put("violation_count", b.violationCount());
        o.put("actor", b.actor());
        return o;
    }

    /** One line of a subject's history. */
    public static ObjectNode logEntry(LogEntry e) {
        ObjectNode o = Json.object();
        o.put("kind", e.kind().wire());
        o.put("type", e.type());
        Json.putNumber(o, "score", e.score());
        Json.putNumber(o, "total", e.total());
        o.put("at", Json.instant(e.atMillis()));
        o.put("ban", e.banStarted());
        o.put("detail", e.detail());
        o.put("actor", e.actor());
        if (!e.facts().isEmpty()) {
            ObjectNode facts = o.putObject("facts");
            for (Map.Entry<String, String> f : e.facts().entrySet()) {
                facts.put(f.getKey(), f.getValue());
            }
        }
        o.put("seq", e.seq());
        return o;
    }
}
