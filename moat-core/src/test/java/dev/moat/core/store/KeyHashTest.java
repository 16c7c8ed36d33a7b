package dev.moat.core.store;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The memory store's key hash: a function of the text, and no two of many similar keys alike. */
class KeyHashTest {
    private static final dev.moat.core.limit.Limiter LIMITER = dev.moat.core.limit.LimitSpec.gcra(1, 1000).limiter();

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

    /** Every split of keys with every tail length and wide characters: a prefix's hash continues into the rest. */
    @Test
    void aKeyHashedAfterItsPrefixHashesAsTheWholeKey() {
        String[] keys = {"", "a", "client.target.message|ip:203.0.113.7", "abcdefghi", "user:\u00e9lodie",
                "x|user:\u4e2d\u6587\ud83d\ude00", "client.global.login|*"};
        for (String key : keys) {
            for (int cut = 0; cut <= key.length(); cut++) {
                KeyPrefix prefix = KeyPrefix.of(key.substring(0, cut));
                assertThat(prefix.hash(key.substring(cut))).as("%s cut at %d", key, cut).isEqualTo(KeyHash.of(key));
                LimitCall split = new LimitCall(prefix, key.substring(cut), LIMITER, 1);
                LimitCall whole = new LimitCall(key, LIMITER, 1);
                assertThat(split.key()).isEqualTo(key);
                assertThat(split).isEqualTo(whole).hasSameHashCodeAs(whole);
                assertThat(split.keyHash()).isEqualTo(whole.keyHash());
            }
        }
    }

    /** The streaming form is SipHash-1-3-128 as published, over the key's UTF-16LE bytes. */
    @Test
    void itIsSipHash13With128BitOutputOverUtf16LittleEndianBytes() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 2_000; i++) {
            long k0 = random.nextLong();
            long k1 = random.nextLong();
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(0, 40);
            for (int j = 0; j < length; j++) {
                text.append((char) (random.nextBoolean() ? random.nextInt(32, 127) : random.nextInt(0, 0x10000)));
            }
            String t = text.toString();
            byte[] utf16le = new byte[2 * t.length()]; // by hand: an encoder would replace a lone surrogate
            for (int j = 0; j < t.length(); j++) {
                utf16le[2 * j] = (byte) t.charAt(j);
                utf16le[2 * j + 1] = (byte) (t.charAt(j) >> 8);
            }
            long[] expected = referenceSip13x128(k0, k1, utf16le);
            KeyHash h = KeyHash.sip13(k0, k1, t);
            assertThat(new long[] {h.lo, h.hi}).as("%s", t).containsExactly(expected);
        }
    }

    /** A byte-at-a-time SipHash-1-3 with 128-bit output, written from the SipHash paper's description. */
    private static long[] referenceSip13x128(long k0, long k1, byte[] in) {
        long[] v = {k0 ^ 0x736f6d6570736575L, k1 ^ 0x646f72616e646f6dL ^ 0xee, k0 ^ 0x6c7967656e657261L,
                k1 ^ 0x7465646279746573L};
        int whole = in.length - in.length % 8;
        for (int i = 0; i < whole; i += 8) {
            long m = 0;
            for (int b = 7; b >= 0; b--) {
                m = m << 8 | (in[i + b] & 0xff);
            }
            v[3] ^= m;
            sipRound(v);
            v[0] ^= m;
        }
        long last = (long) (in.length & 0xff) << 56;
        for (int i = whole; i < in.length; i++) {
            last |= (long) (in[i] & 0xff) << (8 * (i - whole));
        }
        v[3] ^= last;
        sipRound(v);
        v[0] ^= last;
        v[2] ^= 0xee;
        for (int r = 0; r < 3; r++) {
            sipRound(v);
        }
        long first = v[0] ^ v[1] ^ v[2] ^ v[3];
        v[1] ^= 0xdd;
        for (int r = 0; r < 3; r++) {
            sipRound(v);
        }
        return new long[] {first, v[0] ^ v[1] ^ v[2] ^ v[3]};
    }

    private static void sipRound(long[] v) {
        v[0] += v[1]; v[1] = Long.rotateLeft(v[1], 13); v[1] ^= v[0]; v[0] = Long.rotateLeft(v[0], 32);
        v[2] += v[3]; v[3] = Long.rotateLeft(v[3], 16); v[3] ^= v[2];
        v[0] += v[3]; v[3] = Long.rotateLeft(v[3], 21); v[3] ^= v[0];
        v[2] += v[1]; v[1] = Long.rotateLeft(v[1], 17); v[1] ^= v[2]; v[2] = Long.rotateLeft(v[2], 32);
    }
}
