package dev.moat.server.observe;

import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The audit line's {@code ts}, formatted once per second, is still exactly {@code Instant.toString()}. */
class LogTimestampTest {
    @Test
    void timestampIsInstantToString() {
        JsonLayout layout = new JsonLayout();
        long[] at = {0, 1, 999, 1_000, 1_001, 1_763_716_542_000L, 1_763_716_542_007L, 1_763_716_542_070L,
                1_763_716_542_700L, 1_763_716_542_999L, 1_763_716_543_000L, -1, -999, -1_000, -1_001,
                253_402_300_799_999L, 253_402_300_800_000L};
        for (int round = 0; round < 2; round++) {
            for (long millis : at) {
                StringBuilder sb = new StringBuilder();
                layout.timestamp(sb, millis);
                assertThat(sb.toString()).as("%d", millis).isEqualTo(Instant.ofEpochMilli(millis).toString());
            }
        }
    }
}
