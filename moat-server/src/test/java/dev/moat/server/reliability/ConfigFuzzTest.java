package dev.moat.server.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the config parser, {@code ConfigLoader.parse}: YAML (and, after a line
 * {@value #ENV_MARKER}, a LibreChat {@code .env}) must give a config or a {@link ConfigException}
 * whose every error names where it is, never any other exception. A config that loads must also
 * render as the effective config ({@code GET /v1/config}) without failing.
 *
 * <p>Seeds: {@code src/test/resources/dev/moat/server/reliability/ConfigFuzzTestInputs/parse/}
 * (plain YAML files). Fuzz for real: {@code JAZZER_FUZZ=1 mvn -pl moat-server test
 * -Dtest=ConfigFuzzTest -Djazzer.max_duration=5m}.
 */
class ConfigFuzzTest {
    static final String ENV_MARKER = "#--env--";
    private static final Map<String, String> ENV = Map.of(
            "MOAT_ADMIN_KEY", "fuzz-admin-key-0123456789",
            "PORT", "7878",
            "EMPTY", "",
            "OPENAI_MODERATION_API_KEY", "sk-fuzz-0123456789");
    private static final ObjectMapper JSON = new ObjectMapper();

    @FuzzTest(maxDuration = "2m")
    void parse(byte[] data) throws Exception {
        String text = new String(data, StandardCharsets.UTF_8);
        int marker = text.indexOf("\n" + ENV_MARKER + "\n");
        MoatConfig config;
        try {
            if (marker < 0) {
                config = ConfigLoader.parse(text, "fuzz.yaml", ENV);
            } else {
                config = ConfigLoader.parse(text.substring(0, marker), "fuzz.yaml",
                        text.substring(marker + ENV_MARKER.length() + 2), ".env", ENV);
            }
        } catch (ConfigException e) {
            assertThat(e.errors()).as("a refusal says why").isNotEmpty();
            for (ConfigError err : e.errors()) {
                assertThat(err.line()).isNotNegative();
                assertThat(err.toString()).isNotBlank();
            }
            return;
        }
        assertThat(config).isNotNull();
        assertThat(config.version()).isNotEmpty();
        Map<String, Object> effective = ConfigLoader.effective(config);
        assertThat(JSON.writeValueAsString(effective)).isNotEmpty();
    }
}
