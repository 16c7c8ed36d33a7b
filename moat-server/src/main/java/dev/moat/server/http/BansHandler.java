package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Moat;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.store.Page;
import dev.moat.server.config.Durations;
import io.vertx.ext.web.RoutingContext;

/** {@code GET/POST /v1/bans} and {@code DELETE /v1/bans/{subject}} (admin). */
final class BansHandler {
    /** The longest manual ban: ten years (longer is a mistake, and would outlive RFC 3339 rendering). */
    static final long MAX_BAN_MILLIS = 3650L * 86_400_000;

    private final Moat moat;
    private final Offload offload;

    BansHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    void list(RoutingContext ctx) {
        Query q = new Query(ctx);
        String subject = q.string("subject", Bodies.ID_CHARS);
        String sourceText = q.string("source", 16);
        BanSource source = null;
        if (sourceText != null) {
            try {
                source = BanSource.fromWire(sourceText);
            } catch (IllegalArgumentException e) {
                q.reject("source", "must be auto or manual, was '" + sourceText + "'");
            }
        }
        String cursor = q.string("cursor", 256);
        int limit = q.pageSize();
        q.check();
        BanSource s = source;
        offload.blocking(() -> moat.bans(subject, s, cursor, limit)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Page<Ban> page = ar.result();
            ObjectNode o = Json.object();
            ArrayNode bans = o.putArray("bans");
            for (Ban b : page.items()) {
                bans.add(Wire.ban(b));
            }
            o.put("next", page.next());
            Respond.json(ctx, 200, o);
        });
    }

    void add(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String subject = b.string("subject", Bodies.ID_CHARS, true);
        String durationText = b.string("duration", 32, false);
        Long durationMs = b.integer("duration_ms", 1, MAX_BAN_MILLIS);
        String reason = b.string("reason", Bodies.DETAIL_CHARS, false);
        Long duration = durationMs;
        if (durationText != null) {
            if (durationMs != null) {
                b.reject("duration", "give duration or duration_ms, not both");
            }
            try {
                duration = Durations.parseMillis(durationText);
                if (duration < 1 || duration > MAX_BAN_MILLIS) {
                    b.reject("duration", "must be from 1ms to 3650d, was '" + durationText + "'");
                }
            } catch (IllegalArgumentException e) {
                b.reject("duration", e.getMessage());
            }
        }
        b.check();
        Caller caller = ctx.get(Caller.class.getName());
        long millis = duration != null ? duration : moat.policy().bans().durationMillis();
        if (millis < 1) {
            throw ApiException.invalid("duration", "is required (bans.duration is 0, so there is no default)");
        }
        offload.blocking(() -> moat.ban(subject, millis, reason, caller.name())).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                ctx.response().putHeader("Location", "/v1/bans/" + Paths.encode(ar.result().subject()));
                Respond.json(ctx, 201, Wire.ban(ar.result()));
            }
        });
    }

    void remove(RoutingContext ctx) {
        Query q = new Query(ctx);
        String subject = q.subject();
        String reason = q.string("reason", Bodies.DETAIL_CHARS);
        q.check();
        Caller caller = ctx.get(Caller.class.getName());
        offload.blocking(() -> moat.unban(subject, caller.name(), reason == null ? "lifted by API" : reason))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        ctx.fail(ar.cause());
                    } else if (!ar.result()) {
                        Problems.send(ctx, ApiException.notFound("no active ban of '" + subject + "'"));
                    } else {
                        Respond.noContent(ctx);
                    }
                });
    }
}
