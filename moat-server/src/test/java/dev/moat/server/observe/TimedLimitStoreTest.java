package dev.moat.server.observe;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.RecordingLimitStoreBase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The timing wrapper passes a one-limit check on in its single-limit form, and times both forms. */
class TimedLimitStoreTest {
    @Test
    void aSingleLimitCheckReachesTheStoreAsOne() {
        List<String> calls = new ArrayList<>();
        LimitOutcome one = new LimitOutcome(true, 4, -1, 100);
        LimitStore store = new RecordingLimitStoreBase("memory") {
            @Override
            public LimitOutcome[] consume(List<LimitCall> c, long nowMillis, boolean dryRun) {
                calls.add("group of " + c.size());
                return new LimitOutcome[] {one};
            }

            @Override
            public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
                calls.add("single " + call.key());
                return one;
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TimedLimitStore timed = new TimedLimitStore(store, registry);
        LimitCall call = new LimitCall("k", LimitSpec.gcra(5, 1000).limiter(), 1);
        assertThat(timed.consume(call, 0, false)).isSameAs(one);
        assertThat(timed.consume(List.of(call, call), 0, false)).containsExactly(one);
        assertThat(calls).containsExactly("single k", "group of 2");
        assertThat(registry.get("moat.store.latency").tag("op", "consume").timer().count()).isEqualTo(2);
    }
}
