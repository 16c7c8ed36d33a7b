package dev.moat.server.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * Reads {@code moat.yaml} (and optionally a LibreChat {@code .env}) into a validated
 * {@link MoatConfig}. Unknown keys, wrong types and impossible values are errors that name the key
 * and its line; every error in the file is reported at once.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Loads a config. {@code configFile} null means no file (the embedded default);
     * {@code envFile} null means no LibreChat .env. {@code env} supplies ${VAR} expansion.
     */
    public static MoatConfig load(Path configFile, Path envFile, Map<String, String> env) throws ConfigException {
        throw new UnsupportedOperationException("being written");
    }

    /** Parses YAML text; {@code sourceName} appears in messages. */
    public static MoatConfig parse(String yaml, String sourceName, Map<String, String> env) throws ConfigException {
        throw new UnsupportedOperationException("being written");
    }
}
