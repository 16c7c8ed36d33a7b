package dev.moat.server.cli;

import dev.moat.server.ConfigSource;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --config PATH} and {@code --env-file PATH}. Without {@code --config}, {@code ./moat.yaml}
 * is read when it exists; with neither file the embedded default runs.
 */
final class ConfigFiles {
    static final Path DEFAULT_FILE = Path.of("moat.yaml");

    @Option(names = {"-c", "--config"}, paramLabel = "PATH", description = "moat.yaml (default: ./moat.yaml if present)")
    Path config;

    @Option(names = "--env-file", paramLabel = "PATH", description = "a LibreChat .env whose moderation variables to map")
    Path envFile;

    Path configFile() {
        if (config != null) {
            return config;
        }
        return Files.isRegularFile(DEFAULT_FILE) ? DEFAULT_FILE : null;
    }

    ConfigSource source() {
        return ConfigSource.files(configFile(), envFile, System.getenv());
    }

    String describe() {
        Path c = configFile();
        String s = c == null ? "the embedded default" : c.toString();
        return envFile == null ? s : s + " + " + envFile;
    }

    static void printErrors(PrintWriter err, String what, ConfigException e) {
        err.println("moat: " + what + " is invalid (" + e.errors().size() + " error(s)):");
        for (ConfigError x : e.errors()) {
            err.println("  " + x);
        }
    }
}
