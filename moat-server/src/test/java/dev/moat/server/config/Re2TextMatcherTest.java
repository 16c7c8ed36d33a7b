package dev.moat.server.config;

import dev.moat.core.content.Filter;
import dev.moat.core.content.FilterAction;
import dev.moat.core.content.Place;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Re2TextMatcherTest {

    static List<String> matches(Re2TextMatcher m, String text) {
        List<String> out = new ArrayList<>();
        m.findAll(text, (s, e) -> out.add(s + "-" + e + ":" + text.substring(s, e)));
        return out;
    }

    @Test
    void reportsEveryNonOverlappingMatchLeftToRightAsUtf16Offsets() {
        Re2TextMatcher m = Re2TextMatcher.compile("(?i)spam+");
        assertThat(matches(m, "spam SPAMMM spa spam")).containsExactly("0-4:spam", "5-11:SPAMMM", "16-20:spam");
        // offsets count UTF-16 units: the emoji before the match is two chars
        assertThat(matches(Re2TextMatcher.compile("\u00e9+x"), "\ud83d\ude00\u00e9\u00e9x"))
                .containsExactly("2-5:\u00e9\u00e9x");
    }

    @Test
    void stopsWhenTheSinkSaysSo() {
        List<Integer> starts = new ArrayList<>();
        Re2TextMatcher.compile("a").findAll("aaaa", (s, e) -> {
            starts.add(s);
            return starts.size() < 2;
        });
        assertThat(starts).containsExactly(0, 1);
    }

    @Test
    void nothingForNullOrEmptyTextAndNeverAnEmptyMatch() {
        Re2TextMatcher m = Re2TextMatcher.compile("\\bx");
        assertThat(matches(m, "")).isEmpty();
        m.findAll(null, (s, e) -> {
            throw new AssertionError();
        });
        // `\b` matches empty at word edges; those are skipped, the real match is still reported
        assertThat(matches(Re2TextMatcher.compile("x|\\b"), "a x")).containsExactly("2-3:x");
    }

    @Test
    @Timeout(5)
    void catastrophicBacktrackingPatternsRunInLinearTime() {
        Re2TextMatcher m = Re2TextMatcher.compile("(a+)+$");
        String evil = "a".repeat(50_000) + "!";
        assertThat(matches(m, evil)).isEmpty();
    }

    @Test
    void refusesWhatRe2CannotCompileOrWhatMatchesEmptyText() {
        assertThatThrownBy(() -> Re2TextMatcher.compile("(\\w)\\1")).hasMessageContaining("RE2/J cannot compile");
        assertThatThrownBy(() -> Re2TextMatcher.compile("(?=x)")).hasMessageContaining("RE2/J cannot compile");
        assertThatThrownBy(() -> Re2TextMatcher.compile("a*")).hasMessageContaining("matches empty text");
        assertThatThrownBy(() -> Re2TextMatcher.compile("bad|")).hasMessageContaining("matches empty text");
        assertThatThrownBy(() -> Re2TextMatcher.compile("")).hasMessageContaining("must not be empty");
        assertThatThrownBy(() -> Re2TextMatcher.compile("x".repeat(5000))).hasMessageContaining("longer than");
        assertThatThrownBy(() -> Re2TextMatcher.compile("[a-z]{1000}[0-9]{1000}".repeat(11))).hasMessageContaining("too complex");
    }

    @Test
    @Timeout(5)
    void nestedCountedRepetitionIsRefusedBeforeRe2jTriesToExpandIt() {
        // RE2/J alone runs out of memory on this after minutes
        assertThatThrownBy(() -> Re2TextMatcher.compile("((a{1000}){1000}){1000}")).hasMessageContaining("too complex");
        assertThatThrownBy(() -> Re2TextMatcher.compile("(?:(?i)[a-z]{100,200}){500}")).hasMessageContaining("too complex");
        assertThat(Re2TextMatcher.compile("(?i)\\b(?:free|cheap)\\s+\\w{3,20}\\.(?:com|net)\\b").pattern()).isNotEmpty();
        assertThat(Re2TextMatcher.Expansion.estimate("a{10}")).isEqualTo(10);
        assertThat(Re2TextMatcher.Expansion.estimate("(ab){3}")).isEqualTo(9);
        assertThat(Re2TextMatcher.Expansion.estimate("[a-z{]{2,5}\\Qxy{9}\\E")).isEqualTo(5 + 5);
    }

    @Test
    void filtersFromYamlCarryTheirMatchers() {
        MoatConfig c = Configs.parse("""
                filters:
                  - name: invites
                    patterns: ["(?i)discord\\\\.gg/\\\\w+"]
                    where: [public]
                    action: block
                    reply: "Invite links are not allowed here."
                  - name: slurs
                    patterns: ["(?i)\\\\bbadword\\\\b", "(?i)\\\\bworseword\\\\b"]
                    action: censor
                """);
        List<Filter> filters = c.policy().filters();
        assertThat(filters).hasSize(2);
        assertThat(filters.get(0).places()).containsExactly(Place.PUBLIC);
        assertThat(filters.get(0).action()).isEqualTo(FilterAction.BLOCK);
        assertThat(filters.get(0).reply()).isEqualTo("Invite links are not allowed here.");
        assertThat(filters.get(1).places()).containsExactlyInAnyOrder(Place.PUBLIC, Place.DM);
        assertThat(filters.get(1).reply()).isNull();
        List<int[]> found = new ArrayList<>();
        filters.get(0).matchers().get(0).findAll("join DISCORD.gg/abc now", (s, e) -> found.add(new int[] {s, e}));
        assertThat(found).singleElement().satisfies(r -> assertThat(r).containsExactly(5, 19));
    }
}
