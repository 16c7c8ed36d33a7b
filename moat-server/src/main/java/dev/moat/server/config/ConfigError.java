package dev.moat.server.config;

/**
 * One thing wrong with a config file.
 *
 * @param key     the dotted key, e.g. {@code rate_limits.client.target.login.max}
 * @param line    1-based line in the file, or 0 when unknown (e.g. a missing key)
 * @param message what is wrong, quoting the bad value
 */
public record ConfigError(String key, int line, String message) {
    @Override
    public String toString() {
        return (line > 0 ? "line " + line + ": " : "") + key + ": " + message;
    }
}
