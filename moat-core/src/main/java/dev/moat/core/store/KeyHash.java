package dev.moat.core.store;

import java.security.SecureRandom;

/*
 * How it works and why.
 *
 * The memory store keys its counters by this 128-bit hash of the key text instead of the text:
 * a key of 30 to 40 characters costs about 80 bytes as a String (object, byte[] and its header),
 * the hash 16, and the store never needs the text back (eviction and idle removal only drop
 * entries). That is what brings a tracked key under nginx's 128 bytes (BENCHMARKS.md, heap per
 * key).
 *
 * Two keys that share a hash would share a counter, so the hash is keyed: SipHash-1-3 with a
 * 128-bit output (the variant Rust's standard hash maps use against hash flooding) over the
 * key's UTF-16 code units, with a secret drawn from SecureRandom once per process. Without the
 * secret nobody can compute a hash, so nobody can choose a user id or an address that lands on a
 * victim's counter; by accident, any two of n keys collide with probability about
 * n^2 / 2^129, which is 1.5e-27 at a million keys. The secret is per process, not per store:
 * a LimitCall caches its hash (as a String caches its hashCode), whatever store it is given to.
 */

/** The 128-bit keyed hash of a counter key, which the memory store keeps instead of the key. */
class KeyHash {
    private static final long K0;
    private static final long K1;

    static {
        SecureRandom random = new SecureRandom();
        K0 = random.nextLong();
        K1 = random.nextLong();
    }

    final long hi;
    final long lo;

    KeyHash(long hi, long lo) {
        this.hi = hi;
        this.lo = lo;
    }

    KeyHash(KeyHash of) {
        this(of.hi, of.lo);
    }

    /** The hash of {@code key} under this process's secret. */
    static KeyHash of(String key) {
        return sip13(K0, K1, key);
    }

    /** The state after this process's secret and {@code prefix}, to hash keys that start with it. */
    static Sip prefixState(String prefix) {
        Sip s = new Sip(K0, K1);
        s.absorb(prefix);
        return s;
    }

    /** SipHash-1-3 with 128-bit output over the UTF-16LE bytes of {@code s}. */
    static KeyHash sip13(long k0, long k1, String s) {
        Sip sip = new Sip(k0, k1);
        sip.absorb(s);
        return sip.finish();
    }

    /**
     * SipHash-1-3's running state over UTF-16 code units, four to a 64-bit word: the four state
     * words, the code units of a word not yet complete, and the count of units so far. Absorbing
     * "ab" then "cd" gives the state of absorbing "abcd", so a key's constant prefix is absorbed
     * once ({@link KeyPrefix}) and each key hashes only what follows it. Used as a local, it does
     * not escape, and the JIT keeps it in registers.
     */
    static final class Sip {
        private long v0;
        private long v1;
        private long v2;
        private long v3;
        /** Code units of the word being filled, in its low 16 * (length % 4) bits. */
        private long tail;
        /** Code units absorbed. */
        private int length;

        Sip(long k0, long k1) {
            v0 = k0 ^ 0x736f6d6570736575L;
            v1 = k1 ^ 0x646f72616e646f6dL ^ 0xee;
            v2 = k0 ^ 0x6c7967656e657261L;
            v3 = k1 ^ 0x7465646279746573L;
        }

        Sip(Sip of) {
            v0 = of.v0;
            v1 = of.v1;
            v2 = of.v2;
            v3 = of.v3;
            tail = of.tail;
            length = of.length;
        }

        void absorb(String s) {
            int n = s.length();
            int i = 0;
            int filled = length & 3;
            if (filled != 0) { // complete the word the last absorb left open
                for (; filled < 4 && i < n; filled++, i++) {
                    tail |= (long) s.charAt(i) << (16 * filled);
                }
                if (filled < 4) {
                    length += n;
                    return;
                }
                compress(tail);
                tail = 0;
            }
            int whole = i + ((n - i) & ~3);
            for (; i < whole; i += 4) {
                compress(s.charAt(i) | (long) s.charAt(i + 1) << 16 | (long) s.charAt(i + 2) << 32
                        | (long) s.charAt(i + 3) << 48);
            }
            for (int shift = 0; i < n; i++, shift += 16) {
                tail |= (long) s.charAt(i) << shift;
            }
            length += n;
        }

        private void compress(long m) {
            v3 ^= m;
            round();
            v0 ^= m;
        }

        private void round() {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }

        KeyHash finish() {
            long last = (long) (2 * length) << 56 | tail; // the length in bytes, mod 256, in the top byte
            compress(last);
            v2 ^= 0xee;
            round();
            round();
            round();
            long first = v0 ^ v1 ^ v2 ^ v3;
            v1 ^= 0xdd;
            round();
            round();
            round();
            return new KeyHash(v0 ^ v1 ^ v2 ^ v3, first);
        }
    }

    @Override
    public final boolean equals(Object o) {
        return o instanceof KeyHash k && k.lo == lo && k.hi == hi;
    }

    @Override
    public final int hashCode() {
        return (int) lo;
    }

    @Override
    public String toString() {
        return String.format("%016x%016x", hi, lo);
    }
}
