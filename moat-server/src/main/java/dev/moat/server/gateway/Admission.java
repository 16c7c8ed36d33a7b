package dev.moat.server.gateway;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.HumanDuration;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import io.vertx.core.Future;

/**
 * Who may open a WebSocket: the token (verified, not revoked), then Moat's {@code ws_connect}
 * check (bans of the user and of the address, and the connect rate). Used at the HTTP handshake
 * and, for Socket.IO clients that send their token in the CONNECT packet, at that packet. A bad
 * or revoked token records an {@code invalid_token} violation on the address, as through the API.
 */
final class Admission {
    /** Why a connection is refused: an HTTP status for the handshake, a close code after it. */
    record Refusal(int status, String reason, String message, long retryAfterMillis, Decision decision) {
    }

    /** The admitted user (null: anonymous) and token, or a refusal. */
    record Outcome(String user, TokenVerifier.Verified token, Refusal refusal) {
        boolean ok() {
            return refusal == null;
        }
    }

    private final Shared g;

    Admission(Shared g) {
        this.g = g;
    }

    /**
     * Decides a connection with {@code token} (null: none) from {@code ip}.
     *
     * @param banCheckOnly only refuse a banned address, counting nothing (the token comes later)
     */
    Future<Outcome> admit(String token, String ip, String userAgent, boolean banCheckOnly) {
        GatewaySettings.Jwt jwt = g.settings.jwt();
        if (banCheckOnly) {
            return g.decider.decide(() -> {
                Decision d = g.moat.check(CheckRequest.builder("ws_connect").ip(ip).userAgent(userAgent).dryRun(true).build());
                return d.reason() == Reason.BANNED ? refused(d) : new Outcome(null, null, null);
            });
        }
        if (token == null || !g.tokens.enabled()) {
            if (jwt.required()) {
                return Future.succeededFuture(new Outcome(null, null, new Refusal(401, "invalid_token",
                        "A sign-in token is required.", -1, null)));
            }
            return connect(null, null, ip, userAgent);
        }
        return g.tokens.verify(token).compose(r -> {
            if (!r.ok()) {
                return invalidToken(ip, r.error(), "Your sign-in token is not valid (" + r.error() + "). Sign in again.");
            }
            TokenVerifier.Verified t = r.token();
            if (jwt.checkRevocation()) {
                return g.decider.decide(() -> g.moat.isTokenRevoked(t.jti(), t.user(), t.issuedAtMillis()))
                        .compose(revoked -> revoked
                                ? invalidToken(ip, "revoked", "Your sign-in token has been revoked. Sign in again.")
                                : connect(t.user(), t, ip, userAgent));
            }
            return connect(t.user(), t, ip, userAgent);
        });
    }

    private Future<Outcome> connect(String user, TokenVerifier.Verified t, String ip, String userAgent) {
        return g.decider.decide(() -> {
            Decision d = g.moat.check(CheckRequest.builder("ws_connect").user(user).ip(ip).userAgent(userAgent).build());
            return d.allowed() ? new Outcome(user, t, null) : refused(d);
        });
    }

    private static Outcome refused(Decision d) {
        return new Outcome(null, null, new Refusal(Refusals.status(d), d.reason() == null ? "refused" : d.reason().wire(),
                d.message(), d.retryAfterMillis(), d));
    }

    private Future<Outcome> invalidToken(String ip, String why, String message) {
        return g.decider.run(() -> {
            Moat.ViolationResult v = g.moat.reportViolation("invalid_token", null, ip, null, "gateway: " + why);
            if (v.ban() != null) {
                long left = Math.max(0, v.ban().expiresAtMillis() - g.moat.clock().nowMillis());
                return new Outcome(null, null, new Refusal(403, "banned",
                        "Too many invalid sign-in attempts: this address is banned for " + HumanDuration.text(left) + ".",
                        left, null));
            }
            return new Outcome(null, null, new Refusal(401, "invalid_token", message, -1, null));
        });
    }

    /** The refusal when {@code user} already has {@code max} connections; records a {@code concurrent} violation. */
    Future<Refusal> tooManyForUser(String user, String ip, int max) {
        return g.decider.run(() -> {
            g.moat.reportViolation("concurrent", user, ip, null, "gateway: over " + max + " connections per user");
            return new Refusal(429, "concurrency", "Too many open connections: at most " + max
                    + " per user. Close one and try again.", -1, null);
        });
    }

    /** The refusal when {@code ip} already has {@code max} connections; records a {@code concurrent} violation. */
    Future<Refusal> tooManyForIp(String ip, int max) {
        return g.decider.run(() -> {
            g.moat.reportViolation("concurrent", null, ip, null, "gateway: over " + max + " connections per address");
            return new Refusal(429, "concurrency", "Too many open connections from your address: at most " + max + ".",
                    -1, null);
        });
    }
}
