package dev.moat.core;

import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.moat.core.Policies.DAY;
import static dev.moat.core.Policies.HOUR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** {@code violations.half_life: 24h}: a score halves every day without new violations. */
class ScoreDecayTest {

    private final ManualClock clock = new ManualClock();

    private Moat moat(long halfLifeMillis) {
        return Policies.moat(clock, MoatPolicy.defaults().withRateLimits(Policies.limits().build())
                .withViolations(Policies.violations(true, true, halfLifeMillis)));
    }

    @Test
    void aScoreOfTwentyIsTenAfterOneHalfLifeAndFiveAfterTwo() {
        Moat moat = moat(DAY);
        moat.reportViolation("tool_call_limit", "alice", null, 20.0, null);
        assertThat(moat.history("user:alice", null, 10).scores()).containsEntry("tool_call_limit", 20.0);
        clock.advanceMillis(DAY);
        assertThat(moat.history("user:alice", null, 10).scores().get("tool_call_limit")).isCloseTo(10.0, within(1e-9));
        clock.advanceMillis(DAY);
        assertThat(moat.history("user:alice", null, 10).scores().get("tool_call_limit")).isCloseTo(5.0, within(1e-9));
        assertThat(moat.topOffenders(1).get(0).getValue()).isCloseTo(5.0, within(1e-9));
    }

    @Test
    void decayPreventsTheBanThatTheSameViolationsWouldOtherwiseStart() {
        for (long halfLife : new long[] {0, DAY}) {
            Moat moat = moat(halfLife);
            for (int i = 0; i < 19; i++) {
                moat.reportViolation("logins", "alice", null, null, null);
            }
            clock.advanceMillis(DAY);
            Moat.ViolationResult twentieth = moat.reportViolation("logins", "alice", null, null, null);
            if (halfLife == 0) {
                assertThat(twentieth.violation().total()).isEqualTo(20.0);
                assertThat(twentieth.ban()).as("no decay: 19 + 1 reaches 20").isNotNull();
            } else {
                assertThat(twentieth.violation().total()).isCloseTo(10.5, within(1e-9));
                assertThat(twentieth.ban()).as("decay: 9.5 + 1").isNull();
            }
        }
    }

    @Test
    void aDecayedScoreThatClimbsBackToTheMultipleBansAgain() {
        Moat moat = moat(DAY);
        assertThat(moat.reportViolation("logins", "alice", null, 25.0, null).ban()).isNotNull();
        clock.advanceMillis(DAY); // 12.5
        Moat.ViolationResult r = moat.reportViolation("logins", "alice", null, 7.5, null);
        assertThat(r.violation().total()).isCloseTo(20.0, within(1e-9));
        assertThat(r.ban()).isNotNull();
    }

    @Test
    void historyShowsScoresDecayedToNowAndTheLogKeepsTheTotalsAsTheyWere() {
        Moat moat = moat(DAY);
        moat.reportViolation("logins", "alice", null, 4.0, null);
        clock.advanceMillis(DAY);
        moat.reportViolation("logins", "alice", null, 4.0, null); // 2 + 4 = 6
        clock.advanceMillis(12 * HOUR);
        Moat.History h = moat.history("user:alice", null, 10);
        assertThat(h.scores().get("logins")).isCloseTo(6 / Math.sqrt(2), within(1e-9));
        List<LogEntry> log = h.log().items();
        assertThat(log).extracting(LogEntry::total).containsExactly(6.0, 4.0);
        assertThat(moat.topOffenders(10)).extracting(Map.Entry::getKey).containsExactly("user:alice");
    }
}
