package dev.moat.core.store;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The memory store runs the contract, plus what only it promises: bounded memory. */
class MemoryLimitStoreTest extends LimitStoreContract {
    @Override
    protected LimitStore newStore() {
        return new MemoryLimitStore();
    }

    private static LimitOutcome spend(MemoryLimitStore s, String key, Limiter limiter, long cost, long nowMillis) {
        return s.consume(List.of(new LimitCall(key, limiter, cost)), nowMillis, false)[0];
    }

    @Test
    void aKeyThatARefundEmptiesIsDropped() {
        MemoryLimitStore s = new MemoryLimitStore();
        Limiter gcra = LimitSpec.gcra(5, HOUR).limiter();
        Limiter fixed = LimitSpec.fixedWindow(5, HOUR).limiter();
        Limiter sliding = LimitSpec.slidingWindow(5, HOUR, 0).limiter();
        Limiter spent = LimitSpec.fixedWindow(1, HOUR).limiter();
        spend(s, "spent", spent, 1, now);
        assertThat(s.trackedKeys()).isEqualTo(1);
        LimitOutcome[] out = s.consume(List.of(new LimitCall("g", gcra, 1), new LimitCall("f", fixed, 1),
                new LimitCall("s", sliding, 1), new LimitCall("spent", spent, 1)), now, false);
        assertThat(out[3].allowed()).isFalse();
        assertThat(s.trackedKeys()).as("the three refunded keys are back to full and gone").isEqualTo(1);
        // a refund that leaves debt keeps the key
        spend(s, "g", gcra, 1, now);
        s.consume(List.of(new LimitCall("g", gcra, 1), new LimitCall("spent", spent, 1)), now, false);
        assertThat(s.trackedKeys()).isEqualTo(2);
    }

    @Test
    void theKeyCapHoldsUnderAFloodOfNewKeys() {
        MemoryLimitStore s = new MemoryLimitStore(100);
        Limiter limiter = LimitSpec.gcra(10, MINUTE).limiter();
        for (int i = 0; i < 10_000; i++) {
            assertThat(spend(s, "flood:" + i, limiter, 1, now + i / 100).allowed()).isTrue();
            assertThat(s.trackedKeys()).isLessThanOrEqualTo(100);
        }
        assertThat(s.evictions()).isPositive();
    }

    @Test
    void idleKeysGoBeforeAnyKeyWithDebtIsEvicted() {
        MemoryLimitStore s = new MemoryLimitStore(100);
        Limiter limiter = LimitSpec.gcra(10, MINUTE).limiter();
        for (int i = 0; i < 100; i++) {
            spend(s, "old:" + i, limiter, 1, now);
        }
        long later = now + MINUTE; // every old key is back to full
        for (int i = 0; i < 100; i++) {
            spend(s, "new:" + i, limiter, 1, later);
            assertThat(s.trackedKeys()).isLessThanOrEqualTo(100);
        }
        assertThat(s.evictions()).as("only idle keys were dropped").isZero();
        for (int i = 0; i < 100; i++) {
            assertThat(spend(s, "new:" + i, limiter, 10, later).allowed()).as("new:%d kept its first hit", i).isFalse();
        }
    }

    /**
     * The eviction rule under attack: an attacker floods ten times the cap of fresh keys, each with
     * a single hit of debt, hoping to push out victims' counters and so reset their limits. The
     * sweep evicts the sampled key with the least debt, which is always one of the attacker's.
     * Victims are spread through the map (their hashes land anywhere), including near the end of
     * an iteration, where a sweep window must not shrink to a handful of entries.
     */
    @Test
    void victimsWithHeavyDebtSurviveAFloodOfTenTimesTheCapOfFreshKeys() {
        int cap = 1000;
        MemoryLimitStore s = new MemoryLimitStore(cap);
        Limiter login = LimitSpec.gcra(10, DAY).limiter();
        Limiter cheap = LimitSpec.gcra(100, MINUTE).limiter();
        List<String> victims = new ArrayList<>();
        for (int v = 0; v < 50; v++) {
            String victim = "user:victim-" + v;
            victims.add(victim);
            for (int i = 0; i < 10; i++) {
                spend(s, victim, login, 1, now);
            }
        }
        for (int i = 0; i < 10 * cap; i++) {
            spend(s, "ip:flood-" + i, cheap, 1, now + i / 1000);
            assertThat(s.trackedKeys()).isLessThanOrEqualTo(cap);
        }
        assertThat(s.evictions()).isGreaterThanOrEqualTo(9 * cap - 50);
        for (String victim : victims) {
            LimitOutcome o = spend(s, victim, login, 1, now + 10);
            assertThat(o.allowed()).as("%s still limited after the flood", victim).isFalse();
        }
    }

