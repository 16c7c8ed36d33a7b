package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The moderation SPI's result value: flagged, not flagged, unavailable. */
class ModerationResultTest {

    @Test
    void theThreeOutcomes() {
        ModerationClient flagging = inputs -> inputs.stream().anyMatch(s -> s.contains("kill"))
                ? ModerationResult.flagged(Set.of("violence")) : ModerationResult.notFlagged();
        assertThat(flagging.moderate(List.of("hello")).flagged()).isFalse();
        ModerationResult flagged = flagging.moderate(List.of("hello", "I will kill you"));
        assertThat(flagged.flagged()).isTrue();
        assertThat(flagged.categories()).containsExactly("violence");
        assertThat(flagged.answered()).isTrue();

        ModerationClient down = inputs -> ModerationResult.unavailable("timed out after 3000 ms");
        ModerationResult failed = down.moderate(List.of("hello"));
        assertThat(failed.answered()).isFalse();
        assertThat(failed.error()).isEqualTo(ModerationResult.ErrorKind.UNAVAILABLE);
        assertThat(failed.errorMessage()).contains("timed out");
        assertThat(failed.flagged()).isFalse();
    }

    @Test
    void inconsistentResultsAreRejected() {
        assertThatThrownBy(() -> new ModerationResult(true, Set.of(), ModerationResult.ErrorKind.UNAVAILABLE, "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ModerationResult(false, Set.of("hate"), null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hate");
        assertThatThrownBy(() -> new ModerationResult(false, Set.of(), null, "oops"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("oops");
    }
}
