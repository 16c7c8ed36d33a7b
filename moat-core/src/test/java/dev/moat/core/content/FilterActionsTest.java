package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Filters by place and action: block, censor (with overlapping matches), report, precedence. */
class FilterActionsTest {

    private static Filter filter(String name, FilterAction action, Set<Place> where, String reply, String... regexes) {
        List<TextMatcher> matchers = java.util.Arrays.stream(regexes).map(r -> (TextMatcher) Re2Matcher.of(r)).toList();
        return new Filter(name, matchers, where, action, reply);
    }

    private static final Set<Place> BOTH = Set.of(Place.PUBLIC, Place.DM);

    @Test
    void blockRefusesWithTheFiltersNameAndReply() {
        FilterSet set = new FilterSet(List.of(filter("slurs", FilterAction.BLOCK, BOTH, "Not here, please.", "(?i)\\bbadword\\b")));
        FilterResult r = set.apply("you BADWORD you", Place.PUBLIC);
        assertThat(r.action()).isEqualTo(FilterAction.BLOCK);
        assertThat(r.allowed()).isFalse();
        assertThat(r.filterName()).isEqualTo("slurs");
        assertThat(r.reply()).isEqualTo("Not here, please.");
        assertThat(r.censoredText()).isNull();
        assertThat(set.apply("a good word", Place.PUBLIC)).isEqualTo(FilterResult.NONE);
    }

    @Test
    void aFilterOnlyRunsInItsPlaces() {
        FilterSet set = new FilterSet(List.of(
                filter("dm-only", FilterAction.BLOCK, Set.of(Place.DM), null, "(?i)send nudes"),
                filter("public-only", FilterAction.BLOCK, Set.of(Place.PUBLIC), null, "(?i)buy followers")));
        assertThat(set.apply("send nudes", Place.DM).action()).isEqualTo(FilterAction.BLOCK);
        assertThat(set.apply("send nudes", Place.PUBLIC).matched()).isFalse();
        assertThat(set.apply("buy followers", Place.PUBLIC).action()).isEqualTo(FilterAction.BLOCK);
        assertThat(set.apply("buy followers", Place.DM).matched()).isFalse();
    }

    @Test
    void censorReplacesEachMatchWithOneAsteriskPerCodePoint() {
        FilterSet set = new FilterSet(List.of(filter("mild", FilterAction.CENSOR, BOTH, null, "(?i)darn", "h\u00E9ck", "\uD83D\uDCA9")));
        FilterResult r = set.apply("Darn it, h\u00E9ck! \uD83D\uDCA9 darn", Place.DM);
        assertThat(r.action()).isEqualTo(FilterAction.CENSOR);
        assertThat(r.allowed()).isTrue();
        assertThat(r.censoredText()).isEqualTo("**** it, ****! * ****");
        assertThat(r.filterName()).isEqualTo("mild");
    }

    @Test
    void overlappingCensorMatchesAreMerged() {
        FilterSet set = new FilterSet(List.of(
                filter("a", FilterAction.CENSOR, BOTH, null, "abcd", "cdef"),
                filter("b", FilterAction.CENSOR, BOTH, null, "bc", "efgh")));
        FilterResult r = set.apply("xabcdefghx abc", Place.PUBLIC);
        assertThat(r.censoredText()).isEqualTo("x********x a**");
        assertThat(r.filterName()).isEqualTo("a");
    }

    @Test
    void reportAllowsAndMarksTheMessage() {
        FilterSet set = new FilterSet(List.of(filter("watch", FilterAction.REPORT, BOTH, "A moderator was notified.", "(?i)meet me")));
        FilterResult r = set.apply("Meet me after school", Place.DM);
        assertThat(r.action()).isEqualTo(FilterAction.REPORT);
        assertThat(r.allowed()).isTrue();
        assertThat(r.reported()).isTrue();
        assertThat(r.censoredText()).isNull();
        assertThat(r.reply()).isEqualTo("A moderator was notified.");
    }

