package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Moat;
import dev.moat.core.ban.LogEntry;
import io.vertx.ext.web.RoutingContext;

import java.util.Map;

/**
 * {@code POST /v1/violations} (a violation the chat server found itself), and a subject's history:
 * {@code GET} and {@code DELETE /v1/violations/{subject}}.
 */
final class ViolationsHandler {
    private final Moat moat;
    private final Offload offload;

    ViolationsHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    void report(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String type = b.string("type", 64, true);
        String user = b.string("user", Bodies.ID_CHARS, false);
        String ip = b.string("ip", Bodies.IP_CHARS, false);
        Double score = b.number("score", 0, 1_000_000);
        String detail = b.string("detail", Bodies.DETAIL_CHARS, false);
        if (type != null && !type.chars().allMatch(c -> c == '_' || c == '-' || c == '.' || Character.isLetterOrDigit(c))) {
            b.reject("type", "may contain only letters, digits, '_', '-' and '.', was '" + type + "'");
        }
        b.check();
        offload.blocking(() -> moat.reportViolation(type, user, ip, score, detail)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Moat.ViolationResult v = ar.result();
            ObjectNode o = Wire.violation(v.violation());
            if (v.ban() != null) {
                o.set("ban", Wire.ban(v.ban()));
            }
            if (v.softBan()) {
                o.put("soft_ban", true);
            }
            Respond.json(ctx, 200, o);
        });
    }

    void history(RoutingContext ctx) {
        Query q = new Query(ctx);
        String subject = q.subject();
        String cursor = q.string("cursor", 256);
        int limit = q.pageSize();
        q.check();
        offload.blocking(() -> moat.history(subject, cursor, limit)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Moat.History h = ar.result();
            ObjectNode o = Json.object();
            o.put("subject", h.subject());
            ObjectNode scores = o.putObject("scores");
            for (Map.Entry<String, Double> s : h.scores().entrySet()) {
                Json.putNumber(scores, s.getKey(), s.getValue());
            }
            ArrayNode log = o.putArray("log");
            for (LogEntry e : h.log().items()) {
                log.add(Wire.logEntry(e));
            }
            o.put("next", h.log().next());
            Respond.json(ctx, 200, o);
        });
    }

    void reset(RoutingContext ctx) {
        Query q = new Query(ctx);
        String subject = q.subject();
        String reason = q.string("reason", Bodies.DETAIL_CHARS);
        q.check();
        Caller caller = ctx.get(Caller.class.getName());
        offload.blocking(() -> {
            moat.resetScores(subject, caller.name(), reason == null ? "reset by API" : reason);
            return null;
        }).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                Respond.noContent(ctx);
            }
        });
    }
}
