package dev.moat.server;

import dev.moat.server.config.ConfigException;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * Where the config comes from, read again on every reload: {@code moat.yaml} and/or a LibreChat
 * {@code .env} (both optional: neither means the embedded default), with {@code ${VAR}} expanded
 * from the process environment. Tests supply configs built in code.
 */
@FunctionalInterface
public interface ConfigSource {

    MoatConfig load() throws ConfigException;

    /** The files named on the command line (either may be null). */
    static ConfigSource files(Path configFile, Path envFile, Map<String, String> env) {
        return () -> ConfigLoader.load(configFile, envFile, env);
    }
}
