package dev.moat.reliability;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Keys chosen so that every one has the same {@link String#hashCode()} ("Aa" and "BB" hash
 * alike, so every string of n such pairs does), pushed through {@link MemoryLimitStore}: a
 * hash-flooding attacker who controls user ids or addresses and knows the key layout
 * ({@code <limit id>|<subject>}).
 *
 * <p>What must hold: counting stays exact per key (no key sees another's spends), the store
 * stays under its cap, the cap's eviction still spares a victim with debt when every attacker
 * key lands in the victim's own hash bin, and the work stays bounded (the map's tree bins keep a
 * lookup logarithmic; a generous timeout guards against a quadratic path, it measures nothing).
 * The store now places counters by a keyed 128-bit hash of the key, not by
 * {@code String.hashCode}, so these keys no longer share a bin there; the test stays as the
 * guard that equal Java hash codes change nothing.
 */
class KeyCollisionReliabilityTest {
    static final int KEYS = 100_000;
    static final long HOUR = 3_600_000;
    static final long NOW = 1_767_225_600_000L;
    static final Limiter THREE_PER_HOUR = LimitSpec.gcra(3, HOUR).limiter();

    /** {@code n} distinct strings of {@code pairs} "Aa"/"BB" pairs, all with the same hash code. */
    static List<String> colliding(int n, int pairs) {
        List<String> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            StringBuilder sb = new StringBuilder(pairs * 2);
            for (int b = pairs - 1; b >= 0; b--) {
                sb.append(((i >>> b) & 1) == 0 ? "Aa" : "BB");
            }
            out.add(sb.toString());
        }
        return out;
    }

    static LimitOutcome spend(MemoryLimitStore store, String key) {
        return store.consume(List.of(new LimitCall(key, THREE_PER_HOUR, 1)), NOW, false)[0];
    }

    @Test
    void collidingKeysAreCountedExactlyEachOnItsOwn() {
        List<String> users = colliding(KEYS, 17);
        List<String> keys = users.stream().map(u -> "client.target.login|user:" + u).toList();
        assertThat(keys.stream().mapToInt(String::hashCode).distinct().count()).as("one hash for all").isEqualTo(1);
        assertThat(keys.stream().distinct().count()).isEqualTo(KEYS);

        MemoryLimitStore store = new MemoryLimitStore(2 * KEYS);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 1; round <= 3; round++) {
                for (String k : keys) {
                    LimitOutcome o = spend(store, k);
                    assertThat(o.allowed()).isTrue();
                    assertThat(o.remaining()).isEqualTo(3 - round);
                }
            }
            for (String k : keys) {
                assertThat(spend(store, k).allowed()).as("the fourth of %s", k).isFalse();
            }
        });
        assertThat(store.trackedKeys()).isEqualTo(KEYS);
        assertThat(store.evictions()).isZero();
    }

    @Test
    void aFloodOfCollidingKeysStaysUnderTheCap() {
        MemoryLimitStore store = new MemoryLimitStore(10_000);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            int i = 0;
            for (String u : colliding(KEYS, 17)) {
                assertThat(spend(store, "client.target.login|user:" + u).allowed()).isTrue();
                if (++i % 10_000 == 0) {
                    assertThat(store.trackedKeys()).isLessThanOrEqualTo(10_000);
                }
            }
        });
        assertThat(store.trackedKeys()).isLessThanOrEqualTo(10_000);
        assertThat(store.evictions()).isGreaterThanOrEqualTo(KEYS - 10_000);
    }

    /**
     * The attacker's keys are built to share the victim's hash code exactly, so that they all sit
     * in the victim's bin of the map: {@code P + <Aa/BB pairs> + T}, with two characters T solved
     * for the victim's hash. The victim was limited with an hour of debt; after 100,000 such keys
     * through a store capped at 10,000, the victim is still refused.
     */
    @Test
    void keysForgedToShareTheVictimsHashDoNotEvictTheVictim() {
        String victim = "client.target.login|ip:203.0.113.7";
        MemoryLimitStore store = new MemoryLimitStore(10_000);
        for (int i = 0; i < 3; i++) {
            assertThat(spend(store, victim).allowed()).isTrue();
        }
        assertThat(spend(store, victim).allowed()).isFalse();

        List<String> attack = forgedCollisions(victim.hashCode(), KEYS);
        assertThat(attack).allMatch(k -> k.hashCode() == victim.hashCode());
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (String k : attack) {
                spend(store, k);
            }
        });
        assertThat(store.trackedKeys()).isLessThanOrEqualTo(10_000);
        LimitOutcome after = spend(store, victim);
        assertThat(after.allowed()).as("the victim's counter survived the flood").isFalse();
        assertThat(after.retryAfterMillis()).isPositive();
    }

    /**
     * {@code n} distinct keys {@code client.target.login|user:mallory-<salt>-<pairs><tail>} hashing
     * to {@code target}: the pairs keep the hash equal across keys, a three-character tail solved
     * for the target makes it the victim's (a salt is tried until the tail fits in three chars).
     */
    static List<String> forgedCollisions(int target, int n) {
        List<String> pairs = colliding(n, 17);
        long max = 961L * 0xFFFF + 31L * 0xFFFF + 0xFFFF;
        for (int salt = 0; ; salt++) {
            String prefix = "client.target.login|user:mallory-" + salt + "-";
            int h = (prefix + pairs.get(0)).hashCode(); // the same for every pairs string
            // h(s + abc) = h(s) * 31^3 + a * 31^2 + b * 31 + c (mod 2^32)
            long want = Integer.toUnsignedLong(target - h * 29_791);
            if (want > max) {
                continue;
            }
            char a = (char) Math.min(want / 961, 0xFFFF);
            long r = want - 961L * a;
            char b = (char) Math.min(r / 31, 0xFFFF);
            char c = (char) (r - 31L * b);
            String tail = "" + a + b + c;
            List<String> out = new ArrayList<>(n);
            for (String p : pairs) {
                out.add(prefix + p + tail);
            }
            return out;
        }
    }
}
