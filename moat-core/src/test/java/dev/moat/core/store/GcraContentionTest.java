package dev.moat.core.store;

import dev.moat.core.Clock;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import org.junit.jupiter.api.RepeatedTest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Eight threads hammer one GCRA key through the memory store on the real clock, for a fixed
 * number of attempts. Whatever the scheduling, GCRA admits at most burst + (end - start) * max /
 * per over [start, end] (each admission pushes the TAT one interval T past max(TAT, now), and a
 * TAT may run at most burst * T ahead of now), so that bound, computed from instants read before
 * the first attempt and after the last, must hold. Nothing about timing is asserted: a slow run
 * only widens the bound.
 */
class GcraContentionTest {
    private static final int THREADS = 8;
    private static final int ATTEMPTS = 20_000;

    @RepeatedTest(3)
    void admissionsNeverExceedTheBurstPlusWhatTheRateRefilledMeanwhile() throws InterruptedException {
        long max = 1000;
        long perMillis = 1000; // 1 per ms: the rate refills while the threads run
        long burst = 2000; // thousands of admissions contested at the start, then the rate
        Limiter limiter = LimitSpec.gcra(max, perMillis, burst).limiter();
        MemoryLimitStore store = new MemoryLimitStore();
        Clock clock = Clock.SYSTEM;
        AtomicLong admitted = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        List<LimitCall> call = List.of(new LimitCall("hot", limiter, 1));
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                try {
                    ready.countDown();
                    go.await();
                    for (int i = 0; i < ATTEMPTS; i++) {
                        if (store.consume(call, clock.nowMillis(), false)[0].allowed()) {
                            admitted.incrementAndGet();
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            threads.add(th);
            th.start();
        }
        ready.await();
        long start = clock.nowMillis(); // before any attempt reads the clock
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        long end = clock.nowMillis(); // after every attempt read it
        assertThat(failures).isEmpty();
        long bound = burst + (end - start) * max / perMillis;
        assertThat(admitted.get()).as("admitted over %d ms", end - start).isLessThanOrEqualTo(bound);
        // whatever the timing, the first burst attempts find a full bucket
        assertThat(admitted.get()).isGreaterThanOrEqualTo(burst);
    }
}
