package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Inputs built to make a parser slow or hungry. Each is handled by linear passes with bounded
 * output; the assertions are on results and bounds, never on timing.
 */
class HostileInputTest {

    private static final int MB = 1 << 20;

    private static void assertBounded(List<String> links) {
        assertThat(links).hasSizeLessThanOrEqualTo(LinkExtractor.MAX_LINKS);
        assertThat(links).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(4 * LinkNormaliser.MAX_INPUT_CHARS));
    }

    @Test
    void aMegabyteOfDotSeparatedLetters() {
        String text = "a.".repeat(MB / 2);
        List<String> links = LinkExtractor.extract(text);
        assertThat(links).isEmpty();
        assertThat(TextFingerprint.of(text)).isPresent();
    }

    @Test
    void aMegabyteOfDotSeparatedLettersWithSpaces() {
        assertThat(LinkExtractor.extract("a.a.a. ".repeat(MB / 7))).isEmpty();
        assertThat(LinkExtractor.extract("a.com ".repeat(MB / 6))).containsExactly("a.com");
    }

    @Test
    void manyDistinctLinksAreCapped() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            sb.append("site").append(i).append(".com ");
        }
        List<String> links = LinkExtractor.extract(sb);
        assertThat(links).hasSize(LinkExtractor.MAX_LINKS);
        assertThat(links.get(0)).isEqualTo("site0.com");
    }

    @Test
    void aHundredThousandNestedBrackets() {
        String open = "[".repeat(100_000);
        String close = "]".repeat(100_000);
        assertBounded(LinkExtractor.extract(open + "example.com" + close));
        assertThat(LinkExtractor.extract(open + "example.com" + close)).containsExactly("example.com");
        assertThat(LinkExtractor.extract("(".repeat(100_000) + ")".repeat(100_000))).isEmpty();
        assertThat(LinkExtractor.extract("[.".repeat(100_000) + "]".repeat(100_000))).isEmpty();
        assertThat(LinkExtractor.extract("{[(".repeat(50_000) + "dot" + ")]}".repeat(50_000))).isEmpty();
        assertBounded(LinkExtractor.extract("https://example.com/" + "(".repeat(100_000) + ")".repeat(100_000)));
    }

    @Test
    void aMillionZeroWidthCharacters() {
        String zw = "\u200B".repeat(1_000_000);
        assertThat(LinkExtractor.extract(zw)).isEmpty();
        assertThat(TextFingerprint.of(zw)).isEmpty();
        assertThat(LinkExtractor.extract("exa" + "\u200B\u200C\u200D\u2060\uFEFF".repeat(1000) + "mple.com"))
                .containsExactly("example.com");
    }

    @Test
    void aMegabyteUrl() {
        String url = "https://example.com/" + "a".repeat(MB);
        List<String> links = LinkExtractor.extract("look " + url + " here");
        assertThat(links).hasSize(1);
        assertThat(links.get(0)).startsWith("example.com/aaaa").hasSizeLessThanOrEqualTo(LinkExtractor.MAX_LINK_CHARS);
        // two copies that differ only after the cap are the same link
        assertThat(LinkExtractor.extract(url + "b")).isEqualTo(links);
        assertThat(LinkNormaliser.normalise(url)).hasSizeLessThanOrEqualTo(LinkNormaliser.MAX_INPUT_CHARS);
    }

    @Test
    void aMegabyteHostAndQuery() {
        assertThat(LinkExtractor.extract("https://" + "a".repeat(MB) + ".com/")).isEmpty();
        assertThat(LinkExtractor.extract("https://" + "a.".repeat(MB / 2) + "com/")).isEmpty();
        List<String> q = LinkExtractor.extract("https://example.com/?" + "a=1&".repeat(MB / 4));
        assertThat(q).hasSize(1);
        assertBounded(q);
        assertThat(LinkExtractor.extract("https://example.com/?" + "utm_x=1&".repeat(MB / 8))).containsExactly("example.com");
        assertBounded(LinkExtractor.extract("https://example.com/" + "%".repeat(MB)));
        assertBounded(LinkExtractor.extract("https://example.com/" + "/..".repeat(MB / 3)));
        assertBounded(LinkExtractor.extract("https://" + "@".repeat(MB) + "example.com"));
    }

    @Test
    void manySchemesAndMasks() {
        assertBounded(LinkExtractor.extract("https://".repeat(MB / 8)));
        assertBounded(LinkExtractor.extract("hxxps://".repeat(MB / 8)));
        assertBounded(LinkExtractor.extract("h**p:".repeat(MB / 5)));
        assertBounded(LinkExtractor.extract("https://a.com".repeat(MB / 13)));
        assertThat(LinkExtractor.extract("[:]".repeat(MB / 3))).isEmpty();
        assertThat(LinkExtractor.extract(" [dot] ".repeat(MB / 7))).isEmpty();
    }

    @Test
    void unpairedSurrogatesAndOddCodePoints() {
        String odd = "\uD800example.com\uDC00 \uDBFF\uDFFF.com \uFFFF\u0000http://\uD83D/";
        assertBounded(LinkExtractor.extract(odd));
        assertThat(LinkExtractor.extract(odd)).contains("example.com");
        assertThat(TextFingerprint.of(odd.repeat(1000))).isPresent();
        assertThat(UserAgents.isBrowser("Mozilla/5.0 \uD800 AppleWebKit/1 Chrome/1")).isTrue();
    }

    @Test
    void hostileUserAgentsAndModelIds() {
        assertThat(UserAgents.isBrowser("Mozilla/5.0 " + "(".repeat(MB))).isFalse();
        assertThat(UserAgents.isBrowser("Mozilla/" + "a".repeat(1000))).isFalse();
        assertThat(ModelCheck.check("e", "a" + ":".repeat(MB), java.util.Map.of())).isEqualTo(ModelCheck.Result.INVALID);
    }

    @Test
    void aMegabyteOfFilterMatchesIsBounded() {
        FilterSet set = new FilterSet(List.of(new Filter("a", List.of(Re2Matcher.of("a")), Set.of(Place.DM),
                FilterAction.CENSOR, null)));
        String censored = set.apply("a".repeat(MB), Place.DM).censoredText();
        assertThat(censored).hasSize(MB).doesNotContain("a");
    }

    @Test
    void aMegabyteOfMixedScriptsAndDots() {
        assertBounded(LinkExtractor.extract("\u8C22\u3002".repeat(MB / 2)));
        assertBounded(LinkExtractor.extract("x\u3002\u8C22".repeat(MB / 3)));
        assertBounded(LinkExtractor.extract("\uFF0E".repeat(MB)));
        assertBounded(LinkExtractor.extract("\uD835\uDC1E.".repeat(MB / 3)));
    }
}
