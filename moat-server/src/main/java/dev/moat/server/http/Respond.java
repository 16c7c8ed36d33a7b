package dev.moat.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * Writes successful answers; failures go to {@code ctx.fail} and from there to {@link Problems}.
 *
 * <p>Every JSON answer under {@code /v1/} says {@code Cache-Control: no-store}: a decision holds for one
 * request only, and bans, violations and the config name users and addresses, so no cache between
 * a caller and Moat may keep them. On {@code /v1/check} the header also keeps the answer to one
 * write: Netty's HTTP encoder sizes the buffer for the head from the sizes of earlier heads, and
 * copies the body into it only when it fits (a one-limit decision's body is about 150 bytes); with
 * this header the head's buffer is big enough, without it head and body leave in two pieces, a
 * {@code writev} that cost about 1 µs more per answer (docs/operations.md, "HTTP throughput").
 */
public final class Respond {
    private Respond() {
    }

    public static void json(RoutingContext ctx, int status, JsonNode body) {
        if (!ctx.response().ended()) {   // checked first so that an ended answer costs no rendering
            jsonBytes(ctx.response(), status, Json.buffer(body));
        }
    }

    /** A JSON body already rendered (the hot path of /v1/check, see {@link DecisionJson}). */
    static void jsonBytes(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
        jsonBytes(ctx.response(), status, body);
    }

    /** The same on a bare response (the hot path, {@link HotPath}); header name and value are prebuilt. */
    static void jsonBytes(HttpServerResponse res, int status, io.vertx.core.buffer.Buffer body) {
        if (res.ended()) {
            return;
        }
        res.setStatusCode(status).putHeader(HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.JSON)
                .putHeader(HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.NO_STORE).end(body);
    }

    public static void noContent(RoutingContext ctx) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(204).end();
    }
}
