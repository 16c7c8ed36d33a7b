package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Decision;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.server.http.RateLimitFields;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * How the gateway says no over HTTP: an {@code application/problem+json} body (RFC 9457) with
 * the API's {@code reason} and the user-facing {@code message}, the status that fits (429 for
 * limits, 403 for bans and content, 401 for tokens), {@code Retry-After} and the IETF RateLimit
 * fields (draft-ietf-httpapi-ratelimit-headers-10, the same shape the HTTP API sends).
 */
final class Refusals {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String PROBLEM = "application/problem+json";

    private Refusals() {
    }

    /** The HTTP status for a refused decision. */
    static int status(Decision d) {
        if (d.verdict() == Verdict.BAN || d.reason() == Reason.BANNED) {
            return 403;
        }
        if (d.reason() == null) {
            return 403;
        }
        return switch (d.reason()) {
            case RATE_LIMITED, CONCURRENCY -> 429;
            case MODERATION_UNAVAILABLE -> 503;
            default -> 403;
        };
    }

    /** Answers a refused decision. */
    static void send(HttpServerResponse res, Decision d, boolean bytes) {
        if (!d.limits().isEmpty()) {
            res.putHeader("RateLimit-Policy", RateLimitFields.policy(d, bytes));
            res.putHeader("RateLimit", RateLimitFields.service(d));
        }
        String reason = d.reason() == null ? "refused" : d.reason().wire();
        ObjectNode extra = JSON.createObjectNode();
        extra.put("verdict", d.verdict().wire());
        if (d.ban() != null) {
            ObjectNode ban = extra.putObject("ban");
            ban.put("subject", d.ban().subject());
            ban.put("reason", d.ban().reason());
            ban.put("expires_at", java.time.Instant.ofEpochMilli(d.ban().expiresAtMillis()).toString());
        }
        send(res, status(d), reason, d.message(), d.retryAfterMillis(), extra);
    }

    /** Answers a problem with {@code reason} and {@code message}; {@code retryAfterMillis} -1 for none. */
    static void send(HttpServerResponse res, int status, String reason, String message, long retryAfterMillis,
                     ObjectNode extra) {
        if (res.ended() || res.closed()) {
            return;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("type", "urn:moat:problem:" + reason.replace('_', '-'));
        body.put("title", title(status));
        body.put("status", status);
        body.put("detail", message);
        body.put("reason", reason);
        body.put("message", message);
        if (retryAfterMillis >= 0) {
            body.put("retry_after_ms", retryAfterMillis);
            res.putHeader("Retry-After", Long.toString(RateLimitFields.ceilSeconds(retryAfterMillis)));
        }
        if (extra != null) {
            body.setAll(extra);
        }
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        res.setStatusCode(status).putHeader("Content-Type", PROBLEM).putHeader("Cache-Control", "no-store")
                .putHeader("Content-Length", Integer.toString(bytes.length));
        res.end(io.vertx.core.buffer.Buffer.buffer(bytes));
    }

    static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 413 -> "Content Too Large";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }
}
