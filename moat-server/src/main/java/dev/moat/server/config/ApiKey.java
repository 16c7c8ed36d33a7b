package dev.moat.server.config;

/**
 * An API key with its role and a name for audit logs. The key itself is never logged or shown.
 *
 * @param name a label (defaults to "key-N"); bans and resets record it as their actor
 * @param key  the secret, at least 16 characters
 * @param role client or admin
 */
public record ApiKey(String name, String key, Role role) {

    /** What a key may call: client (check, concurrency, violations, tokens) or admin (everything). */
    public enum Role {
        CLIENT, ADMIN
    }

    public ApiKey {
        if (key == null || key.length() < 16) {
            throw new IllegalArgumentException("server.api_keys: a key must be at least 16 characters");
        }
        if (role == null) {
            throw new IllegalArgumentException("server.api_keys: role must be client or admin");
        }
    }

    @Override
    public String toString() {
        return "ApiKey[name=" + name + ", role=" + role + ", key=****]";
    }
}
