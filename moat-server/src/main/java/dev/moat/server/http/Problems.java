package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.InvalidRequestException;
import dev.moat.core.store.StoreFailureException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.HttpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The edge where every failure becomes an {@code application/problem+json} answer (RFC 9457):
 * {@code {type, title, status, detail}} plus {@code errors: [{field, message}]} for validation.
 * Exceptions are mapped here and nowhere else; bad input is a 4xx, never a 500; a failing durable
 * store ({@link StoreFailureException}: full or read-only data directory) is a 503 with Retry-After.
 */
public final class Problems {
    private static final Logger LOG = LoggerFactory.getLogger(Problems.class);
    public static final String CONTENT_TYPE = "application/problem+json";
    private static final String TYPE_PREFIX = "urn:moat:problem:";
    /** How long a client waits before retrying a request the failing durable store refused. */
    static final long STORE_RETRY_AFTER_SECONDS = 5;

    private Problems() {
    }

    /** The router's failure handler: maps whatever failed to a problem. */
    public static void handleFailure(RoutingContext ctx) {
        fail(ctx.request(), ctx.statusCode(), ctx.failure());
    }

    /** What {@link #handleFailure} does, for a request that the router never saw ({@link HotPath}). */
    static void fail(HttpServerRequest req, int statusCode, Throwable t) {
        ApiException problem = toProblem(statusCode, t);
        if (problem.status() >= 500) {
            LOG.error("request failed: {} {}", req.method(), req.path(), t);
        }
        send(req.response(), problem);
    }

    static ApiException toProblem(int statusCode, Throwable t) {
        if (t instanceof ApiException a) {
            return a;
        }
        if (t instanceof HttpException h) {
            return forStatus(h.getStatusCode());
        }
        if (t instanceof InvalidRequestException e) {
            return ApiException.invalid(e.field(), e.reason());
        }
        if (t instanceof IllegalArgumentException e) {
            // the engine's records validate in their constructors; what they reject is bad input
            LOG.debug("invalid request", e);
            return ApiException.invalid("body", String.valueOf(e.getMessage()));
        }
        if (t == null && statusCode > 0) {
            return forStatus(statusCode);
        }
        if (causedByStoreFailure(t)) {
            // the disk, not the request or the code: nothing was acknowledged and a retry can succeed
            return ApiException.unavailable("store-unavailable", "the durable state store is failing (its data directory"
                    + " cannot be written or read; see /healthz); nothing was recorded, retry later", STORE_RETRY_AFTER_SECONDS);
        }
        return new ApiException(500, "internal", "internal error; see the server log", null);
    }

    private static boolean causedByStoreFailure(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof StoreFailureException) {
                return true;
            }
        }
        return false;
    }

    /** The problem for a bare status (404, 405, 413, ...). */
    public static ApiException forStatus(int status) {
        return switch (status) {
            case 404 -> new ApiException(404, "not-found", "no such endpoint; see GET /openapi.json", null);
            case 405 -> new ApiException(405, "method-not-allowed", "this endpoint does not accept that method", null);
            case 413 -> new ApiException(413, "payload-too-large", "the request body is over the limit (server.max_body)",
                    null);
            case 400 -> new ApiException(400, "invalid-request", "bad request", null);
            default -> new ApiException(status, status >= 500 ? "internal" : "error", title(status), null);
        };
    }

    /** Writes a problem response (also used by handlers that answer a problem themselves, like /healthz). */
    public static void send(RoutingContext ctx, ApiException p) {
        send(ctx.response(), p);
    }

    /** The same on a bare response (the hot path, {@link HotPath}). */
    static void send(HttpServerResponse res, ApiException p) {
        if (res.ended()) {
            return;
        }
        if (res.headWritten()) {
            res.reset();
            return;
        }
        res.setStatusCode(p.status()).putHeader(HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.PROBLEM_JSON)
                .putHeader(HttpHeaderNames.CACHE_CONTROL, HttpHeaderNames.NO_STORE);   // as every JSON answer (Respond)
        if (p.retryAfterSeconds() > 0) {
            res.putHeader("Retry-After", Long.toString(p.retryAfterSeconds()));
        }
        if (p.status() == 401) {
            res.putHeader("WWW-Authenticate", "Bearer realm=\"moat\"");
        }
        res.end(Json.buffer(body(p)));
    }

    /** The problem+json document. */
    public static ObjectNode body(ApiException p) {
        ObjectNode o = Json.object();
        o.put("type", TYPE_PREFIX + p.type());
        o.put("title", title(p.status()));
        o.put("status", p.status());
        o.put("detail", p.getMessage());
        List<ApiException.FieldError> errors = p.errors();
        if (!errors.isEmpty()) {
            ArrayNode a = o.putArray("errors");
            for (ApiException.FieldError e : errors) {
                a.addObject().put("field", e.field()).put("message", e.message());
            }
        }
        return o;
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 500 -> "Internal Server Error";
            case 503 -> "Service Unavailable";
            default -> "HTTP " + status;
        };
    }
}
