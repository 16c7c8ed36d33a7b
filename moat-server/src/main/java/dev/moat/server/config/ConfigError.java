package dev.moat.server.config;

/**
 * One thing wrong with a config file.
 *
 * @param key     the dotted key, e.g. {@code rate_limits.client.target.login.max} (list entries as
 *                {@code filters[0].patterns[1]}; a LibreChat variable by its name, e.g. {@code LOGIN_MAX})
 * @param line    1-based line in {@code source}, or 0 when unknown (e.g. a missing key)
 * @param message what is wrong, quoting the bad value (never a secret)
 * @param source  the file the line is in ({@code moat.yaml}, {@code .env}), or null when unknown
 */
public record ConfigError(String key, int line, String message, String source) {

    public ConfigError(String key, int line, String message) {
        this(key, line, message, null);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (source != null && !source.isEmpty()) {
            b.append(source).append(line > 0 ? " " : ": ");
        }
        if (line > 0) {
            b.append("line ").append(line).append(": ");
        }
        if (key != null && !key.isEmpty()) {
            b.append(key).append(": ");
        }
        return b.append(message).toString();
    }
}
