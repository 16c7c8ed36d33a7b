package dev.moat.core.identity;

import dev.moat.core.Ascii;

import java.util.Objects;

/**
 * An IPv4 or IPv6 address, immutable, compared by value.
 *
 * <p>{@link #parse(String)} accepts what callers and proxies actually send: {@code 203.0.113.7},
 * {@code 203.0.113.7:5123}, {@code 2001:DB8::1}, {@code [2001:db8::1]}, {@code [2001:db8::1]:443},
 * {@code ::ffff:1.2.3.4}. Every spelling of one address yields one value whose {@link #toString()}
 * is canonical (dotted IPv4; RFC 5952 IPv6), so the same client always lands in the same rate-limit
 * bucket and the same ban. IPv4-mapped IPv6 addresses ({@code ::ffff:a.b.c.d}) become the IPv4
 * address: a dual-stack listener reports IPv4 clients that way, and they must not escape an IPv4
 * ban. No other embedding (IPv4-compatible {@code ::a.b.c.d}, NAT64, 6to4) is unwrapped.
 *
 * <p>Refused: zone ids ({@code fe80::1%eth0}: meaningless off the host, and a free way to mint
 * distinct keys), IPv4 parts with leading zeros ({@code 010.1.1.1}: octal to some parsers, decimal
 * to others), the shorthand forms {@code 1.2.3} and {@code 127.1}, non-ASCII digits, whitespace,
 * and any text longer than {@value #MAX_TEXT_CHARS} characters (refused before it is scanned).
 * No name is ever resolved: this class does no I/O.
 */
public final class IpAddress implements Comparable<IpAddress> {

    /*
     * How it works and why.
     *
     * Storage: two longs, hi and lo, hold the 128 bits of an IPv6 address; an IPv4 address keeps
     * its 32 bits in the low half of lo with hi == 0 and v4 == true. Two longs (not a byte[])
     * make equals, hashCode and masking a handful of ALU operations, which matters because every
     * request parses at least one address and CidrSet masks it once per prefix length.
     *
     * Parsing is a single left-to-right pass over at most MAX_TEXT_CHARS characters, with no
     * regex, no allocation besides the result, and no exceptions on the failure path of
     * tryParse (the resolver tries untrusted header values, and a thrown-and-caught exception per
     * hop would be the slowest thing in the request). The scanner returns an error text or null;
     * parse() turns the text into an IllegalArgumentException, tryParse() into null.
     *
     * The port/bracket forms are handled only by the outer "host form" layer; Cidr uses the bare
     * layer, where "[...]" and ":port" have no business.
     *
     * toString is RFC 5952 section 4: lower-case hex, no leading zeros, the longest run of two or
     * more zero groups (the first, on a tie) written "::". It is computed on first use and cached.
     */

    /** Longest text {@link #parse(String)} looks at: {@code [v6 with embedded v4]:65535} is 53. */
    public static final int MAX_TEXT_CHARS = 64;

    private static final long V4_MASK = 0xFFFF_FFFFL;

    /** Scan failure reason for a zone id; compared by identity. */
    static final String ZONE_IDS_REFUSED = "zone ids are not accepted";

    private final boolean v4;
    private final long hi;
    private final long lo;
    private String text; // racy single-check cache; String is safely publishable

    private IpAddress(boolean v4, long hi, long lo) {
        this.v4 = v4;
        this.hi = hi;
        this.lo = lo;
    }

    /**
     * Parses an address, with or without a port or brackets (see the class comment).
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is
     *     wrong with it
     * @throws NullPointerException if {@code text} is null
     */
    public static IpAddress parse(String text) {
        Objects.requireNonNull(text, "text");
        long[] out = new long[3];
        String reason = scanHostForm(text, out);
        if (reason != null) {
            throw new IllegalArgumentException(message(text, reason));
        }
        return fromScan(out, text);
    }

    /** Like {@link #parse(String)}, but returns null for null or unparseable text. */
    public static IpAddress tryParse(String text) {
        if (text == null) {
            return null;
        }
        long[] out = new long[3];
        return scanHostForm(text, out) == null ? fromScan(out, text) : null;
    }

