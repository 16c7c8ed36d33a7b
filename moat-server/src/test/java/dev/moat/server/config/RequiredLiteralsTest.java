package dev.moat.server.config;

import com.google.re2j.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class RequiredLiteralsTest {

    /** The raw requirement, before the minimum length for a prefilter is applied. */
    static Set<String> requirement(String regex) {
        return RequirementParser.requirement(regex);
    }

    @Test
    void aSequencePicksItsCandidateWithTheLongestShortestString() {
        // "free" (4) against the required group {crypto, bitcoin} (shortest 6): the group wins
        assertThat(requirement("(?i)\\bfree\\s+(crypto|bitcoin)\\b")).containsExactly("crypto", "bitcoin");
        assertThat(requirement("\\b(viagra|cialis)\\b")).containsExactly("viagra", "cialis");
        // equal shortest length: fewer strings win, then the first
        assertThat(requirement("abcd(wxyz|vwxy)")).containsExactly("abcd");
        assertThat(requirement("abc-xyz")).containsExactly("abc-xyz");
    }

    @Test
    void quantifiersKeepOrDropTheAtomBeforeThem() {
        assertThat(requirement("fo+bar")).containsExactly("bar"); // "fo" is required too, "bar" is longer
        assertThat(requirement("foo+ba")).containsExactly("foo");
        assertThat(requirement("colou?r")).containsExactly("colo");
        assertThat(requirement("colou*r")).containsExactly("colo");
        assertThat(requirement("colou{0,2}r")).containsExactly("colo");
        assertThat(requirement("colou{0}r")).containsExactly("colo");
        assertThat(requirement("colou{1,2}r")).containsExactly("colou");
        assertThat(requirement("colou+?r")).containsExactly("colou");
        assertThat(requirement("x(?:ab)*yz")).containsExactly("yz");
        assertThat(requirement("x(?:abc)+y")).containsExactly("abc");
        assertThat(requirement("x(?:abc){2,}y")).containsExactly("abc");
        assertThat(requirement("x(?:abc)?y")).containsExactly("x");
        assertThat(requirement("(abc)*")).isNull();
    }

    @Test
    void anAlternationNeedsARequirementInEveryBranch() {
        assertThat(requirement("a|bc")).containsExactly("a", "bc");
        assertThat(RequiredLiterals.of("a|bc")).isNull(); // "a" is too short to be worth a scan
        assertThat(requirement("spam|\\d+")).isNull();
        assertThat(requirement("spam|")).isNull();
        assertThat(requirement("x(abc|)y")).containsExactly("x"); // the group may match empty
        assertThat(requirement("(?:foo|bar)(?:bazz|quux)")).containsExactly("bazz", "quux");
        assertThat(requirement("foo|foo|Foo")).containsExactly("foo");
    }

    @Test
    void escapesAndClassesBreakRunsOrAreLiterals() {
        assertThat(requirement("[abc]def")).containsExactly("def");
        assertThat(requirement("[]x]yz")).containsExactly("yz");
        assertThat(requirement("[^]x]yzw")).containsExactly("yzw");
        assertThat(requirement("[a\\]bcd]ef")).containsExactly("ef");
        assertThat(requirement("[[:alpha:]]abc")).containsExactly("abc");
        assertThat(requirement("a\\.b\\-c\\ d")).containsExactly("a.b-c d");
        assertThat(requirement("ab\\dcd")).containsExactly("ab");
        assertThat(requirement("ab\\x41cde")).containsExactly("cde");
        assertThat(requirement("ab\\x{41}cde")).containsExactly("cde");
        assertThat(requirement("ab\\pLcde")).containsExactly("cde");
        assertThat(requirement("ab\\p{Greek}cde")).containsExactly("cde");
        assertThat(requirement("a.bc^de$f")).containsExactly("bc");
        assertThat(requirement("h\u00e9llo")).containsExactly("llo"); // non-ASCII breaks the run
        assertThat(requirement("\\Qa.b\\E")).isNull(); // \Q...\E is read as an unknown atom
        assertThat(requirement("xy\\Qa.b\\Ez")).containsExactly("xy");
        assertThat(requirement("ab{2}cd")).containsExactly("ab");
    }

    @Test
    void groupsOfEveryFormAreRead() {
        assertThat(requirement("(?P<w>spam)")).containsExactly("spam");
        assertThat(requirement("(?<w>spam)")).containsExactly("spam");
        assertThat(requirement("(?i:spam)")).containsExactly("spam");
        assertThat(requirement("(?i)SPAM(?-i)x")).containsExactly("spam");
    }

    @Test
    void literalsAreFoldedAndLongRunsCut() {
        assertThat(requirement("FrEe")).containsExactly("free");
        String longRun = "abcdefghijklmnopqrstuvwxyz0123456789";
        assertThat(requirement(longRun)).containsExactly(longRun.substring(0, RequiredLiterals.MAX_LENGTH));
    }

    @Test
    void tooManyStringsMeanNoRequirement() {
        List<String> words = new ArrayList<>();
        for (int i = 0; i < RequiredLiterals.MAX_STRINGS + 1; i++) {
            words.add("word" + (char) ('a' + i));
        }
        assertThat(requirement(String.join("|", words))).isNull();
        assertThat(requirement(String.join("|", words.subList(0, RequiredLiterals.MAX_STRINGS))))
                .hasSize(RequiredLiterals.MAX_STRINGS);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "ab{", "ab{x}", "ab{,2}", "ab{01}", "{2}abc", "*abc", "abc**", "abc*+", "abc{2}{3}",
        "abc\\1", "abc\\0", "abc\\C", "abc\\e", "abc\\Z", "(abc", "abc)", "abc(?=x)", "abc(?#c)",
        "abc(?i)*", "abc\\Q\\E*", "abc[[]", "abc[+-[:alpha:]]", "abc[", "abc\\", "abc\\pxyz|\\p",
        "abc\\x4", "abc\\x{}", "(?P<>abc)", "(?P<a-b>abc)",
    })
    void anythingNotFullyUnderstoodGivesNoRequirement(String regex) {
        assertThat(requirement(regex)).isNull();
    }

    @Test
    void deepNestingGivesNoRequirement() {
        String deep = "(".repeat(200) + "abc" + ")".repeat(200);
        assertThat(requirement(deep)).isNull();
        assertThat(requirement("(".repeat(50) + "abc" + ")".repeat(50))).containsExactly("abc");
    }

    @Test
    void mayMatchIgnoresCaseLikeRe2IncludingKelvinAndLongS() {
        RequiredLiterals lit = RequiredLiterals.anyOf(new LinkedHashSet<>(List.of("kiss", "bitcoin")));
        assertThat(lit.mayMatch("a KISS")).isTrue();
        assertThat(lit.mayMatch("\u212Ai\u017F\u017F")).isTrue();
        assertThat(lit.mayMatch("BitCoin!")).isTrue();
        assertThat(lit.mayMatch("bitcoi")).isFalse();
        assertThat(lit.mayMatch("kis bitcoi n")).isFalse();
        assertThat(lit.mayMatch("")).isFalse();
        assertThat(lit.mayMatch(new StringBuilder("xxkissxx"))).isTrue();
    }

    @Test
    void foldingAgreesWithRe2ForEveryCharacterThatMatchesAnAsciiLiteral() {
        // every BMP character RE2's (?i) matches against a printable ASCII literal must fold to it
        for (char p = 0x20; p < 0x7f; p++) {
            com.google.re2j.Matcher m = Pattern.compile("(?i)" + Pattern.quote(String.valueOf(p))).matcher("");
            for (int c = 0; c <= 0xFFFF; c++) {
                String text = String.valueOf((char) c);
                if (m.reset(text).matches()) {
                    assertThat(RequiredLiterals.fold((char) c))
                            .as("U+%04X against '%s'", c, p).isEqualTo(RequiredLiterals.fold(p));
                }
            }
        }
    }

    @Test
    void re2TextMatcherSkipsTextsWithoutTheLiteralsAndStillFindsTheRest() {
        Re2TextMatcher m = Re2TextMatcher.compile("(?i)\\bfree\\s+(crypto|bitcoin)\\b");
        assertThat(m.prefilter()).isNotNull();
        assertThat(m.prefilter().mayMatch("hello everyone, a message from the relay benchmark")).isFalse();
        assertThat(Re2TextMatcherTest.matches(m, "get FREE  Bitcoin now")).containsExactly("4-17:FREE  Bitcoin");
        assertThat(Re2TextMatcherTest.matches(m, "free cryptocurrency")).isEmpty(); // \b: literal present, no match
        assertThat(Re2TextMatcher.compile("a|\\d+").prefilter()).isNull();
    }
}
