package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Moat's fixed window against a model of express-rate-limit v7's MemoryStore and middleware, as
 * LibreChat uses them, on the same request timelines over several keys.
 *
 * <p>The model follows express-rate-limit's source: {@code increment(key)} takes the key's client
 * (creating it with {@code resetTime = now + windowMs}), resets it ({@code totalHits = 0},
 * {@code resetTime = now + windowMs}) when {@code resetTime <= now}, then counts the hit; the
 * middleware refuses when {@code totalHits > limit}, reports {@code remaining = max(0, limit -
 * totalHits)} and {@code resetTime}. Every windowMs a timer moves the current clients to a
 * "previous" map and forgets the old previous one; a client in "previous" that is hit again moves
 * back. That timer never changes an answer (a client can only be forgotten a whole window after
 * its last hit, when its window has already closed), and the model keeps it to show so.
 *
 * <p>By design, Moat does not count refused hits and express-rate-limit does: after a refusal
 * express's totalHits passes the limit while Moat's used stays at the limit. The answers are
 * still the same, because a refusal only happens once the window is full and does not move the
 * window's end; so admissions, remaining (clamped at 0 by express) and the time to reset must all
 * agree exactly. Costs are 1: express counts hits, not units.
 */
class FixedWindowVersusExpressRateLimitTest {

    /** express-rate-limit's MemoryStore plus the middleware's decision, for a fake Date.now(). */
    static final class ExpressRateLimit {
        record Client(long[] totalHits, long[] resetTime) {
        }

        record Answer(boolean limited, long remaining, long resetTime, long totalHits) {
        }

        private final long windowMs;
        private final long limit;
        private Map<String, Client> current = new HashMap<>();
        private Map<String, Client> previous = new HashMap<>();
        private long nextClear;

        ExpressRateLimit(long windowMs, long limit, long createdAt) {
            this.windowMs = windowMs;
            this.limit = limit;
            this.nextClear = createdAt + windowMs;
        }

        Answer hit(String key, long now) {
            while (nextClear <= now) { // setInterval(clearExpired, windowMs)
                previous = current;
                current = new HashMap<>();
                nextClear += windowMs;
            }
            Client client = current.get(key);
            if (client == null) {
                client = previous.remove(key);
                if (client == null) {
                    client = new Client(new long[1], new long[] {now + windowMs});
                }
                current.put(key, client);
            }
            if (client.resetTime[0] <= now) {
                client.totalHits[0] = 0;
                client.resetTime[0] = now + windowMs;
            }
            client.totalHits[0]++;
            long hits = client.totalHits[0];
            return new Answer(hits > limit, Math.max(0, limit - hits), client.resetTime[0], hits);
        }
    }

    @Test
    void everyRequestGetsTheSameAnswerRemainingAndReset() {
        Random random = new Random(0xE4_9E55L);
        String[] keys = {"ip:203.0.113.7", "ip:198.51.100.1", "user:alice", "user:bob"};
        int compared = 0;
        int refused = 0;
        int refusedHitsCountedByExpress = 0;
        for (int timeline = 0; timeline < 300; timeline++) {
            long limit = 1 + random.nextInt(random.nextBoolean() ? 10 : 200);
            long windowMs = random.nextBoolean() ? 1 + random.nextInt(100_000) : new long[] {60_000, 300_000, 900_000}[random.nextInt(3)];
            long[] times = Timelines.generate(random, 800, (double) windowMs / limit, windowMs);
            ExpressRateLimit express = new ExpressRateLimit(windowMs, limit, times[0] - random.nextInt((int) windowMs));
            Map<String, Driver> moat = new HashMap<>();
            for (int i = 0; i < times.length; i++) {
                String key = keys[random.nextInt(random.nextInt(3) == 0 ? keys.length : 1)];
                long now = times[i];
                ExpressRateLimit.Answer theirs = express.hit(key, now);
                Step ours = moat.computeIfAbsent(key, k -> new Driver(LimitSpec.fixedWindow(limit, windowMs))).hit(now);
                String where = "limit=" + limit + " window=" + windowMs + " timeline " + timeline + " request " + i + " " + key;
                assertThat(ours.allowed()).as(where).isEqualTo(!theirs.limited());
                assertThat(ours.remaining()).as(where + " remaining").isEqualTo(theirs.remaining());
                assertThat(ours.resetMillis()).as(where + " reset").isEqualTo(theirs.resetTime() - now);
                if (!ours.allowed()) {
                    refused++;
                    assertThat(ours.retryAfterMillis()).as(where + " retry = until express resets").isEqualTo(theirs.resetTime() - now);
                    refusedHitsCountedByExpress += theirs.totalHits() > limit + 1 ? 1 : 0;
                }
            }
            compared += times.length;
        }
        assertThat(refused).isGreaterThan(compared / 10).isLessThan(compared * 9 / 10);
        assertThat(refusedHitsCountedByExpress).as("express counted refused hits past the limit").isPositive();
    }

    @Test
    void aHitExactlyAtTheResetTimeOpensANewWindowInBoth() {
        ExpressRateLimit express = new ExpressRateLimit(60_000, 2, T0);
        Driver moat = new Driver(LimitSpec.fixedWindow(2, 60_000));
        for (long t : new long[] {T0 + 5, T0 + 10, T0 + 20}) {
            express.hit("k", t);
            moat.hit(t);
        }
        assertThat(express.hit("k", T0 + 60_004).limited()).isTrue();
        assertThat(moat.hit(T0 + 60_004).allowed()).isFalse();
        ExpressRateLimit.Answer theirs = express.hit("k", T0 + 60_005);
        Step ours = moat.hit(T0 + 60_005);
        assertThat(theirs.limited()).isFalse();
        assertThat(ours.allowed()).isTrue();
        assertThat(ours.resetMillis()).isEqualTo(theirs.resetTime() - (T0 + 60_005)).isEqualTo(60_000);
    }

    @Test
    void refusedHitsCountInExpressButNotInMoatAndNeitherAnswerChanges() {
        ExpressRateLimit express = new ExpressRateLimit(1000, 3, T0);
        Driver moat = new Driver(LimitSpec.fixedWindow(3, 1000));
        for (int i = 0; i < 10; i++) {
            ExpressRateLimit.Answer theirs = express.hit("k", T0 + i);
            Step ours = moat.hit(T0 + i);
            assertThat(ours.allowed()).isEqualTo(!theirs.limited());
            assertThat(ours.remaining()).isEqualTo(theirs.remaining());
            if (i == 9) {
                assertThat(theirs.totalHits()).isEqualTo(10);
                assertThat(moat.state[1]).as("Moat's used stops at the limit").isEqualTo(3);
            }
        }
    }
}
