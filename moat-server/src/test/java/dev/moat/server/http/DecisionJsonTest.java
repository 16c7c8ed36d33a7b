package dev.moat.server.http;

import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.ViolationRecord;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The streaming answer of /v1/check is byte for byte what the tree rendering ({@link Wire#decision}) gives. */
class DecisionJsonTest {

    static final LimitStatus LOGIN = new LimitStatus("client.target.login", "ip", "ip:192.0.2.7", 7, 300_000, 0,
            42_000, false, 41_500);
    static final LimitStatus MESSAGE = new LimitStatus("client.target.message[1]", "user", "user:@a:b", 40, 60_000,
            39, 1_500, true, -1);

    static void same(Decision d) {
        String tree = Json.buffer(Wire.decision(d)).toString();
        assertThat(DecisionJson.buffer(d).toString()).isEqualTo(tree);
    }

    @Test
    void anAllowedDecisionWithItsLimits() {
        same(new Decision(Verdict.ALLOW, null, null, -1, null, List.of(MESSAGE, MESSAGE), null, null, null, null, null));
        same(new Decision(Verdict.ALLOW, null, null, -1, null, List.of(), null, null, null, null, null));
    }

    @Test
    void aRefusalWithItsLimitMessageViolationAndBan() {
        Ban ban = new Ban("ip:192.0.2.7", "too many \"logins\"", "logins", BanSource.AUTO, 1_700_000_000_000L,
                1_700_007_200_000L, 3, null);
        same(new Decision(Verdict.DENY, Reason.RATE_LIMITED, "Too many login requests. Try again in 1 minute.", 41_500,
                LOGIN, List.of(LOGIN, MESSAGE), new ViolationRecord("logins", 1, 20, "ip:192.0.2.7"), null, null, null,
                null));
        same(new Decision(Verdict.BAN, Reason.BANNED, "You are banned.", 7_200_000, null, List.of(),
                new ViolationRecord("spam", 2.5, 20.25, null), ban, null, null, null));
    }

    @Test
    void aFilterMatchWithTextThatNeedsEscaping() {
        same(new Decision(Verdict.ALLOW, null, null, -1, null, List.of(MESSAGE), null, null,
                "tab\there \"quoted\" back\\slash \u0001 é 😀 </script>", "no_links", "reply\nline"));
        same(new Decision(Verdict.DENY, Reason.FILTERED, "m", -1, null, List.of(), null, null, null, "f", null));
        LimitStatus odd = new LimitStatus("client.target.\u00e9t\u00e9\u007f", "ip", "ip:\"x\"", 1, 1, 0, 0, false, -1);
        same(new Decision(Verdict.KICK, Reason.LINK_SPAM, "", 0, odd, List.of(odd, MESSAGE), null, null, "", "", ""));
    }

    @Test
    void aThreadsKeptArrayGivesEachAnswerOnlyItsOwnBytes() {
        // a long answer, then short ones: the array the thread keeps must not leak the longer one's tail
        Decision longOne = new Decision(Verdict.ALLOW, null, null, -1, null, List.of(MESSAGE), null, null,
                "x".repeat(40_000), "f", "r");
        Decision mid = new Decision(Verdict.ALLOW, null, null, -1, null, List.of(MESSAGE, MESSAGE, MESSAGE), null,
                null, "y".repeat(2_000), "f", "r");
        Decision shortOne = new Decision(Verdict.ALLOW, null, null, -1, null, List.of(), null, null, null, null, null);
        for (Decision d : List.of(longOne, shortOne, mid, shortOne, mid, longOne, shortOne)) {
            same(d);
        }
    }
}
