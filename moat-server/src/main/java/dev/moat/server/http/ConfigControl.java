package dev.moat.server.http;

import dev.moat.server.config.ConfigError;
import dev.moat.server.config.MoatConfig;

import java.util.List;

/** The running config and how to reload it (implemented by the composition root's reloader). */
public interface ConfigControl {

    /** What a reload did: a new version, or every error found (and nothing changed). */
    record ReloadResult(boolean ok, String version, List<ConfigError> errors, List<String> restartRequired) {
        public ReloadResult {
            errors = errors == null ? List.of() : List.copyOf(errors);
            restartRequired = restartRequired == null ? List.of() : List.copyOf(restartRequired);
        }
    }

    MoatConfig current();

    /** Re-reads the same files; blocking (file I/O), so it is called on a worker. */
    ReloadResult reload();
}
