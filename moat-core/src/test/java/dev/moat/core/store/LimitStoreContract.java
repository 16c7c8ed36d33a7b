package dev.moat.core.store;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.limit.Step;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The contract every {@link LimitStore} keeps, run by each store's own test (memory here; SQLite
 * and Redis in their modules, through moat-core's test-jar):
 *
 * <pre>{@code
 * class RedisLimitStoreTest extends LimitStoreContract {
 *     @Override protected LimitStore newStore() { return RedisLimitStore.connect(redis.uri()); }
 * }
 * }</pre>
 *
 * <p>Time is passed in: tests hand the store {@link #now} and move it with {@link #advance}; only
 * the concurrency tests use the wall clock. {@code now} starts at the next whole hour of the wall
 * clock, so it is never in the past for a store that derives key expiry from it, and it is
 * aligned for the sliding window's buckets. Every test uses fresh keys (see {@link #key}), so a
 * store may be shared between tests; {@link #newStore} is called before each test and the store
 * is closed after it.
 */
public abstract class LimitStoreContract {
    protected static final long MINUTE = 60_000;
    protected static final long HOUR = 60 * MINUTE;
    protected static final long DAY = 24 * HOUR;
    protected static final long MIB = 1024 * 1024;

    /** A store to test; it may hold other tests' keys, never this test's. */
    protected abstract LimitStore newStore();

    protected LimitStore store;
    protected long now;
    private final String prefix = "contract:" + UUID.randomUUID() + ":";

    /** The first instant handed to the store: the next whole hour of the wall clock. */
    protected long startMillis() {
        return (System.currentTimeMillis() / HOUR + 1) * HOUR;
    }

    @BeforeEach
    void openStore() {
        now = startMillis();
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Moves the time handed to the store. */
    protected void advance(long millis) {
        now += millis;
    }

    /** A key unique to this test. */
    protected String key(String name) {
        return prefix + name;
    }

    protected LimitOutcome consume(String key, Limiter limiter, long cost) {
        return store.consume(List.of(new LimitCall(key, limiter, cost)), now, false)[0];
    }

    protected LimitOutcome consume(String key, Limiter limiter) {
        return consume(key, limiter, 1);
    }

    protected LimitOutcome peek(String key, Limiter limiter, long cost) {
        return store.consume(List.of(new LimitCall(key, limiter, cost)), now, true)[0];
    }

    /** The single-limit form answers exactly as a group of one, spends the same, and a dry run spends nothing. */
    @Test
    void aSingleCallAnswersAsAGroupOfOne() {
        Limiter[] limiters = {LimitSpec.gcra(3, HOUR).limiter(), LimitSpec.gcra(7, 5 * MINUTE, 2).limiter(),
                LimitSpec.fixedWindow(3, HOUR).limiter(), LimitSpec.slidingWindow(3, HOUR, 0).limiter()};
        for (int l = 0; l < limiters.length; l++) {
            String single = key("single-" + l);
            String group = key("group-" + l);
            for (int i = 0; i < 6; i++) {
                LimitOutcome dry = store.consume(new LimitCall(single, limiters[l], 1), now, true);
                assertThat(dry).as("dry run %d of limiter %d", i, l).isEqualTo(peek(group, limiters[l], 1));
                LimitOutcome one = store.consume(new LimitCall(single, limiters[l], 1), now, false);
                assertThat(one).as("call %d of limiter %d", i, l).isEqualTo(consume(group, limiters[l]));
                advance(i == 3 ? 30 * MINUTE : 1000);
            }
        }
    }

    private void fill(String key, Limiter limiter, int n) {
        for (int i = 0; i < n; i++) {
            assertThat(consume(key, limiter).allowed()).as("hit %d of %d on %s", i + 1, n, key).isTrue();
        }
    }

    // ---- each algorithm through the store ------------------------------------------------

    @Test
    void gcraThroughTheStoreAdmitsSevenRefusesTheEighthAndPassesAgainExactlyOnTime() {
        Limiter login = LimitSpec.gcra(7, 5 * MINUTE).limiter();
        String k = key("login");
        for (int i = 1; i <= 7; i++) {
            LimitOutcome o = consume(k, login);
            assertThat(o.allowed()).isTrue();
            assertThat(o.remaining()).isEqualTo(7 - i);
        }
        LimitOutcome eighth = consume(k, login);
        assertThat(eighth.allowed()).isFalse();
        assertThat(eighth.retryAfterMillis()).isEqualTo(42_858); // ceil(300000 / 7)
        assertThat(eighth.resetMillis()).isEqualTo(5 * MINUTE);
        advance(42_857);
        assertThat(consume(k, login).allowed()).as("1 ms early").isFalse();
        advance(1);
        assertThat(consume(k, login).allowed()).isTrue();
        assertThat(consume(k, login).allowed()).isFalse();
    }

    @Test
    void fixedWindowThroughTheStoreAdmitsSevenRefusesTheEighthAndPassesAgainWhenTheWindowCloses() {
        Limiter login = LimitSpec.fixedWindow(7, 5 * MINUTE).limiter();
        String k = key("login");
        advance(1234);
        fill(k, login, 7);
        advance(MINUTE);
        LimitOutcome eighth = consume(k, login);
        assertThat(eighth.allowed()).isFalse();
        assertThat(eighth.remaining()).isZero();
        assertThat(eighth.retryAfterMillis()).isEqualTo(4 * MINUTE);
        advance(4 * MINUTE - 1);
        assertThat(consume(k, login).allowed()).isFalse();
        advance(1);
        LimitOutcome again = consume(k, login);
        assertThat(again.allowed()).isTrue();
        assertThat(again.remaining()).isEqualTo(6);
        assertThat(again.resetMillis()).isEqualTo(5 * MINUTE);
    }

    @Test
    void slidingWindowThroughTheStoreAdmitsSevenRefusesTheEighthAndPassesWhenTheOldestBucketLeaves() {
        Limiter login = LimitSpec.slidingWindow(7, 5 * MINUTE, 0).limiter(); // 30 s buckets
        String k = key("login");
        advance(1000);
        fill(k, login, 4); // bucket 0
        advance(44_000);
        fill(k, login, 3); // bucket 1
        LimitOutcome eighth = consume(k, login);
        assertThat(eighth.allowed()).isFalse();
        assertThat(eighth.retryAfterMillis()).isEqualTo(255_000); // bucket 0 leaves at start + 300000
        advance(254_999);
        assertThat(consume(k, login).allowed()).isFalse();
        advance(1);
        LimitOutcome again = consume(k, login);
        assertThat(again.allowed()).isTrue();
        assertThat(again.remaining()).isEqualTo(3);
    }

    @Test
    void aMediaBudgetSpendsBytesAndAnUploadLargerThanTheBurstNeverPasses() {
        Limiter media = LimitSpec.gcra(20 * MIB, HOUR, 100 * MIB).limiter();
        String k = key("media");
        LimitOutcome huge = consume(k, media, 150 * MIB);
        assertThat(huge.allowed()).isFalse();
        assertThat(huge.retryAfterMillis()).isEqualTo(Step.NEVER);
        LimitOutcome upload = consume(k, media, 100 * MIB);
        assertThat(upload.allowed()).as("the 150 MiB refusal spent nothing").isTrue();
        assertThat(upload.remaining()).isZero();
        assertThat(upload.resetMillis()).isEqualTo(5 * HOUR);
        LimitOutcome oneByte = consume(k, media, 1);
        assertThat(oneByte.allowed()).isFalse();
        assertThat(oneByte.retryAfterMillis()).isEqualTo(1);
        LimitOutcome tenMib = consume(k, media, 10 * MIB);
        assertThat(tenMib.retryAfterMillis()).isEqualTo(HOUR / 2);
        advance(HOUR / 2 - 1);
        assertThat(consume(k, media, 10 * MIB).allowed()).isFalse();
        advance(1);
        assertThat(consume(k, media, 10 * MIB).allowed()).isTrue();
    }

    @Test
    void aRefusalSpendsNothingSoTheWaitOnlyShrinksWithTime() {
        Limiter limiter = LimitSpec.gcra(2, 10_000).limiter();
        String k = key("k");
        fill(k, limiter, 2);
        long first = consume(k, limiter).retryAfterMillis();
        for (int i = 0; i < 20; i++) {
            assertThat(consume(k, limiter).retryAfterMillis()).isEqualTo(first);
        }
        advance(1000);
        assertThat(consume(k, limiter).retryAfterMillis()).isEqualTo(first - 1000);
    }

    @Test
    void keysAreIsolated() {
        Limiter limiter = LimitSpec.fixedWindow(3, HOUR).limiter();
        fill(key("alice"), limiter, 3);
        assertThat(consume(key("alice"), limiter).allowed()).isFalse();
        LimitOutcome bob = consume(key("bob"), limiter);
        assertThat(bob.allowed()).isTrue();
        assertThat(bob.remaining()).isEqualTo(2);
        // the same key under two limits of a request would be a caller's bug; distinct keys per
        // limit are independent even for one subject
        assertThat(consume(key("alice:gcra"), LimitSpec.gcra(3, HOUR).limiter()).remaining()).isEqualTo(2);
    }

    // ---- groups ---------------------------------------------------------------------------

    @Test
    void aGroupThatPassesSpendsEveryLimitAndAnswersInOrder() {
        Limiter a = LimitSpec.gcra(10, HOUR).limiter();
        Limiter b = LimitSpec.fixedWindow(5, HOUR).limiter();
        Limiter c = LimitSpec.slidingWindow(3, HOUR, 0).limiter();
        List<LimitCall> group = List.of(new LimitCall(key("a"), a, 1), new LimitCall(key("b"), b, 2), new LimitCall(key("c"), c, 1));
        LimitOutcome[] out = store.consume(group, now, false);
        assertThat(out).hasSize(3);
        assertThat(out).allMatch(LimitOutcome::allowed);
        assertThat(out[0].remaining()).isEqualTo(9);
        assertThat(out[1].remaining()).isEqualTo(3);
        assertThat(out[2].remaining()).isEqualTo(2);
        assertThat(peek(key("a"), a, 1).remaining()).as("spent").isEqualTo(8);
        assertThat(peek(key("b"), b, 1).remaining()).isEqualTo(2);
        assertThat(peek(key("c"), c, 1).remaining()).isEqualTo(1);
    }

    @Test
    void whenTheSecondOfThreeLimitsRefusesTheFirstIsNotSpent() {
        Limiter perUser = LimitSpec.gcra(2, HOUR).limiter();
        Limiter perIp = LimitSpec.fixedWindow(1, HOUR).limiter();
        Limiter global = LimitSpec.slidingWindow(5, HOUR, 0).limiter();
        fill(key("ip"), perIp, 1);
        List<LimitCall> group = List.of(
                new LimitCall(key("user"), perUser, 1), new LimitCall(key("ip"), perIp, 1), new LimitCall(key("global"), global, 1));
        for (int attempt = 0; attempt < 5; attempt++) {
            LimitOutcome[] out = store.consume(group, now, false);
            assertThat(out).hasSize(3);
            assertThat(out[0].allowed()).as("the user limit alone would pass").isTrue();
            assertThat(out[0].remaining()).isEqualTo(1);
            assertThat(out[1].allowed()).isFalse();
            assertThat(out[1].retryAfterMillis()).isEqualTo(HOUR);
            assertThat(out[2].allowed()).as("evaluated without spending").isTrue();
            assertThat(out[2].remaining()).isEqualTo(4);
        }
        // five refused groups later, nothing of the first and third limits was spent
        fill(key("user"), perUser, 2);
        assertThat(consume(key("user"), perUser).allowed()).isFalse();
        fill(key("global"), global, 5);
        assertThat(consume(key("global"), global).allowed()).isFalse();
    }

    @Test
    void whenTheFirstLimitRefusesNothingIsSpent() {
        Limiter one = LimitSpec.gcra(1, HOUR).limiter();
        Limiter many = LimitSpec.gcra(10, HOUR).limiter();
        fill(key("one"), one, 1);
        LimitOutcome[] out = store.consume(List.of(new LimitCall(key("one"), one, 1), new LimitCall(key("many"), many, 3)), now, false);
        assertThat(out[0].allowed()).isFalse();
        assertThat(out[1].allowed()).isTrue();
        assertThat(out[1].remaining()).isEqualTo(7);
        assertThat(peek(key("many"), many, 10).allowed()).as("all 10 still there").isTrue();
    }

    @Test
    void aDryRunSpendsNothingAndTellsTheTruth() {
        Limiter limiter = LimitSpec.gcra(3, HOUR).limiter();
        Limiter other = LimitSpec.fixedWindow(3, HOUR).limiter();
        List<LimitCall> group = List.of(new LimitCall(key("a"), limiter, 1), new LimitCall(key("b"), other, 1));
        for (int i = 0; i < 50; i++) {
            LimitOutcome[] out = store.consume(group, now, true);
            assertThat(out[0].allowed()).isTrue();
            assertThat(out[0].remaining()).isEqualTo(2);
            assertThat(out[1].allowed()).isTrue();
            assertThat(out[1].remaining()).isEqualTo(2);
        }
        fill(key("a"), limiter, 3);
        LimitOutcome[] full = store.consume(group, now, true);
        assertThat(full[0].allowed()).isFalse();
        assertThat(full[0].retryAfterMillis()).isEqualTo(HOUR / 3);
        assertThat(full[1].allowed()).isTrue();
        fill(key("b"), other, 3);
        assertThat(consume(key("b"), other).allowed()).as("the dry runs spent nothing of b").isFalse();
    }

    @Test
    void anEmptyGroupAnswersNothing() {
        assertThat(store.consume(List.of(), now, false)).isEmpty();
    }

    // ---- leases ---------------------------------------------------------------------------

    @Test
    void leasesAreGrantedUpToTheMaxThenRefusedUntilTheOldestExpires() {
        String k = key("concurrent");
        List<LeaseGrant> grants = new ArrayList<>();
        for (int i = 1; i <= 3; i++) {
            LeaseGrant g = store.acquireLease(k, 3, MINUTE, now);
            assertThat(g.allowed()).isTrue();
            assertThat(g.leaseId()).isNotBlank();
            assertThat(g.expiresAtMillis()).isEqualTo(now + MINUTE);
            assertThat(g.inFlight()).isEqualTo(i);
            assertThat(g.retryAfterMillis()).isZero();
            grants.add(g);
            advance(1000);
        }
        LeaseGrant refused = store.acquireLease(k, 3, MINUTE, now);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.leaseId()).isNull();
        assertThat(refused.inFlight()).isEqualTo(3);
        assertThat(refused.retryAfterMillis()).as("the first lease lapses 57 s from now").isEqualTo(MINUTE - 3000);

        store.releaseLease(grants.get(1).leaseId(), now);
        LeaseGrant after = store.acquireLease(k, 3, MINUTE, now);
        assertThat(after.allowed()).isTrue();
        assertThat(after.inFlight()).isEqualTo(3);
        assertThat(Set.of(grants.get(0).leaseId(), grants.get(2).leaseId(), after.leaseId())).hasSize(3);
    }

    @Test
    void releasingTwiceFreesOneSlotOnly() {
        String k = key("concurrent");
        LeaseGrant a = store.acquireLease(k, 2, MINUTE, now);
        store.acquireLease(k, 2, MINUTE, now);
        store.releaseLease(a.leaseId(), now);
        store.releaseLease(a.leaseId(), now);
        assertThat(store.acquireLease(k, 2, MINUTE, now).allowed()).isTrue();
        assertThat(store.acquireLease(k, 2, MINUTE, now).allowed()).as("the second release freed nothing").isFalse();
    }

    @Test
    void releasingAMalformedOrUnknownLeaseIdIsIgnored() {
        String k = key("concurrent");
        store.acquireLease(k, 1, MINUTE, now);
        List<String> bad = new ArrayList<>(List.of("", ".", "..", "x", "x.", ".x", "not a lease", "%%%.zz", "a.b.c",
                "dGVzdA.ffffffffffffffffff", "dGVzdA.-1", "\u0000.\u0000", "🙂.🙂", "x".repeat(100_000) + ".1"));
        bad.add(null);
        for (String id : bad) {
            assertThatCode(() -> store.releaseLease(id, now)).as("release(%s)", id == null ? null : id.length() > 40 ? id.substring(0, 40) : id)
                    .doesNotThrowAnyException();
        }
        LeaseGrant other = store.acquireLease(key("other"), 1, MINUTE, now);
        store.releaseLease(other.leaseId(), now);
        store.releaseLease(other.leaseId(), now);
        assertThat(store.acquireLease(k, 1, MINUTE, now).allowed()).as("nothing released the held lease").isFalse();
    }

    @Test
    void aCallerThatCrashedWithoutReleasingLocksNobodyOutForLongerThanTheLease() {
        String k = key("concurrent");
        for (int i = 0; i < 5; i++) {
            assertThat(store.acquireLease(k, 5, MINUTE, now).allowed()).isTrue();
        }
        advance(MINUTE - 1);
        assertThat(store.acquireLease(k, 5, MINUTE, now).allowed()).isFalse();
        advance(1);
        LeaseGrant after = store.acquireLease(k, 5, MINUTE, now);
        assertThat(after.allowed()).isTrue();
        assertThat(after.inFlight()).isEqualTo(1);
    }

    @Test
    void leasesOfDifferentKeysAreIndependentAndIdsAreUnique() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            LeaseGrant g = store.acquireLease(key("k" + (i % 5)), 10, MINUTE, now);
            assertThat(g.allowed()).isTrue();
            assertThat(ids.add(g.leaseId())).as("unique id").isTrue();
        }
        assertThat(store.acquireLease(key("k0"), 10, MINUTE, now).allowed()).as("k0 holds its 10").isFalse();
        assertThat(store.acquireLease(key("k0"), 11, MINUTE, now).inFlight()).isEqualTo(11);
        assertThat(store.acquireLease(key("k5"), 10, MINUTE, now).inFlight()).isEqualTo(1);
    }

    // ---- contention, on the wall clock ----------------------------------------------------

    private static final int THREADS = 8;
    private static final int ATTEMPTS = 250;

    /**
     * Runs {@code attempt} from {@value #THREADS} threads released at once, {@value #ATTEMPTS}
     * times each, and returns the admissions per thread. The limits used refill no unit within a
     * day, so the count does not depend on how long the run takes.
     */
    protected int[] hammer(AttemptByThread attempt) throws InterruptedException {
        AtomicIntegerArray admitted = new AtomicIntegerArray(THREADS);
        CountDownLatch ready = new CountDownLatch(THREADS);
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    ready.countDown();
                    go.await();
                    for (int i = 0; i < ATTEMPTS; i++) {
                        if (attempt.attempt(thread, System.currentTimeMillis())) {
                            admitted.incrementAndGet(thread);
                        }
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            }, "hammer-" + t);
            threads.add(th);
            th.start();
        }
        ready.await();
        go.countDown();
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).isEmpty();
        int[] out = new int[THREADS];
        for (int t = 0; t < THREADS; t++) {
            out[t] = admitted.get(t);
        }
        return out;
    }

    /** One attempt by thread {@code thread} at wall-clock {@code nowMillis}; true when admitted. */
    @FunctionalInterface
    protected interface AttemptByThread {
        boolean attempt(int thread, long nowMillis);
    }

    private void assertExactlyMaxAdmitted(Limiter limiter) throws InterruptedException {
        String k = key("hot");
        int[] admitted = hammer((thread, wallNow) -> store.consume(List.of(new LimitCall(k, limiter, 1)), wallNow, false)[0].allowed());
        assertThat(java.util.Arrays.stream(admitted).sum()).isEqualTo((int) limiter.spec().max());
    }

    @Test
    void manyThreadsOnOneGcraKeyGetExactlyTheBurst() throws InterruptedException {
        assertExactlyMaxAdmitted(LimitSpec.gcra(50, DAY).limiter());
    }

    @Test
    void manyThreadsOnOneFixedWindowKeyGetExactlyTheMax() throws InterruptedException {
        assertExactlyMaxAdmitted(LimitSpec.fixedWindow(50, DAY).limiter());
    }

    @Test
    void manyThreadsOnOneSlidingWindowKeyGetExactlyTheMax() throws InterruptedException {
        assertExactlyMaxAdmitted(LimitSpec.slidingWindow(50, DAY, 0).limiter());
    }

    @Test
    void manyThreadsSharingAGlobalBudgetSpendTheirOwnLimitOnlyWhenTheGroupPasses() throws InterruptedException {
        Limiter perUser = LimitSpec.gcra(1000, DAY).limiter();
        Limiter global = LimitSpec.fixedWindow(60, DAY).limiter();
        String g = key("global");
        int[] admitted = hammer((thread, wallNow) -> store.consume(List.of(
                new LimitCall(key("user" + thread), perUser, 1), new LimitCall(g, global, 1)), wallNow, false)[1].allowed());
        assertThat(java.util.Arrays.stream(admitted).sum()).isEqualTo(60);
        long wallNow = System.currentTimeMillis();
        for (int t = 0; t < THREADS; t++) {
            LimitOutcome user = store.consume(List.of(new LimitCall(key("user" + t), perUser, 1)), wallNow, true)[0];
            assertThat(user.remaining()).as("thread %d spent its own limit once per admission only", t).isEqualTo(1000 - admitted[t] - 1);
        }
    }

    @Test
    void manyThreadsAcquiringLeasesGetExactlyTheMax() throws InterruptedException {
        String k = key("concurrent");
        int[] granted = hammer((thread, wallNow) -> store.acquireLease(k, 7, DAY, wallNow).allowed());
        assertThat(java.util.Arrays.stream(granted).sum()).isEqualTo(7);
    }

    @Test
    void manyThreadsAcquiringAndReleasingNeverHoldMoreThanTheMax() throws InterruptedException {
        String k = key("concurrent");
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        int[] granted = hammer((thread, wallNow) -> {
            LeaseGrant g = store.acquireLease(k, 3, DAY, wallNow);
            if (!g.allowed()) {
                return false;
            }
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            assertThat(g.inFlight()).isBetween(1, 3);
            inFlight.decrementAndGet();
            store.releaseLease(g.leaseId(), System.currentTimeMillis());
            return true;
        });
        assertThat(most.get()).isBetween(1, 3);
        assertThat(java.util.Arrays.stream(granted).sum()).isGreaterThanOrEqualTo(3);
        assertThat(store.acquireLease(k, 3, DAY, System.currentTimeMillis()).inFlight()).as("all released").isEqualTo(1);
    }

    @Test
    void theStoreNamesItsKind() {
        assertThat(store.kind()).isNotBlank();
    }
}
