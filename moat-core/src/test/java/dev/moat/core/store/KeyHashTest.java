package dev.moat.core.store;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory store's key hash: a function of the text, and no two of many similar keys alike. */
class KeyHashTest {

    @Test
    void equalTextsHashAlikeAndTheCallKeepsItsHash() {
        String key = "client.target.login|ip:203.0.113.7";
        assertThat(KeyHash.of(key)).isEqualTo(KeyHash.of(new String(key.toCharArray())));
        LimitCall call = new LimitCall(key, dev.moat.core.limit.LimitSpec.gcra(1, 1000).limiter(), 1);
        assertThat(call.keyHash()).isSameAs(call.keyHash()).isEqualTo(KeyHash.of(key));
    }

    /** Lengths 0 to 9 cover every tail of a four-character block; a trailing NUL changes the length byte. */
    @Test
    void tailsLengthsAndWideCharactersAllCount() {
        Set<KeyHash> seen = new HashSet<>();
        String[] texts = {"", "\0", "\0\0", "a", "a\0", "ab", "abc", "abcd", "abcde", "abcdefgh", "abcdefghi",
                "user:élodie", "user:\u00e9lodie\u0000", "user:\u4e2d\u6587", "user:\ud83d\ude00"};
        for (String t : texts) {
            assertThat(seen.add(KeyHash.of(t))).as("%s", t).isTrue();
        }
    }

    @Test
    void aMillionNeighbouringKeysAndAllTheirHalvesAreDistinct() {
        Set<KeyHash> full = new HashSet<>();
        Set<Long> his = new HashSet<>();
        Set<Long> los = new HashSet<>();
        for (int i = 0; i < 1_000_000; i++) {
            KeyHash h = KeyHash.of("client.target.message|user:u" + i);
            full.add(h);
            his.add(h.hi);
            los.add(h.lo);
        }
        assertThat(full).hasSize(1_000_000);
        assertThat(his).hasSize(1_000_000);
        assertThat(los).hasSize(1_000_000);
    }

    @Test
    void theSecretChangesEveryHash() {
        KeyHash a = KeyHash.sip13(1, 2, "user:alice");
        assertThat(KeyHash.sip13(1, 2, "user:alice")).isEqualTo(a);
        assertThat(KeyHash.sip13(1, 3, "user:alice")).isNotEqualTo(a);
        assertThat(KeyHash.sip13(0, 2, "user:alice")).isNotEqualTo(a);
    }
}
