package dev.moat.core.store;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spends race with the removal of their key's cell. Each round is a fresh key with a limit of
 * two per day, at one clock instant (nothing refills). Refunding threads keep spending a unit and
 * refunding it (a group whose second limit always refuses), which brings the key back to full,
 * so its cell is retired and removed again and again; a spending thread meanwhile takes one unit
 * (the room beside a refunder's unit). A spend that landed on a cell as it was being removed
 * would be lost; a refund applied twice or lost would also change the final state. So afterwards
 * each key has exactly two units minus the one spend, if it was admitted.
 */
class MemoryLimitStoreRetirementTest {
    private static final long DAY = 24L * 60 * 60 * 1000;
    private static final long NOW = 1_800_000_000_000L;
    private static final int ROUNDS = 20_000;
    private static final int SPENDERS = 1;
    private static final int REFUNDERS = 2;

    @Test
    void noSpendIsLostOrDoubledWhileCellsAreRetired() throws InterruptedException {
        MemoryLimitStore store = new MemoryLimitStore();
        Limiter two = LimitSpec.gcra(2, DAY).limiter();
        // cost above the burst: always refused and never stored, so the unit spent before it is refunded
        LimitCall blocker = new LimitCall("blocker", LimitSpec.fixedWindow(1, DAY).limiter(), 2);
        AtomicInteger round = new AtomicInteger();
        AtomicIntegerArray admitted = new AtomicIntegerArray(ROUNDS);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < SPENDERS; t++) {
            threads.add(new Thread(() -> {
                for (int r = round.get(); r < ROUNDS; r = round.get()) {
                    if (admitted.get(r) == 0 // one spend per key: what the limit of two leaves beside a refunder's unit
                            && store.consume(List.of(new LimitCall("k:" + r, two, 1)), NOW, false)[0].allowed()) {
                        admitted.incrementAndGet(r);
                    }
                }
            }));
        }
        for (int t = 0; t < REFUNDERS; t++) {
            threads.add(new Thread(() -> {
                for (int r = round.get(); r < ROUNDS; r = round.get()) {
                    LimitOutcome[] o = store.consume(List.of(new LimitCall("k:" + r, two, 1), blocker), NOW, false);
                    if (o[1].allowed()) {
                        throw new AssertionError("the blocker admitted");
                    }
                }
            }));
        }
        threads.add(new Thread(() -> {
            for (int r = 0; r < ROUNDS; r++) {
                round.set(r);
                long until = System.nanoTime() + 20_000;
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            }
            round.set(ROUNDS);
        }));
        for (Thread thread : threads) {
            thread.setUncaughtExceptionHandler((th, e) -> failure.compareAndSet(null, e));
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        assertThat(failure.get()).isNull();
        int spent = 0;
        for (int r = 0; r < ROUNDS; r++) {
            int took = admitted.get(r);
            assertThat(took).as("spends admitted on k:%d", r).isLessThanOrEqualTo(1);
            assertThat(store.consume(List.of(new LimitCall("k:" + r, two, 2 - took)), NOW, false)[0].allowed())
                    .as("k:%d still has what the spender left", r).isTrue();
            assertThat(store.consume(List.of(new LimitCall("k:" + r, two, 1)), NOW, false)[0].allowed())
                    .as("k:%d has no more than that", r).isFalse();
            spent += took;
        }
        assertThat(spent).as("the spenders raced the refunders on some keys").isPositive();
    }
}
