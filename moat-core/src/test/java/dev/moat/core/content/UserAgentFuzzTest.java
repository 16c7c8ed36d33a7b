package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Fuzz target for the User-Agent classifier; regression mode over the seeds in
 * {@code UserAgentFuzzTestInputs/classify/} under plain {@code mvn test}.
 */
class UserAgentFuzzTest {

    @FuzzTest(maxDuration = "60s")
    void classify(byte[] data) {
        String ua = new String(data, StandardCharsets.UTF_8);
        boolean browser = UserAgents.isBrowser(ua);
        if (ua.length() > UserAgents.MAX_USER_AGENT_CHARS || ua.isBlank()) {
            assertThat(browser).isFalse();
        }
        if (browser) {
            String lower = ua.strip().toLowerCase(java.util.Locale.ROOT);
            assertThat(lower.startsWith("mozilla/") || lower.startsWith("opera/")).as(ua).isTrue();
        }
        assertThat(UserAgents.isBrowser(ua)).isEqualTo(browser);
    }
}
