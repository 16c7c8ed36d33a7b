package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The non-browser check over a corpus of real User-Agent strings (user-agents.tsv). */
class NonBrowserCorpusTest {

    static Stream<Arguments> corpus() throws IOException {
        List<Arguments> rows = new ArrayList<>();
        try (InputStream in = NonBrowserCorpusTest.class.getResourceAsStream("user-agents.tsv");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int tab = line.indexOf('\t');
                String kind = line.substring(0, tab);
                if (!kind.equals("browser") && !kind.equals("other")) {
                    throw new IllegalStateException("bad corpus line: " + line);
                }
                rows.add(Arguments.of(kind.equals("browser"), line.substring(tab + 1)));
            }
        }
        return rows.stream();
    }

    @Test
    void theCorpusHasAtLeastSixtyStringsOfBothKinds() throws IOException {
        List<Arguments> rows = corpus().toList();
        assertThat(rows).hasSizeGreaterThanOrEqualTo(60);
        assertThat(rows).anyMatch(a -> (Boolean) a.get()[0]).anyMatch(a -> !(Boolean) a.get()[0]);
    }

    @ParameterizedTest(name = "browser={0}: {1}")
    @MethodSource("corpus")
    void classifiesRealUserAgents(boolean browser, String userAgent) {
        assertThat(UserAgents.isBrowser(userAgent)).isEqualTo(browser);
    }

    @Test
    void missingBlankAndOverlongUserAgentsAreNotBrowsers() {
        String chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
        assertThat(UserAgents.isBrowser(null)).isFalse();
        assertThat(UserAgents.isBrowser("")).isFalse();
        assertThat(UserAgents.isBrowser("   ")).isFalse();
        assertThat(UserAgents.isBrowser(chrome)).isTrue();
        assertThat(UserAgents.isBrowser(chrome + " ".repeat(UserAgents.MAX_USER_AGENT_CHARS - chrome.length()))).isTrue();
        assertThat(UserAgents.isBrowser(chrome + " ".repeat(UserAgents.MAX_USER_AGENT_CHARS - chrome.length() + 1))).isFalse();
    }
}
