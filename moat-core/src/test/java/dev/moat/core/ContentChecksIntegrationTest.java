package dev.moat.core;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import dev.moat.core.content.Filter;
import dev.moat.core.content.FilterAction;
import dev.moat.core.content.ModerationClient;
import dev.moat.core.content.ModerationResult;
import dev.moat.core.content.Place;
import dev.moat.core.content.TextMatcher;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.ModerationPolicy;
import dev.moat.core.policy.RequestChecks;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.moat.core.Policies.DAY;
import static dev.moat.core.Policies.HOUR;
import static org.assertj.core.api.Assertions.assertThat;

/** Request and content checks through {@link Moat#check}: verdicts, reasons, violations and bans. */
class ContentChecksIntegrationTest {

    private static final String BROWSER =
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";

    private final ManualClock clock = new ManualClock();
    private final List<String> events = new ArrayList<>();

    private final MoatListener recorder = new MoatListener() {
        @Override
        public void onKick(String user, String reason) {
            events.add("kick " + user + " " + reason);
        }

        @Override
        public void onReport(String kind, CheckRequest request, Decision decision) {
            events.add("report " + kind);
        }
    };

    private Moat moat(MoatPolicy policy, ModerationClient moderation) {
        return Moat.builder().clock(clock).policy(policy).moderation(moderation).listener(recorder).build();
    }

    private Moat moat(MoatPolicy policy) {
        return moat(policy, null);
    }

    private static MoatPolicy base() {
        return MoatPolicy.defaults().withRateLimits(Policies.limits().build());
    }

    private static CheckRequest dm(String from, String to, String text) {
        return CheckRequest.builder("message").user(from).ip("203.0.113.5").dm(to, text).build();
    }

    /** A filter pattern run by RE2/J, as the server does. */
    static TextMatcher re2(String regex) {
        Pattern p = Pattern.compile(regex);
        return (text, sink) -> {
            Matcher m = p.matcher(text);
            while (m.find()) {
                if (!sink.accept(m.start(), m.end())) {
                    return;
                }
            }
        };
    }

    // ---- DM link spam ----------------------------------------------------------------------------

    @Test
    void theSixthDistinctRecipientKicksAndTheNextSendBansForADay() {
        Moat moat = moat(base());
        String spam = "free stuff at https://spam.example/win";
        for (int to = 1; to <= 5; to++) {
            assertThat(moat.check(dm("dave", "@u" + to, spam)).allowed()).as("recipient %d", to).isTrue();
        }
        assertThat(moat.check(dm("dave", "@u1", spam)).allowed()).as("a recipient already counted").isTrue();

        Decision kick = moat.check(dm("dave", "@u6", spam));
        assertThat(kick.verdict()).isEqualTo(Verdict.KICK);
        assertThat(kick.reason()).isEqualTo(Reason.LINK_SPAM);
        assertThat(kick.violation().type()).isEqualTo("link_spam");
        assertThat(kick.violation().score()).isZero();
        assertThat(kick.ban()).isNull();
        assertThat(events).containsExactly("kick dave link_spam", "report kick");
        assertThat(moat.activeBanCount()).isZero();

        Decision ban = moat.check(dm("dave", "@u7", spam));
        assertThat(ban.verdict()).isEqualTo(Verdict.BAN);
        assertThat(ban.reason()).isEqualTo(Reason.LINK_SPAM);
        assertThat(ban.ban().subject()).isEqualTo("user:dave");
        assertThat(ban.ban().reason()).isEqualTo("link_spam");
        assertThat(ban.ban().expiresAtMillis() - ban.ban().createdAtMillis()).isEqualTo(DAY);
        assertThat(ban.retryAfterMillis()).isEqualTo(DAY);
        assertThat(moat.banOf("user:dave")).isNotNull();

        Decision after = moat.check(CheckRequest.builder("message").user("dave").publicMessage("#general", "hi").build());
        assertThat(after.reason()).isEqualTo(Reason.BANNED);
        assertThat(moat.check(CheckRequest.builder("message").user("erin").ip("203.0.113.5").build()).allowed())
                .as("the link-spam ban is the sender's, not the address's").isTrue();
    }

