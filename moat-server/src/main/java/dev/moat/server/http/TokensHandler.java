package dev.moat.server.http;

import dev.moat.core.Moat;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/tokens/revoke} in its two forms ({@code {jti, expires_at}}: one token until it
 * would have expired; {@code {user, before}}: every token of the user issued before an instant,
 * default now) and {@code POST /v1/tokens/status}. Instants are RFC 3339 strings, or integers of
 * seconds since the epoch as in a JWT's {@code exp} and {@code iat}.
 */
final class TokensHandler {
    private final Moat moat;
    private final Offload offload;

    TokensHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    void revoke(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String jti = b.string("jti", Bodies.ID_CHARS, false);
        String user = b.string("user", Bodies.ID_CHARS, false);
        if (jti != null && user != null) {
            b.reject("jti", "give jti (with expires_at) or user (with before), not both");
            b.check();
        }
        if (jti == null && user == null && !b.has("jti") && !b.has("user")) {
            b.reject("jti", "is required (or user, to revoke every token of a user)");
        }
        Long expiresAt = jti != null || b.has("jti") ? b.instantMillis("expires_at", true) : null;
        Long before = user != null ? b.instantMillis("before", false) : null;
        b.check();
        offload.blocking(() -> {
            if (jti != null) {
                moat.revokeToken(jti, expiresAt);
            } else {
                moat.revokeUserTokens(user, before != null ? before : moat.clock().nowMillis());
            }
            return null;
        }).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                Respond.noContent(ctx);
            }
        });
    }

    void status(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String jti = b.string("jti", Bodies.ID_CHARS, false);
        String user = b.string("user", Bodies.ID_CHARS, false);
        Long issuedAt = user != null ? b.instantMillis("issued_at", true) : null;
        if (jti == null && user == null && !b.has("jti") && !b.has("user")) {
            b.reject("jti", "is required (or user with issued_at)");
        }
        b.check();
        offload.blocking(() -> moat.isTokenRevoked(jti, user, issuedAt == null ? Long.MAX_VALUE : issuedAt))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        ctx.fail(ar.cause());
                    } else {
                        Respond.json(ctx, 200, Json.object().put("revoked", ar.result()));
                    }
                });
    }
}
