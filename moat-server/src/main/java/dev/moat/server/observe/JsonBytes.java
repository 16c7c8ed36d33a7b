package dev.moat.server.observe;

import java.util.Arrays;

/**
 * A growing byte array that JSON is laid out into by hand, for the two hot writers: the answer of
 * {@code /v1/check} (DecisionJson) and the audit line of a decision (DecisionLine). It holds the
 * bytes and the plain parts (bytes, ASCII text, whole numbers); each writer adds its own string
 * escaping, which must match its peer's (Jackson's, the log layout's). {@code S} is the writer's
 * own type, so that calls chain through both.
 */
public abstract class JsonBytes<S extends JsonBytes<S>> {
    /** The bytes written so far are {@code a[0, n)}. */
    public byte[] a;
    public int n;

    protected JsonBytes(int initialBytes) {
        this.a = new byte[initialBytes];
    }

    @SuppressWarnings("unchecked")
    private S self() {
        return (S) this;
    }

    protected final void room(int more) {
        if (n + more > a.length) {
            a = Arrays.copyOf(a, Math.max(a.length * 2, n + more));
        }
    }

    public final S put(byte b) {
        room(1);
        a[n++] = b;
        return self();
    }

    public final S put(byte[] b) {
        return put(b, 0, b.length);
    }

    public final S put(byte[] b, int off, int len) {
        room(len);
        System.arraycopy(b, off, a, n, len);
        n += len;
        return self();
    }

    public final S ascii(char c) {
        return put((byte) c);
    }

    /** Text known to be ASCII (digits, constants). */
    public final S ascii(String s) {
        room(s.length());
        for (int i = 0; i < s.length(); i++) {
            a[n++] = (byte) s.charAt(i);
        }
        return self();
    }

    /** A whole number in decimal, without a string for it unless negative. */
    public final S number(long v) {
        if (v < 0) {
            return ascii(Long.toString(v));
        }
        int digits = 1;
        for (long x = v / 10; x > 0; x /= 10) {
            digits++;
        }
        room(digits);
        for (int i = n + digits - 1; i >= n; i--) {
            a[i] = (byte) ('0' + v % 10);
            v /= 10;
        }
        n += digits;
        return self();
    }
}