    @Test
    void publicMessagesAndOtherSendersDoNotClimbTheLadder() {
        Moat moat = moat(base());
        String spam = "https://spam.example/win";
        for (int i = 0; i < 20; i++) {
            assertThat(moat.check(CheckRequest.builder("message").user("dave").publicMessage("#r" + i, spam).build())
                    .allowed()).isTrue();
        }
        for (int to = 1; to <= 5; to++) {
            moat.check(dm("dave", "@u" + to, spam));
            moat.check(dm("frank", "@u" + to, spam));
        }
        assertThat(moat.check(dm("frank", "@u1", spam)).allowed()).isTrue();
    }

    @Test
    void anExemptSenderIsDisconnectedAtTheBanStepButNeverBanned() {
        Moat moat = moat(base().withRateLimits(Policies.limits().exempt("user:announcer").build()));
        String link = "https://news.example/today";
        for (int to = 1; to <= 5; to++) {
            moat.check(dm("announcer", "@u" + to, link));
        }
        assertThat(moat.check(dm("announcer", "@u6", link)).verdict()).isEqualTo(Verdict.KICK);
        Decision second = moat.check(dm("announcer", "@u7", link));
        assertThat(second.verdict()).isEqualTo(Verdict.KICK);
        assertThat(second.ban()).isNull();
        assertThat(second.message()).doesNotContain("banned");
        assertThat(moat.activeBanCount()).isZero();
    }

    // ---- request checks --------------------------------------------------------------------------