    @Test
    void leaseKeysCountTowardTheCapAndLapsedOnesAreSweptFirst() {
        MemoryLimitStore s = new MemoryLimitStore(10);
        for (int i = 0; i < 10; i++) {
            assertThat(s.acquireLease("crashed:" + i, 1, MINUTE, now).allowed()).isTrue();
        }
        assertThat(s.trackedKeys()).isEqualTo(10);
        long later = now + MINUTE; // nobody released: the leases lapsed
        for (int i = 0; i < 10; i++) {
            assertThat(s.acquireLease("next:" + i, 1, MINUTE, later).allowed()).isTrue();
            assertThat(s.trackedKeys()).isLessThanOrEqualTo(10);
        }
        assertThat(s.evictions()).as("lapsed lease keys are garbage, not evictions").isZero();
        Limiter limiter = LimitSpec.gcra(10, MINUTE).limiter();
        for (int i = 0; i < 100; i++) {
            spend(s, "counter:" + i, limiter, 1, later);
            s.acquireLease("lease:" + i, 1, MINUTE, later);
            assertThat(s.trackedKeys()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void threadsFloodingNewKeysAtOnceLeaveTheStoreUnderItsCap() throws InterruptedException {
        MemoryLimitStore s = new MemoryLimitStore(500);
        Limiter limiter = LimitSpec.gcra(10, MINUTE).limiter();
        store.close();
        store = s;
        int[] admitted = hammer((thread, wallNow) -> {
            for (int i = 0; i < 10; i++) {
                spend(s, "t" + thread + ":" + Thread.currentThread().getId() + ":" + System.nanoTime() + ":" + i, limiter, 1, wallNow);
            }
            return true;
        });
        assertThat(java.util.Arrays.stream(admitted).min().orElse(0)).isPositive();
        assertThat(s.trackedKeys()).isLessThanOrEqualTo(500);
    }

    /** A reload that changes a limit's algorithm but not its id meets the other algorithm's cell. */
    @Test
    void aKeyWhoseAlgorithmChangesStartsFreshInOneEntry() {
        MemoryLimitStore s = new MemoryLimitStore();
        Limiter gcra = LimitSpec.gcra(2, HOUR).limiter();
        Limiter fixed = LimitSpec.fixedWindow(2, HOUR).limiter();
        for (Limiter l : new Limiter[] {gcra, fixed, gcra}) {
            assertThat(spend(s, "k", l, 1, now).allowed()).isTrue();
            assertThat(spend(s, "k", l, 1, now).allowed()).isTrue();
            assertThat(spend(s, "k", l, 1, now).allowed()).isFalse();
            assertThat(s.trackedKeys()).isEqualTo(1);
        }
    }

    @Test
    void leaseIdsRoundTripAndAnythingElseDecodesToNothing() {
        String id = MemoryLimitStore.encodeLease("concurrent:user:alice", 0xCAFEL);
        assertThat(MemoryLimitStore.decodeLease(id)).containsExactly("concurrent:user:alice", "cafe");
        assertThat(MemoryLimitStore.decodeLease(MemoryLimitStore.encodeLease("k", Long.MAX_VALUE))).containsExactly("k", "7fffffffffffffff");
        for (String bad : new String[] {null, "", ".", "abc", "abc.", ".abc", "***.1", "YQ.zz", "YQ.12345678901234567", "x".repeat(5000) + ".1"}) {
            assertThat(MemoryLimitStore.decodeLease(bad)).as("%s", bad).isNull();
        }
    }

    @Test
    void aCapBelowOneIsRefusedWithTheValue() {
        assertThatThrownBy(() -> new MemoryLimitStore(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
        assertThat(new MemoryLimitStore().kind()).isEqualTo("memory");
    }
}
