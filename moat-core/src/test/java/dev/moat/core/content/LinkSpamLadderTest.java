package dev.moat.core.content;

import static dev.moat.core.content.LinkSpamLadder.Outcome.ALLOW;
import static dev.moat.core.content.LinkSpamLadder.Outcome.BAN;
import static dev.moat.core.content.LinkSpamLadder.Outcome.KICK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moat.core.content.LinkSpamLadder.State;
import dev.moat.core.content.LinkSpamLadder.Step;
import org.junit.jupiter.api.Test;

/** The kick-then-ban ladder, with times passed in. */
class LinkSpamLadderTest {

    private static final LinkSpamPolicy DEFAULTS = LinkSpamPolicy.DEFAULTS;
    private static final long T0 = 1_700_000_000_000L;
    private static final long HOUR = 3_600_000L;

    /** Sends to each recipient in turn, a second apart, returning the last step. */
    private static Step sendAll(State start, long from, String... recipients) {
        Step step = new Step(start, ALLOW);
        long now = from;
        for (String r : recipients) {
            step = LinkSpamLadder.step(step.state(), r, now, DEFAULTS);
            now += 1000;
        }
        return step;
    }

    @Test
    void theSixthDistinctRecipientKicksAndTheNextSendBans() {
        State s = null;
        for (int i = 1; i <= 5; i++) {
            Step step = LinkSpamLadder.step(s, "@user" + i + ":example.org", T0 + i * 1000L, DEFAULTS);
            assertThat(step.outcome()).as("recipient %d", i).isEqualTo(ALLOW);
            s = step.state();
        }
        Step kick = LinkSpamLadder.step(s, "@user6:example.org", T0 + 6000, DEFAULTS);
        assertThat(kick.outcome()).isEqualTo(KICK);
        assertThat(kick.state().kicked()).isTrue();
        assertThat(kick.state().recipientCount()).isEqualTo(6);

        Step ban = LinkSpamLadder.step(kick.state(), "@user1:example.org", T0 + 7000, DEFAULTS);
        assertThat(ban.outcome()).isEqualTo(BAN);
        assertThat(ban.state()).isNull();
    }

    @Test
    void afterAKickAnyRecipientBans() {
        Step kick = sendAll(null, T0, "a", "b", "c", "d", "e", "f");
        assertThat(kick.outcome()).isEqualTo(KICK);
        assertThat(LinkSpamLadder.step(kick.state(), "z", T0 + 60_000, DEFAULTS).outcome()).isEqualTo(BAN);
        assertThat(LinkSpamLadder.step(kick.state(), "a", T0 + 60_000, DEFAULTS).outcome()).isEqualTo(BAN);
    }

    @Test
    void repeatedRecipientsDoNotCount() {
        Step step = sendAll(null, T0, "a", "b", "a", "b", "c", "a", "d", "e", "e", "e", "a");
        assertThat(step.outcome()).isEqualTo(ALLOW);
        assertThat(step.state().recipientCount()).isEqualTo(5);
        assertThat(LinkSpamLadder.step(step.state(), "f", T0 + 20_000, DEFAULTS).outcome()).isEqualTo(KICK);
    }

    @Test
    void theWindowCountsFromTheLastSendAndEndsExactlyAfterWindowMillis() {
        State s = LinkSpamLadder.step(null, "a", T0, DEFAULTS).state();
        assertThat(s.expiresAtMillis()).isEqualTo(T0 + HOUR + 1);
        // exactly windowMillis after the last send: still the same window
        State s2 = LinkSpamLadder.step(s, "b", T0 + HOUR, DEFAULTS).state();
        assertThat(s2.recipientCount()).isEqualTo(2);
        assertThat(s2.expiresAtMillis()).isEqualTo(T0 + 2 * HOUR + 1);
        // one milli more than windowMillis after the last send: starts over
        State s3 = LinkSpamLadder.step(s2, "c", T0 + 2 * HOUR + 1, DEFAULTS).state();
        assertThat(s3.recipientCount()).isEqualTo(1);
        assertThat(s2.isLiveAt(T0 + 2 * HOUR)).isTrue();
        assertThat(s2.isLiveAt(T0 + 2 * HOUR + 1)).isFalse();
    }

    @Test
    void aSlowDripWithinTheWindowOfTheLastSendStillKicks() {
        State s = null;
        long now = T0;
        for (String r : new String[] {"a", "b", "c", "d", "e"}) {
            s = LinkSpamLadder.step(s, r, now, DEFAULTS).state();
            now += 50 * 60_000L;
        }
        assertThat(LinkSpamLadder.step(s, "f", now, DEFAULTS).outcome()).isEqualTo(KICK);
    }

    @Test
    void anExpiredKickIsForgotten() {
        Step kick = sendAll(null, T0, "a", "b", "c", "d", "e", "f");
        long later = kick.state().expiresAtMillis();
        Step fresh = LinkSpamLadder.step(kick.state(), "g", later, DEFAULTS);
        assertThat(fresh.outcome()).isEqualTo(ALLOW);
        assertThat(fresh.state().kicked()).isFalse();
        assertThat(fresh.state().recipientCount()).isEqualTo(1);
        // ...but one milli before expiry the kick still stands
        assertThat(LinkSpamLadder.step(kick.state(), "g", later - 1, DEFAULTS).outcome()).isEqualTo(BAN);
    }

