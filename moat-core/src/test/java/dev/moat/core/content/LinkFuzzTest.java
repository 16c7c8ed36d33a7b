package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Fuzz targets for link extraction and normalisation. Under plain {@code mvn test} they run in
 * regression mode over the committed seeds in {@code LinkFuzzTestInputs/<method>/}; with
 * {@code JAZZER_FUZZ=1} they fuzz (new findings land in that directory too).
 */
class LinkFuzzTest {

    /** The longest a normalised link can be: every char of a cut link percent-encoded as UTF-8. */
    private static final int MAX_NORMALISED_CHARS = 9 * LinkNormaliser.MAX_INPUT_CHARS;

    @FuzzTest(maxDuration = "60s")
    void extractLinks(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        List<String> links = LinkExtractor.extract(text);
        assertThat(links).hasSizeLessThanOrEqualTo(LinkExtractor.MAX_LINKS).doesNotHaveDuplicates();
        for (String link : links) {
            assertThat(link).isNotEmpty().hasSizeLessThanOrEqualTo(9 * LinkExtractor.MAX_LINK_CHARS)
                    .doesNotContainAnyWhitespaces();
            assertThat(LinkNormaliser.normalise(link)).as("normalising %s again", link).isEqualTo(link);
        }
        assertThat(LinkSpamLadder.keys(text)).hasSizeLessThanOrEqualTo(LinkExtractor.MAX_LINKS);
    }

    @FuzzTest(maxDuration = "60s")
    void normaliseLink(byte[] data) {
        String link = new String(data, StandardCharsets.UTF_8);
        String once = LinkNormaliser.normalise(link);
        if (once != null) {
            assertThat(once).isNotEmpty().hasSizeLessThanOrEqualTo(MAX_NORMALISED_CHARS);
            if (once.length() <= LinkNormaliser.MAX_INPUT_CHARS) {
                assertThat(LinkNormaliser.normalise(once)).as("normalising %s again", once).isEqualTo(once);
            }
        }
    }
}
