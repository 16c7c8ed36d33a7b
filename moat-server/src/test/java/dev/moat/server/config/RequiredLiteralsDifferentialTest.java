package dev.moat.server.config;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The prefilter against RE2/J itself on random patterns and texts: whenever RE2/J finds a non-empty
 * match, the prefilter must say "maybe" for the text and for the matched part alone, and
 * {@link Re2TextMatcher} must report exactly the matches RE2/J does. The prefilter must also say
 * "no" often enough that this test would notice if it were never built.
 */
class RequiredLiteralsDifferentialTest {

    private static final int PATTERNS_PER_SEED = 3_500;
    private static final int TEXTS_PER_PATTERN = 12;

    @Test
    void thePrefilterNeverRulesOutATextRe2Matches() {
        int compiled = 0;
        int withRequirement = 0;
        int withPrefilter = 0;
        int checks = 0;
        int ruledOut = 0;
        int matched = 0;
        for (long seed = 1; seed <= 4; seed++) {
            RandomPatterns gen = new RandomPatterns(seed);
            for (int i = 0; i < PATTERNS_PER_SEED; i++) {
                RandomPatterns.Generated g = gen.next();
                Pattern pattern;
                try {
                    pattern = Pattern.compile(g.pattern());
                } catch (PatternSyntaxException | IllegalArgumentException e) {
                    // RE2/J refuses it; the analyzer must still not throw
                    RequirementParser.requirement(g.pattern());
                    continue;
                }
                compiled++;
                Set<String> required = RequirementParser.requirement(g.pattern());
                RequiredLiterals prefilter = required == null ? null : RequiredLiterals.anyOf(required);
                Re2TextMatcher matcher = compileOrNull(g.pattern());
                if (required != null) {
                    withRequirement++;
                }
                if (matcher != null && matcher.prefilter() != null) {
                    withPrefilter++;
                }
                for (String text : texts(gen, g)) {
                    List<String> expected = nonEmptyMatches(pattern, text);
                    if (prefilter != null) {
                        checks++;
                        boolean maybe = prefilter.mayMatch(text);
                        if (!maybe) {
                            ruledOut++;
                        }
                        if (!expected.isEmpty()) {
                            matched++;
                            if (!maybe) {
                                fail(describe("ruled out a matching text", g.pattern(), required, text, expected));
                            }
                            for (String m : expected) {
                                String part = m.substring(m.indexOf(':') + 1);
                                if (!prefilter.mayMatch(part)) {
                                    fail(describe("ruled out a match", g.pattern(), required, part, expected));
                                }
                            }
                        }
                    }
                    if (matcher != null) {
                        assertThat(Re2TextMatcherTest.matches(matcher, text))
                                .as("pattern %s on %s", g.pattern(), escape(text)).isEqualTo(expected);
                    }
                }
            }
        }
        // the grammar yields plenty of analyzable patterns, real matches, and texts ruled out
        assertThat(compiled).isGreaterThan(3_000);
        assertThat(withRequirement).as("patterns with a requirement of %d", compiled).isGreaterThan(compiled / 5);
        assertThat(withPrefilter).as("patterns with a prefilter of %d", compiled).isGreaterThan(compiled / 20);
        assertThat(matched).as("matching texts among %d checks", checks).isGreaterThan(checks / 5);
        assertThat(ruledOut).as("texts ruled out of %d checks", checks).isGreaterThan(checks / 10);
    }

    private static Re2TextMatcher compileOrNull(String regex) {
        try {
            return Re2TextMatcher.compile(regex);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static List<String> texts(RandomPatterns gen, RandomPatterns.Generated g) {
        List<String> texts = new ArrayList<>();
        texts.add(g.sample());
        for (int i = 1; i < TEXTS_PER_PATTERN - 2; i++) {
            texts.add(gen.mutate(g.sample()));
        }
        texts.add(gen.noise() + gen.noise());
        texts.add(gen.mutate(g.pattern())); // pattern text itself: its words, case-flipped
        return texts;
    }

    /** Non-empty matches as Re2TextMatcherTest.matches writes them. */
    private static List<String> nonEmptyMatches(Pattern pattern, String text) {
        List<String> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            if (m.end() > m.start()) {
                out.add(m.start() + "-" + m.end() + ":" + text.substring(m.start(), m.end()));
            }
        }
        return out;
    }

    private static String describe(String what, String pattern, Set<String> required, String text,
                                   List<String> matches) {
        return what + ": pattern " + escape(pattern) + " required " + required + " text " + escape(text)
                + " matches " + matches;
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            out.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04X", (int) c));
        }
        return out.append('"').toString();
    }
}
