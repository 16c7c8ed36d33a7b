package dev.moat.reliability;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.store.MemoryLimitStore;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A botnet's worth of distinct addresses churning through the engine: ten million (system
 * property {@code moat.churn.addresses}), one in five an IPv6 address in a /64 of its own, on the
 * memory limit store with a cap. What is measured is what the cap promises: the store's tracked
 * keys, and the heap after a full GC, never time. The heap is compared with the heap after the
 * first million (when the store is already full), so the test needs no estimate of the JVM's own
 * footprint: once the store is full, ten times as many addresses cost no more memory.
 */
class AddressChurnReliabilityTest {
    static final int CAP = 100_000;
    static final long MB = 1 << 20;

    static MoatPolicy loginByIp() {
        RealmLimits client = new RealmLimits(
                Map.of("login", List.of(LimitConfig.of(LimitSpec.gcra(5, 300_000), By.IP))), Map.of(), Map.of());
        return MoatPolicy.defaults().withRateLimits(new RateLimits("none", client, RealmLimits.EMPTY, List.of()));
    }

    /**
     * Used heap after full collections (System.gc() is a full, stop-the-world GC unless the JVM
     * was told otherwise, and returns when it is done): collects until a collection frees less
     * than 1 MB more (finalizable objects can need a second one), at most five times.
     */
    static long heapAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            long now = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            boolean settled = used - now < MB;
            used = Math.min(used, now);
            if (settled) {
                break;
            }
        }
        return used;
    }

    /** The i-th address: IPv4 from 11.0.0.0 up, every fifth an IPv6 /64 of its own. */
    static String address(int i, StringBuilder sb) {
        sb.setLength(0);
        if (i % 5 == 4) {
            return sb.append("2001:db8:").append(Integer.toHexString(i >>> 16)).append(':')
                    .append(Integer.toHexString(i & 0xFFFF)).append("::1").toString();
        }
        int v = 0x0B000000 + i;
        return sb.append(v >>> 24).append('.').append((v >>> 16) & 255).append('.').append((v >>> 8) & 255)
                .append('.').append(v & 255).toString();
    }

    /** Checks addresses {@code from} (inclusive) to {@code to} on two threads; returns how many were allowed. */
    static int churn(Moat moat, ManualClock clock, int from, int to, long clockStepMillis) throws InterruptedException {
        int threads = 2;
        int[] allowed = new int[threads];
        Throwable[] failed = new Throwable[1];
        List<Thread> workers = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread w = new Thread(() -> {
                try {
                    StringBuilder sb = new StringBuilder();
                    for (int i = from + id; i < to; i += threads) {
                        Decision d = moat.check(CheckRequest.builder("login").ip(address(i, sb)).build());
                        if (d.allowed()) {
                            allowed[id]++;
                        }
                        clock.advanceMillis(clockStepMillis);
                    }
                } catch (Throwable e) {
                    failed[0] = e;
                }
            }, "churn-" + t);
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        if (failed[0] != null) {
            throw new AssertionError("a check failed", failed[0]);
        }
        return allowed[0] + allowed[1];
    }

    /**
     * Ten million addresses at a steady thousand new ones a second of clock time (a botnet walking
     * through its addresses for almost three hours), then a burst of 300,000 within one
     * millisecond, when every new key finds the store full of keys with debt and evicts one.
     */
    @Test
    void tenMillionDistinctAddressesKeepTheStoreAndTheHeapBounded() throws InterruptedException {
        int total = Integer.getInteger("moat.churn.addresses", 10_000_000);
        int first = Math.min(total, 1_000_000);
        ManualClock clock = new ManualClock();
        MemoryLimitStore limits = new MemoryLimitStore(CAP);
        Moat moat = Moat.builder().clock(clock).limitStore(limits).policy(loginByIp()).build();

        int allowed = churn(moat, clock, 0, first, 1);
        assertThat(limits.trackedKeys()).as("tracked keys after %d addresses", first).isLessThanOrEqualTo(CAP);
        long afterFirst = heapAfterGc();
        allowed += churn(moat, clock, first, total, 1);
        assertThat(limits.trackedKeys()).as("tracked keys after %d addresses", total).isLessThanOrEqualTo(CAP);
        int burst = 300_000;
        allowed += churn(moat, clock, total, total + burst, 0);
        assertThat(limits.trackedKeys()).as("tracked keys after the burst").isLessThanOrEqualTo(CAP);
        long end = heapAfterGc();

        System.out.printf("address churn: %d addresses then a burst of %d, %d allowed, %d keys tracked (cap %d),"
                        + " %d evictions, heap after GC %d MB after the first million, %d MB at the end%n", total, burst,
                allowed, limits.trackedKeys(), CAP, limits.evictions(), afterFirst / MB, end / MB);
        assertThat(allowed).as("every fresh address gets its first login").isEqualTo(total + burst);
        assertThat(limits.evictions()).as("the burst evicted keys with debt").isGreaterThanOrEqualTo(burst - CAP);
        assertThat(moat.activeBanCount()).isZero();
        if (total >= 2_000_000) {
            assertThat(end).as("heap at the end vs after the first million (store already full)")
                    .isLessThan(afterFirst + 32 * MB);
        }
    }

    /**
     * Bans of addresses that never come back must not be counted (or kept) once they have expired:
     * a botnet gets 20 rounds of 25,000 addresses banned for a minute each, two minutes apart.
     * Found a bug: see {@code ExpiredBansOfSubjectsThatNeverReturnAreDroppedTest}.
     */
    @Test
    void expiredBansOfAddressesThatNeverReturnDoNotPileUp() {
        ManualClock clock = new ManualClock();
        Moat moat = Moat.builder().clock(clock).policy(loginByIp()).build();
        StringBuilder sb = new StringBuilder();
        int round = 25_000;
        for (int r = 0; r < 20; r++) {
            for (int i = 0; i < round; i++) {
                moat.ban("ip:" + address(r * round + i, sb), 60_000, "botnet", "test");
            }
            assertThat(moat.activeBanCount()).as("active bans in round %d", r).isEqualTo(round);
            clock.advanceMillis(120_000);
        }
        assertThat(moat.activeBanCount()).isZero();
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }
}
