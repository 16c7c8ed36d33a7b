package dev.moat.core.identity;

import java.util.Objects;

/**
 * A block of addresses in CIDR notation ({@code 203.0.113.0/24}, {@code 2001:db8::/64}),
 * immutable, compared by value.
 *
 * <p>{@link #parse(String)} masks off host bits, so {@code 203.0.113.9/24} is the same block as
 * {@code 203.0.113.0/24} and prints as the latter; a bare address is a block of one
 * ({@code /32} or {@code /128}). Blocks inside the IPv4-mapped range ({@code ::ffff:0:0/96} and
 * longer) become the equivalent IPv4 block, matching what {@link IpAddress} does to addresses.
 * Brackets and ports are refused here: they name an endpoint, not a block.
 *
 * <p>The two families never mix: an IPv6 block contains no IPv4 address, even {@code ::/0}.
 */
public final class Cidr {

    /** Longest text {@link #parse(String)} looks at. */
    public static final int MAX_TEXT_CHARS = IpAddress.MAX_TEXT_CHARS + 4;

    private final IpAddress network;
    private final int prefixBits;

    private Cidr(IpAddress network, int prefixBits) {
        this.network = network;
        this.prefixBits = prefixBits;
    }

    /**
     * Parses {@code address/prefixBits} or a bare address.
     *
     * @throws IllegalArgumentException if the text is not CIDR notation, or the prefix length is
     *     out of range for the address family; the message quotes the text
     * @throws NullPointerException if {@code text} is null
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        int length = text.length();
        if (length > MAX_TEXT_CHARS) {
            throw notCidr(text, "longer than " + MAX_TEXT_CHARS + " characters");
        }
        int slash = text.indexOf('/');
        int addressEnd = slash < 0 ? length : slash;
        long[] raw = new long[3];
        String reason = IpAddress.scanBare(text, 0, addressEnd, raw);
        if (reason != null) {
            throw reason == IpAddress.ZONE_IDS_REFUSED
                    ? new IllegalArgumentException(IpAddress.message(text, reason))
                    : notCidr(text, reason);
        }
        boolean v4Text = raw[2] != 0;
        int maxBits = v4Text ? 32 : 128;
        int prefix = slash < 0 ? maxBits : parsePrefix(text, slash + 1, maxBits);
        if (v4Text) {
            return new Cidr(IpAddress.v4(raw[1] & IpAddress.mask32(prefix)), prefix);
        }
        long hi = raw[0] & IpAddress.hiMask(prefix);
        long lo = raw[1] & IpAddress.loMask(prefix);
        if (prefix >= 96 && IpAddress.isMapped(hi, lo)) {
            return new Cidr(IpAddress.v4(lo & IpAddress.mask32(prefix - 96)), prefix - 96);
        }
        return new Cidr(IpAddress.v6Unchecked(hi, lo), prefix);
    }

    /**
     * The block of {@code prefixBits} leading bits of {@code address} (host bits cleared).
     *
     * @throws IllegalArgumentException if {@code prefixBits} is not 0 to {@code address.bits()}
     */
    public static Cidr of(IpAddress address, int prefixBits) {
        Objects.requireNonNull(address, "address");
        if (prefixBits < 0 || prefixBits > address.bits()) {
            throw new IllegalArgumentException("prefix length " + prefixBits + " is out of range for "
                    + (address.isV4() ? "IPv4 (0 to 32)" : "IPv6 (0 to 128)"));
        }
        return new Cidr(address.masked(prefixBits), prefixBits);
    }

    /** The first address of the block. */
    public IpAddress network() {
        return network;
    }

    /** The prefix length: how many leading bits every member shares. */
    public int prefixBits() {
        return prefixBits;
    }

    /** True for an IPv4 block. */
    public boolean isV4() {
        return network.isV4();
    }

    /** True when the block is a single address ({@code /32} IPv4, {@code /128} IPv6). */
    public boolean isSingleAddress() {
        return prefixBits == network.bits();
    }

    /** True when {@code address} is of the same family and inside this block. */
    public boolean contains(IpAddress address) {
        if (address.isV4() != network.isV4()) {
            return false;
        }
        if (address.isV4()) {
            return (address.lo() & IpAddress.mask32(prefixBits)) == network.lo();
        }
        return (address.hi() & IpAddress.hiMask(prefixBits)) == network.hi()
                && (address.lo() & IpAddress.loMask(prefixBits)) == network.lo();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr && ((Cidr) o).prefixBits == prefixBits && ((Cidr) o).network.equals(network);
    }

    @Override
    public int hashCode() {
        return network.hashCode() * 131 + prefixBits;
    }

    /** Canonical {@code network/prefixBits}, e.g. {@code 2001:db8::/64}. */
    @Override
    public String toString() {
        return network + "/" + prefixBits;
    }

    private static int parsePrefix(String text, int from, int maxBits) {
        int to = text.length();
        if (from == to) {
            throw notCidr(text, "empty prefix length after '/'");
        }
        if (to - from > 3) {
            throw notCidr(text, "prefix length is not a number from 0 to " + maxBits);
        }
        int value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw notCidr(text, "prefix length is not a number from 0 to " + maxBits);
            }
            value = value * 10 + (c - '0');
        }
        if (to - from > 1 && text.charAt(from) == '0') {
            throw notCidr(text, "leading zero in prefix length");
        }
        if (value > maxBits) {
            throw notCidr(text, "prefix length " + value + " is out of range for "
                    + (maxBits == 32 ? "IPv4 (0 to 32)" : "IPv6 (0 to 128)"));
        }
        return value;
    }

    private static IllegalArgumentException notCidr(String text, String why) {
        return new IllegalArgumentException("not a CIDR block: " + Texts.quote(text) + " (" + why + ")");
    }
}