    @Test
    void aNonBrowserRequestScoresTwentyAndOneRequestBans() {
        Moat moat = moat(base().withRequestChecks(new RequestChecks(Set.of("message"), Map.of())));
        Decision d = moat.check(CheckRequest.builder("message").user("bot").ip("198.51.100.3")
                .userAgent("python-requests/2.32").build());
        assertThat(d.verdict()).isEqualTo(Verdict.BAN);
        assertThat(d.reason()).isEqualTo(Reason.NON_BROWSER);
        assertThat(d.violation().type()).isEqualTo("non_browser");
        assertThat(d.violation().score()).isEqualTo(20);
        assertThat(d.ban().subject()).isEqualTo("user:bot");
        assertThat(d.ban().reason()).isEqualTo("non_browser");
        assertThat(moat.banOf("ip:198.51.100.3")).isNotNull();
        assertThat(d.retryAfterMillis()).isEqualTo(2 * HOUR);

        assertThat(moat.check(CheckRequest.builder("message").user("human").ip("192.0.2.9").userAgent(BROWSER).build())
                .allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("login").user("human2").ip("192.0.2.10").userAgent("curl/8").build())
                .allowed()).as("only the configured actions are checked").isTrue();
    }

    @Test
    void anEmptyUserAgentIsNotABrowserButAnAbsentOneSkipsTheCheck() {
        // api.md: user_agent "enables the non-browser check". A caller that does not forward one
        // must not get every user banned at the first request (score 20 = one interval).
        Moat moat = moat(base().withRequestChecks(new RequestChecks(Set.of("message"), Map.of())));
        assertThat(moat.check(CheckRequest.builder("message").user("a").ip("192.0.2.1").userAgent("").build()).reason())
                .isEqualTo(Reason.NON_BROWSER);
        assertThat(moat.check(CheckRequest.builder("message").user("b").ip("192.0.2.2").build()).allowed()).isTrue();
    }

    @Test
    void anInvalidModelIsRefusedWithoutAViolationAndAnIllegalOneScoresFive() {
        Moat moat = moat(base().withRequestChecks(new RequestChecks(Set.of(), Map.of("openai", Set.of("gpt-4o", "gpt-4o-mini")))));
        Decision invalid = moat.check(CheckRequest.builder("message").user("alice").model("openai", "gpt 4o; drop").build());
        assertThat(invalid.verdict()).isEqualTo(Verdict.DENY);
        assertThat(invalid.reason()).isEqualTo(Reason.INVALID_MODEL);
        assertThat(invalid.violation()).isNull();

        for (int i = 1; i <= 3; i++) {
            Decision illegal = moat.check(CheckRequest.builder("message").user("alice").model("openai", "o1-internal").build());
            assertThat(illegal.verdict()).isEqualTo(Verdict.DENY);
            assertThat(illegal.reason()).isEqualTo(Reason.ILLEGAL_MODEL);
            assertThat(illegal.violation().type()).isEqualTo("illegal_model_request");
            assertThat(illegal.violation().score()).isEqualTo(5);
            assertThat(illegal.violation().total()).isEqualTo(5 * i);
        }
        Decision fourth = moat.check(CheckRequest.builder("message").user("alice").model("openai", "o1-internal").build());
        assertThat(fourth.verdict()).isEqualTo(Verdict.BAN);
        assertThat(fourth.ban().reason()).isEqualTo("illegal_model");

        assertThat(moat.check(CheckRequest.builder("message").user("bob").model("openai", "gpt-4o").build()).allowed()).isTrue();
        assertThat(moat.check(CheckRequest.builder("message").user("bob").model("anthropic", "anything-goes").build())
                .allowed()).as("an endpoint without a list allows any valid id").isTrue();
    }

    // ---- filters ---------------------------------------------------------------------------------

    /*
     * Mutable copies on purpose: Filter's constructor calls matchers.contains(null) and
     * places.contains(null), which throw NullPointerException for List.of / Set.of (see the
     * disabled test below). Remove the copies once dev.moat.core.content.Filter is fixed.
     */
    private static Filter filter(String name, List<TextMatcher> matchers, Set<Place> places, FilterAction action,
                                 String reply) {
        return new Filter(name, new ArrayList<>(matchers), new HashSet<>(places), action, reply);
    }

    private static MoatPolicy withFilters() {
        return base().withFilters(List.of(
                filter("invites", List.of(re2("(?i)discord\\.gg/\\w+")), Set.of(Place.PUBLIC), FilterAction.BLOCK,
                        "Server invites are not allowed here."),
                filter("mild", List.of(re2("(?i)\\bdarn\\b"), re2("(?i)\\bheck\\b")), Set.of(Place.PUBLIC, Place.DM),
                        FilterAction.CENSOR, null),
                filter("watch", List.of(re2("(?i)\\bcrypto\\b")), Set.of(Place.PUBLIC), FilterAction.REPORT, null)));
    }

    /*
     * BUG in dev.moat.core.content.Filter (content package, not the engine's): the constructor
     * validates with matchers.contains(null) and places.contains(null), and the immutable
     * collections of List.of / Set.of throw NullPointerException from contains(null). So the
     * idiomatic new Filter(name, List.of(m), Set.of(Place.PUBLIC), ...) fails with a bare NPE
     * instead of building the filter. Fix: check nulls by iterating (or catch NPE), then copy.
     */
    @Test
    void aFilterBuiltFromImmutableCollectionsIsAccepted() {
        Filter f = new Filter("x", List.of(re2("x")), Set.of(Place.PUBLIC), FilterAction.BLOCK, null);
        assertThat(f.matchers()).hasSize(1);
    }

    @Test
    void aBlockFilterRefusesWithItsReplyAndAZeroScoreViolation() {
        Moat moat = moat(withFilters());
        Decision d = moat.check(CheckRequest.builder("message").user("alice").publicMessage("#general", "join DISCORD.gg/abc").build());
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.reason()).isEqualTo(Reason.FILTERED);
        assertThat(d.filter()).isEqualTo("invites");
        assertThat(d.reply()).isEqualTo("Server invites are not allowed here.");
        assertThat(d.message()).isEqualTo("Server invites are not allowed here.");
        assertThat(d.violation().type()).isEqualTo("filtered");
        assertThat(d.violation().score()).isZero();

        assertThat(moat.check(CheckRequest.builder("message").user("alice").dm("@bob", "join discord.gg/abc").build())
                .allowed()).as("the block filter covers public rooms only").isTrue();
    }

    @Test
    void aCensorFilterAllowsTheMessageWithTheMatchesStarredOut() {
        Moat moat = moat(withFilters());
        Decision d = moat.check(CheckRequest.builder("message").user("alice").dm("@bob", "oh darn, what the heck").build());
        assertThat(d.allowed()).isTrue();
        assertThat(d.censoredText()).isEqualTo("oh ****, what the ****");
        assertThat(d.filter()).isEqualTo("mild");
        assertThat(d.violation()).isNull();
        assertThat(moat.check(CheckRequest.builder("message").user("alice").dm("@bob", "darned good").build()).censoredText())
                .isNull();
    }

    @Test
    void aReportFilterDeliversAndEmitsAReport() {
        Moat moat = moat(withFilters());
        Decision d = moat.check(CheckRequest.builder("message").user("alice").publicMessage("#general", "buy crypto now").build());
        assertThat(d.allowed()).isTrue();
        assertThat(events).containsExactly("report filter");
    }

    // ---- moderation ------------------------------------------------------------------------------

    private static final ModerationClient FAKE = inputs -> {
        String text = String.join(" ", inputs);
        if (text.contains("timeout")) {
            return ModerationResult.unavailable("timed out after 3s");
        }
        return text.contains("hateful") ? ModerationResult.flagged(Set.of("hate")) : ModerationResult.notFlagged();
    };

    @Test
    void flaggedContentIsRefusedWithAViolation() {
        Moat moat = moat(base().withModeration(new ModerationPolicy(true, true)), FAKE);
        Decision d = moat.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "something hateful").build());
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.reason()).isEqualTo(Reason.FLAGGED_CONTENT);
        assertThat(d.violation().type()).isEqualTo("flagged_content");
        assertThat(moat.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "hello").build()).allowed())
                .isTrue();
    }

    @Test
    void moderationUnavailableDeniesOrAllowsAsOnErrorSays() {
        Moat closed = moat(base().withModeration(new ModerationPolicy(true, true)), FAKE);
        Decision denied = closed.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "timeout please").build());
        assertThat(denied.verdict()).isEqualTo(Verdict.DENY);
        assertThat(denied.reason()).isEqualTo(Reason.MODERATION_UNAVAILABLE);
        assertThat(denied.violation()).as("the service failing is not the user's fault").isNull();

        Moat open = moat(base().withModeration(new ModerationPolicy(true, false)), FAKE);
        assertThat(open.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "timeout please").build())
                .allowed()).isTrue();
    }

    @Test
    void aModerationClientThatThrowsCountsAsUnavailable() {
        ModerationClient broken = inputs -> {
            throw new IllegalStateException("unexpected JSON");
        };
        Moat closed = moat(base().withModeration(new ModerationPolicy(true, true)), broken);
        assertThat(closed.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "hi").build()).reason())
                .isEqualTo(Reason.MODERATION_UNAVAILABLE);
        Moat open = moat(base().withModeration(new ModerationPolicy(true, false)), broken);
        assertThat(open.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "hi").build()).allowed())
                .isTrue();
    }

    @Test
    void moderationEnabledWithoutAClientFollowsOnError() {
        Moat closed = moat(base().withModeration(new ModerationPolicy(true, true)), null);
        assertThat(closed.check(CheckRequest.builder("message").user("alice").publicMessage("#g", "hi").build()).reason())
                .isEqualTo(Reason.MODERATION_UNAVAILABLE);
    }
}