    @Test
    void theStateIsBoundedToMaxRecipientsPlusOne() {
        LinkSpamPolicy three = new LinkSpamPolicy(true, 3, HOUR, HOUR);
        State s = null;
        for (String r : new String[] {"a", "b", "c", "d"}) {
            s = LinkSpamLadder.step(s, r, T0, three).state();
        }
        assertThat(s.kicked()).isTrue();
        assertThat(s.recipientCount()).isEqualTo(4);
    }

    @Test
    void aDisabledPolicyAllowsAndKeepsNothing() {
        LinkSpamPolicy off = new LinkSpamPolicy(false, 5, HOUR, HOUR);
        Step step = LinkSpamLadder.step(null, "a", T0, off);
        assertThat(step.outcome()).isEqualTo(ALLOW);
        assertThat(step.state()).isNull();
    }

    @Test
    void aClockGoingBackDoesNotShortenTheWindow() {
        State s = LinkSpamLadder.step(null, "a", T0, DEFAULTS).state();
        State back = LinkSpamLadder.step(s, "b", T0 - 10_000, DEFAULTS).state();
        assertThat(back.lastSendMillis()).isEqualTo(T0);
        assertThat(back.expiresAtMillis()).isEqualTo(T0 + HOUR + 1);
        assertThat(back.recipientCount()).isEqualTo(2);
    }

    @Test
    void theStateSurvivesARoundTripThroughItsStringForm() {
        Step kick = sendAll(null, T0, "@a:x", "@b:x", "@c:x", "@d:x", "@e:x", "@f:x");
        String encoded = kick.state().encode();
        assertThat(encoded).matches("1:\\d+:\\d+:1:[0-9a-f]{16}(,[0-9a-f]{16}){5}");
        State decoded = State.decode(encoded);
        assertThat(decoded).isEqualTo(kick.state());
        assertThat(decoded.expiresAtMillis()).isEqualTo(kick.state().expiresAtMillis());
        // a restart in between changes nothing: the decoded state still bans
        assertThat(LinkSpamLadder.step(decoded, "@g:x", T0 + 10_000, DEFAULTS).outcome()).isEqualTo(BAN);
        State one = LinkSpamLadder.step(null, "@a:x", T0, DEFAULTS).state();
        assertThat(State.decode(one.encode())).isEqualTo(one);
        assertThat(one.encode()).startsWith("1:" + T0 + ":" + (T0 + HOUR + 1) + ":0:");
    }

    @Test
    void malformedStatesAreRejectedWithTheValueQuoted() {
        for (String bad : new String[] {"", "2:1:2:0:0123456789abcdef", "1:x:2:0:0123456789abcdef",
            "1:1:2:2:0123456789abcdef", "1:1:2:0:", "1:1:2:0:0123456789ABCDEF", "1:1:2:0:0123",
            "1:1:2:0:0123456789abcdef,", "1:-1:2:0:0123456789abcdef", "1:1:2:0:0123456789abcdef:9",
            "1:99999999999999999999:2:0:0123456789abcdef"}) {
            assertThatThrownBy(() -> State.decode(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"" + bad);
        }
        assertThatThrownBy(() -> State.decode(null)).isInstanceOf(IllegalArgumentException.class);
        String huge = "1:1:2:0:" + "0123456789abcdef,".repeat(2000) + "0123456789abcdef";
        assertThatThrownBy(() -> State.decode(huge)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePolicyIsValidatedWithTheBadValueQuoted() {
        assertThatThrownBy(() -> new LinkSpamPolicy(true, 0, HOUR, HOUR))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_recipients").hasMessageContaining("got 0");
        assertThatThrownBy(() -> new LinkSpamPolicy(true, 1001, HOUR, HOUR))
                .hasMessageContaining("got 1001");
        assertThatThrownBy(() -> new LinkSpamPolicy(true, 5, 0, HOUR))
                .hasMessageContaining("link_spam.window").hasMessageContaining("got 0ms");
        assertThatThrownBy(() -> new LinkSpamPolicy(true, 5, HOUR, -5))
                .hasMessageContaining("link_spam.ban").hasMessageContaining("got -5ms");
        assertThat(DEFAULTS).isEqualTo(new LinkSpamPolicy(true, 5, HOUR, 24 * HOUR));
        assertThat(LinkSpamPolicy.of(true, 5, java.time.Duration.ofHours(1), java.time.Duration.ofDays(1))).isEqualTo(DEFAULTS);
        assertThatThrownBy(() -> LinkSpamPolicy.of(true, 5, java.time.Duration.ofDays(365 * 1000L), java.time.Duration.ofDays(1)))
                .hasMessageContaining("link_spam.window");
    }
}
