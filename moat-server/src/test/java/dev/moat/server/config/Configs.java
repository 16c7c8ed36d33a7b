package dev.moat.server.config;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/** Test helpers: parse YAML text, or collect the errors it produces. */
final class Configs {
    private Configs() {
    }

    static MoatConfig parse(String yaml) {
        return parse(yaml, Map.of());
    }

    static MoatConfig parse(String yaml, Map<String, String> env) {
        try {
            return ConfigLoader.parse(yaml, "moat.yaml", env);
        } catch (ConfigException e) {
            throw new AssertionError("unexpected config errors:\n" + e.getMessage(), e);
        }
    }

    static List<ConfigError> errors(String yaml) {
        return errors(yaml, Map.of());
    }

    static List<ConfigError> errors(String yaml, Map<String, String> env) {
        try {
            ConfigLoader.parse(yaml, "moat.yaml", env);
        } catch (ConfigException e) {
            return e.errors();
        }
        return fail("expected config errors, got a config, for:\n" + yaml);
    }

    /** The only error of {@code yaml}. */
    static ConfigError error(String yaml) {
        List<ConfigError> errors = errors(yaml);
        if (errors.size() != 1) {
            fail("expected exactly one error, got:\n" + String.join("\n", errors.stream().map(ConfigError::toString).toList()));
        }
        return errors.get(0);
    }

    static void rejects(String yaml) {
        assertThatThrownBy(() -> ConfigLoader.parse(yaml, "moat.yaml", Map.of())).isInstanceOf(ConfigException.class);
    }
}