    /**
     * The address with these bytes in network order: 4 for IPv4, 16 for IPv6 (an IPv4-mapped
     * IPv6 address becomes IPv4, as in {@link #parse(String)}).
     */
    public static IpAddress ofBytes(byte[] bytes) {
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length == 4) {
            return new IpAddress(true, 0, readLong(bytes, 0, 4));
        }
        if (bytes.length == 16) {
            return of128(readLong(bytes, 0, 8), readLong(bytes, 8, 8));
        }
        throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
    }

    /** This address in network order: 4 bytes for IPv4, 16 for IPv6. */
    public byte[] toBytes() {
        if (v4) {
            byte[] out = new byte[4];
            writeLong(out, 0, 4, lo);
            return out;
        }
        byte[] out = new byte[16];
        writeLong(out, 0, 8, hi);
        writeLong(out, 8, 8, lo);
        return out;
    }

    /** True for IPv4 (including addresses given in IPv4-mapped IPv6 form). */
    public boolean isV4() {
        return v4;
    }

    /** Address length in bits: 32 or 128. */
    public int bits() {
        return v4 ? 32 : 128;
    }

    /**
     * The subject that a ban of this address covers: {@code ip:<this>} for IPv4, or for IPv6 when
     * {@code ipv6PrefixBits} is 128; otherwise {@code cidr:<network>/<ipv6PrefixBits>}, because
     * one IPv6 end user commonly holds a whole /64 and would step around a single-address ban.
     *
     * @param ipv6PrefixBits the configured {@code bans.ipv6_prefix}, 1 to 128
     * @throws IllegalArgumentException if the prefix is outside 1..128
     */
    public Subject prefixKey(int ipv6PrefixBits) {
        if (ipv6PrefixBits < 1 || ipv6PrefixBits > 128) {
            throw new IllegalArgumentException(
                    "IPv6 ban prefix must be 1 to 128 bits, got " + ipv6PrefixBits);
        }
        if (v4 || ipv6PrefixBits == 128) {
            return Subject.ip(this);
        }
        return Subject.cidr(Cidr.of(this, ipv6PrefixBits));
    }

    /** Orders IPv4 before IPv6, then numerically. */
    @Override
    public int compareTo(IpAddress other) {
        if (v4 != other.v4) {
            return v4 ? -1 : 1;
        }
        int c = Long.compareUnsigned(hi, other.hi);
        return c != 0 ? c : Long.compareUnsigned(lo, other.lo);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress
                && ((IpAddress) o).v4 == v4
                && ((IpAddress) o).hi == hi
                && ((IpAddress) o).lo == lo;
    }

    @Override
    public int hashCode() {
        long h = hi * 0x9E37_79B9_7F4A_7C15L + lo;
        h ^= h >>> 31;
        return (int) (h ^ (h >>> 32)) + (v4 ? 1 : 0);
    }

    /** Canonical text: dotted-decimal IPv4, or RFC 5952 IPv6 (compressed, lower case). */
    @Override
    public String toString() {
        String s = text;
        if (s == null) {
            s = v4 ? formatV4(lo) : formatV6(hi, lo);
            text = s;
        }
        return s;
    }

    // ---- package-private helpers for Cidr and CidrSet ----

    long hi() {
        return hi;
    }

    long lo() {
        return lo;
    }

    /** IPv4 with these 32 bits (the low half of {@code value}). */
    static IpAddress v4(long value) {
        return new IpAddress(true, 0, value & V4_MASK);
    }

    /** IPv6 with these 128 bits, unwrapped to IPv4 when IPv4-mapped. */
    static IpAddress of128(long hi, long lo) {
        if (isMapped(hi, lo)) {
            return new IpAddress(true, 0, lo & V4_MASK);
        }
        return new IpAddress(false, hi, lo);
    }

    /** IPv6 with these 128 bits, as given (the caller guarantees it is not IPv4-mapped). */
    static IpAddress v6Unchecked(long hi, long lo) {
        return new IpAddress(false, hi, lo);
    }

    static boolean isMapped(long hi, long lo) {
        return hi == 0 && (lo >>> 32) == 0xFFFFL;
    }

    /** This address with every bit after the first {@code prefixBits} cleared. */
    IpAddress masked(int prefixBits) {
        if (v4) {
            long m = mask32(prefixBits);
            return (lo & m) == lo ? this : new IpAddress(true, 0, lo & m);
        }
        long h = hi & hiMask(prefixBits);
        long l = lo & loMask(prefixBits);
        return h == hi && l == lo ? this : new IpAddress(false, h, l);
    }

    static long mask32(int prefixBits) {
        return prefixBits <= 0 ? 0 : (V4_MASK << (32 - prefixBits)) & V4_MASK;
    }

    static long hiMask(int prefixBits) {
        return prefixBits <= 0 ? 0 : prefixBits >= 64 ? -1L : -1L << (64 - prefixBits);
    }

    static long loMask(int prefixBits) {
        return prefixBits <= 64 ? 0 : prefixBits >= 128 ? -1L : -1L << (128 - prefixBits);
    }

    // ---- scanning ----

    /**
     * The address scanned from {@code text}. A bare dotted quad (scanned as IPv4, no port: no colon)
     * is already the canonical text, since the scan refuses leading zeros, so it is kept instead of
     * formatted again.
     */
    private static IpAddress fromScan(long[] out, String text) {
        if (out[2] == 0) {
            return of128(out[0], out[1]);
        }
        IpAddress ip = new IpAddress(true, 0, out[1]);
        if (text.indexOf(':') < 0) {
            ip.text = text;
        }
        return ip;
    }

    /**
     * Scans an address that may carry brackets and a port. On success returns null and fills
     * {@code out} = {hi, lo, 1 if the text was IPv4 else 0}; otherwise returns the reason it
     * failed (see {@link #message(String, String)}).
     */
    private static String scanHostForm(String s, long[] out) {
        int length = s.length();
        if (length > MAX_TEXT_CHARS) {
            return "longer than " + MAX_TEXT_CHARS + " characters";
        }
        if (length == 0) {
            return "empty";
        }
        if (s.charAt(0) == '[') {
            int close = s.indexOf(']');
            if (close < 0) {
                return "'[' without ']'";
            }
            int colon = s.indexOf(':', 1);
            if (colon < 0 || colon > close) {
                return "brackets hold only IPv6 addresses";
            }
            String error = scanV6(s, 1, close, out);
            if (error != null) {
                return error;
            }
            if (close + 1 == length) {
                return null;
            }
            if (s.charAt(close + 1) != ':') {
                return "unexpected text after ']'";
            }
            return scanPort(s, close + 2, length);
        }
        int colon = s.indexOf(':');
        if (colon < 0) {
            return scanV4(s, 0, length, out);
        }
        if (s.indexOf(':', colon + 1) < 0) {
            String error = scanV4(s, 0, colon, out);
            return error != null ? error : scanPort(s, colon + 1, length);
        }
        return scanV6(s, 0, length, out);
    }

    /**
     * Scans a bare address (no brackets, no port) in {@code s[from, to)}, as used inside CIDR
     * notation; same contract as {@link #scanHostForm}.
     */
    static String scanBare(String s, int from, int to, long[] out) {
        if (to - from > MAX_TEXT_CHARS) {
            return "longer than " + MAX_TEXT_CHARS + " characters";
        }
        if (to == from) {
            return "empty";
        }
        int colon = s.indexOf(':', from);
        if (colon < 0 || colon >= to) {
            return scanV4(s, from, to, out);
        }
        int second = s.indexOf(':', colon + 1);
        if ((second < 0 || second >= to) && s.indexOf('.', from) >= 0 && s.indexOf('.', from) < colon) {
            return "a port is not accepted here";
        }
        return scanV6(s, from, to, out);
    }

    private static String scanPort(String s, int from, int to) {
        if (from == to) {
            return "empty port";
        }
        if (to - from > 5) {
            return "port is not a number from 0 to 65535";
        }
        int port = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return "port is not a number from 0 to 65535";
            }
            port = port * 10 + (c - '0');
        }
        return port > 65535 ? "port is not a number from 0 to 65535" : null;
    }

    /** Dotted-quad IPv4 in {@code s[from, to)}: exactly four decimal parts 0-255, no leading zeros. */
    private static String scanV4(String s, int from, int to, long[] out) {
        long value = 0;
        int parts = 0;
        int i = from;
        while (true) {
            int start = i;
            int part = 0;
            while (i < to && i - start < 4 && isDigit(s.charAt(i))) {
                part = part * 10 + (s.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0) {
                return i < to ? unexpected(s, i) : "empty IPv4 part";
            }
            if (digits > 1 && s.charAt(start) == '0') {
                return "leading zero in IPv4 part '" + s.substring(start, i)
                        + "' is ambiguous (octal or decimal?)";
            }
            if (digits > 3 || part > 255) {
                return "IPv4 parts are 0 to 255";
            }
            value = (value << 8) | part;
            parts++;
            if (i == to) {
                break;
            }
            if (s.charAt(i) != '.' || parts == 4) {
                return unexpected(s, i);
            }
            i++;
        }
        if (parts != 4) {
            return "IPv4 needs 4 parts, got " + parts;
        }
        out[0] = 0;
        out[1] = value;
        out[2] = 1;
        return null;
    }

    /**
     * IPv6 in {@code s[from, to)}: up to eight groups of 1-4 hex digits, at most one "::" standing
     * for one or more zero groups, optionally ending in a dotted IPv4 that fills the last two.
     */
    private static String scanV6(String s, int from, int to, long[] out) {
        int[] groups = new int[8];
        int count = 0;
        int compressAt = -1;
        int i = from;
        for (int k = from; k < to; k++) {
            if (s.charAt(k) == '%') {
                return ZONE_IDS_REFUSED;
            }
        }
        if (to - from < 2) {
            return "too short for IPv6";
        }
        if (s.charAt(i) == ':') {
            if (s.charAt(i + 1) != ':') {
                return "IPv6 cannot start with a single ':'";
            }
            compressAt = 0;
            i += 2;
        }
        while (i < to) {
            int start = i;
            int group = 0;
            while (i < to && i - start < 5) {
                int d = Ascii.hexDigit(s.charAt(i));
                if (d < 0) {
                    break;
                }
                group = (group << 4) | d;
                i++;
            }
            if (i < to && s.charAt(i) == '.') {
                if (count > 6) {
                    return "too many IPv6 groups before the embedded IPv4";
                }
                String error = scanV4(s, start, to, out);
                if (error != null) {
                    return error;
                }
                groups[count++] = (int) (out[1] >>> 16);
                groups[count++] = (int) (out[1] & 0xFFFF);
                i = to;
                break;
            }
            int digits = i - start;
            if (digits == 0) {
                return i < to && s.charAt(i) != ':' ? unexpected(s, i)
                        : "empty IPv6 group";
            }
            if (digits > 4) {
                return "IPv6 groups have at most 4 hex digits";
            }
            if (count == 8) {
                return "more than 8 IPv6 groups";
            }
            groups[count++] = group;
            if (i == to) {
                break;
            }
            char c = s.charAt(i);
            if (c != ':') {
                return unexpected(s, i);
            }
            i++;
            if (i == to) {
                return "IPv6 cannot end with a single ':'";
            }
            if (s.charAt(i) == ':') {
                if (compressAt >= 0) {
                    return "'::' may appear only once";
                }
                compressAt = count;
                i++;
            }
        }
        if (compressAt < 0 && count != 8) {
            return "IPv6 needs 8 groups or '::', got " + count + " groups";
        }
        if (compressAt >= 0 && count == 8) {
            return "'::' must stand for at least one zero group";
        }
        long hiBits = 0;
        long loBits = 0;
        int zeros = 8 - count;
        int position = 0;
        for (int g = 0; g < count; g++) {
            if (g == compressAt) {
                position += zeros;
            }
            if (position < 4) {
                hiBits |= (long) groups[g] << (16 * (3 - position));
            } else {
                loBits |= (long) groups[g] << (16 * (7 - position));
            }
            position++;
        }
        out[0] = hiBits;
        out[1] = loBits;
        out[2] = 0;
        return null;
    }

    /** The message for a scan that failed with {@code reason}. */
    static String message(String text, String reason) {
        if (reason == ZONE_IDS_REFUSED) {
            return "zone ids are not accepted: " + Texts.quote(text);
        }
        return "not an IP address: " + Texts.quote(text) + " (" + reason + ")";
    }

    private static String unexpected(String s, int at) {
        char c = s.charAt(at);
        String shown = c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
        return "unexpected character " + shown + " at position " + at;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // ---- formatting ----

    private static String formatV4(long value) {
        return ((value >>> 24) & 0xFF) + "." + ((value >>> 16) & 0xFF) + "."
                + ((value >>> 8) & 0xFF) + "." + (value & 0xFF);
    }

    private static String formatV6(long hi, long lo) {
        int[] g = new int[8];
        for (int k = 0; k < 4; k++) {
            g[k] = (int) (hi >>> (16 * (3 - k))) & 0xFFFF;
            g[k + 4] = (int) (lo >>> (16 * (3 - k))) & 0xFFFF;
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never compressed (RFC 5952 4.2.2)
        for (int k = 0; k < 8; ) {
            if (g[k] != 0) {
                k++;
                continue;
            }
            int start = k;
            while (k < 8 && g[k] == 0) {
                k++;
            }
            if (k - start > bestLength) {
                bestStart = start;
                bestLength = k - start;
            }
        }
        StringBuilder out = new StringBuilder(39);
        for (int k = 0; k < 8; ) {
            if (k == bestStart) {
                out.append("::");
                k += bestLength;
                continue;
            }
            if (k > 0 && k != bestStart + bestLength) {
                out.append(':');
            }
            out.append(Integer.toHexString(g[k]));
            k++;
        }
        return out.toString();
    }

    private static long readLong(byte[] bytes, int from, int count) {
        long v = 0;
        for (int k = 0; k < count; k++) {
            v = (v << 8) | (bytes[from + k] & 0xFF);
        }
        return v;
    }

    private static void writeLong(byte[] bytes, int from, int count, long v) {
        for (int k = count - 1; k >= 0; k--) {
            bytes[from + k] = (byte) v;
            v >>>= 8;
        }
    }
}
