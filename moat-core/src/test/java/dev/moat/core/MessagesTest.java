package dev.moat.core;

import dev.moat.core.limit.LimitSpec;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The kept part of the rate-limit sentence changes nothing: the same text as built whole, every time. */
class MessagesTest {
    @Test
    void keptSentenceIsTheBuiltOne() {
        LimitSpec[] specs = {LimitSpec.gcra(1, 60_000), LimitSpec.gcra(5, 3_600_000), LimitSpec.fixedWindow(1024, 1_000)};
        String[] actions = {"login", "send_message", "upload_bytes"};
        long[] waits = {-1, 0, 1, 999, 1_000, 59_001, 3_600_000, 7_260_000};
        for (int round = 0; round < 2; round++) {   // the second round reads what the first kept
            for (LimitSpec spec : specs) {
                for (String action : actions) {
                    for (boolean bytes : new boolean[] {false, true}) {
                        for (long wait : waits) {
                            assertThat(Messages.rateLimited(action, spec, wait, bytes))
                                    .isEqualTo(Messages.rateLimitedBuilt(action, spec, wait, bytes));
                        }
                    }
                }
            }
        }
        assertThat(Messages.rateLimited("send_message", LimitSpec.gcra(1, 60_000), 42_000, false))
                .isEqualTo("Too many send message requests: the limit is 1 send message request per 1 minute."
                        + " Try again in 42 seconds.");
    }
}
