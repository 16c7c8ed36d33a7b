package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/configuration.md's full example is a valid config, and the doc names every top-level section. */
class ConfigurationDocTest {

    static String doc() throws Exception {
        Path p = Path.of("..", "docs", "configuration.md");
        return Files.readString(p);
    }

    @Test
    void theFullExampleLoads() throws Exception {
        String doc = doc();
        int section = doc.indexOf("## A full example");
        int start = doc.indexOf("```yaml\n", section) + "```yaml\n".length();
        String yaml = doc.substring(start, doc.indexOf("```", start));
        MoatConfig c = Configs.parse(yaml, Map.of("MOAT_CLIENT_KEY", "client-0123456789abcdef",
                "MOAT_ADMIN_KEY", "admin-0123456789abcdef", "REDIS_PASSWORD", "pw"));
        assertThat(c.policy().rateLimits().preset()).isEqualTo("public_medium");
        assertThat(c.policy().filters()).hasSize(2);
        assertThat(c.webhook().enabled()).isTrue();
    }

    @Test
    void everySectionIsDocumented() throws Exception {
        String doc = doc();
        for (String s : new String[] {"server", "store", "rate_limits", "violations", "bans", "link_spam", "filters",
                "moderation", "request_checks", "webhook"}) {
            assertThat(doc).contains("### `" + s + "`");
        }
    }
}