    @Test
    void blockWinsOverCensorWinsOverReportAndReportingStillHappens() {
        Filter report = filter("report", FilterAction.REPORT, BOTH, null, "x");
        Filter censor = filter("censor", FilterAction.CENSOR, BOTH, null, "y");
        Filter block = filter("block", FilterAction.BLOCK, BOTH, null, "z");
        FilterSet set = new FilterSet(List.of(report, censor, block));
        FilterResult all = set.apply("x y z", Place.PUBLIC);
        assertThat(all.action()).isEqualTo(FilterAction.BLOCK);
        assertThat(all.filterName()).isEqualTo("block");
        assertThat(all.reported()).isTrue();
        FilterResult censorAndReport = set.apply("x y", Place.PUBLIC);
        assertThat(censorAndReport.action()).isEqualTo(FilterAction.CENSOR);
        assertThat(censorAndReport.censoredText()).isEqualTo("x *");
        assertThat(censorAndReport.reported()).isTrue();
        FilterResult censorOnly = set.apply("y", Place.PUBLIC);
        assertThat(censorOnly.reported()).isFalse();
    }

    @Test
    void theFirstDeclaredFilterOfTheWinningActionDecides() {
        FilterSet set = new FilterSet(List.of(
                filter("first", FilterAction.BLOCK, BOTH, "one", "spam"),
                filter("second", FilterAction.BLOCK, BOTH, "two", "spam")));
        assertThat(set.apply("spam", Place.DM).filterName()).isEqualTo("first");
    }

    @Test
    void zeroLengthMatchesDoNotCount() {
        FilterSet set = new FilterSet(List.of(
                filter("empty", FilterAction.BLOCK, BOTH, null, "q*"),
                filter("empty-censor", FilterAction.CENSOR, BOTH, null, "^", "$")));
        assertThat(set.apply("hello", Place.PUBLIC).matched()).isFalse();
        assertThat(set.apply("qq", Place.PUBLIC).action()).isEqualTo(FilterAction.BLOCK);
    }

    @Test
    void tooManyCensorMatchesCensorTheRest() {
        FilterSet set = new FilterSet(List.of(filter("x", FilterAction.CENSOR, BOTH, null, "x")));
        String text = "x".repeat(FilterSet.MAX_MATCHES + 10) + " and the hidden slur";
        String censored = set.apply(text, Place.PUBLIC).censoredText();
        assertThat(censored).hasSize(text.length()).matches("\\*+");
    }

    @Test
    void aMisbehavingMatcherIsBounded() {
        TextMatcher endless = (text, sink) -> {
            for (long i = 0; i < Long.MAX_VALUE; i++) {
                if (!sink.accept(0, 0)) {
                    return;
                }
            }
        };
        TextMatcher outOfRange = (text, sink) -> sink.accept(-1, 999);
        FilterSet set = new FilterSet(List.of(
                new Filter("endless", List.of(endless), BOTH, FilterAction.CENSOR, null),
                new Filter("endless-block", List.of(endless, outOfRange), BOTH, FilterAction.BLOCK, null)));
        assertThat(set.apply("abc", Place.PUBLIC)).isEqualTo(FilterResult.NONE);
    }

    @Test
    void filtersAreValidatedWithTheBadValueQuoted() {
        TextMatcher m = Re2Matcher.of("x");
        assertThatThrownBy(() -> new Filter(" ", List.of(m), BOTH, FilterAction.BLOCK, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\" \"");
        assertThatThrownBy(() -> new Filter("f", List.of(), BOTH, FilterAction.BLOCK, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("patterns");
        assertThatThrownBy(() -> new Filter("f", List.of(m), Set.of(), FilterAction.BLOCK, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("where");
        assertThatThrownBy(() -> new Filter("f", List.of(m), BOTH, null, null))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("action");
        assertThat(FilterSet.EMPTY.apply("anything", Place.DM)).isEqualTo(FilterResult.NONE);
    }
}
