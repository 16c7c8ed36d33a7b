package dev.moat.server.http;

import dev.moat.server.config.ApiKey;

/**
 * Who made a request: the API key's name (the actor recorded for bans, unbans and resets) and role.
 * With no keys configured (loopback only) every caller is {@link #ANONYMOUS}, an admin.
 */
public record Caller(String name, ApiKey.Role role) {
    public static final Caller ANONYMOUS = new Caller("anonymous", ApiKey.Role.ADMIN);

    public boolean may(Access access) {
        return access != Access.ADMIN || role == ApiKey.Role.ADMIN;
    }
}
