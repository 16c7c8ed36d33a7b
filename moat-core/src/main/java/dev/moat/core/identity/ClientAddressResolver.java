package dev.moat.core.identity;

import dev.moat.core.Ascii;

import java.util.Collection;
import java.util.List;
import java.util.ListIterator;
import java.util.Objects;

/**
 * Finds the end user's address behind trusted reverse proxies and load balancers.
 *
 * <p>Without this, every user behind one load balancer shares the balancer's address, so one
 * user's rate limit or ban hits everyone (LibreChat issue #3915). With it done naively (believing
 * the left-most {@code X-Forwarded-For} entry), any client picks its own address by sending the
 * header, and walks out of its bans. The rules:
 *
 * <ul>
 *   <li>If the TCP peer is not a trusted proxy, forwarding headers are ignored: the peer is the
 *       client.
 *   <li>Otherwise the first header present among {@link #headers()} (by default
 *       {@code Forwarded}, then {@code X-Forwarded-For}, then {@code X-Real-IP}) is read as a
 *       list of hops; several instances of it are one list, in order. Only that header is used,
 *       even if it turns out unusable.
 *   <li>Hops are walked from right (nearest) to left. Trusted proxies are skipped; the first hop
 *       that is not a trusted proxy is the client. If every hop is trusted, the left-most is.
 *   <li>A hop that cannot be used stops the walk, and the client is the last good address to its
 *       right (or the peer): a malformed entry, {@code for=unknown}, an obfuscated identifier
 *       ({@code for=_hidden}), a {@code Forwarded} element without {@code for}. Nothing to the left
 *       of such a hop can be believed, since no trusted proxy vouched for it.
 *   <li>Empty list elements ({@code a,,b}) are skipped, as HTTP lists require.
 * </ul>
 *
 * <p>Work is bounded whatever the client sends: at most {@value #MAX_HOPS} list elements are
 * examined from the right, an element longer than {@value #MAX_HOP_CHARS} characters stops the
 * walk, and headers are scanned in place, never split or copied.
 *
 * <p><b>Configure the header list to match your proxies.</b> A proxy that appends to
 * {@code X-Forwarded-For} but passes a client's own {@code Forwarded} header through untouched
 * (nginx's {@code $proxy_add_x_forwarded_for}, for instance) lets that client choose its address
 * under the default order, because {@code Forwarded} is read first. Behind such a proxy, use
 * {@code List.of(ForwardingHeader.X_FORWARDED_FOR)}, or have the proxy drop incoming
 * {@code Forwarded} headers.
 *
 * <p>Immutable and thread-safe. A {@link CidrSet} passed in is used live, not copied.
 */
public final class ClientAddressResolver {

    /*
     * How it works and why.
     *
     * Each header instance is scanned backwards from its end. For one element we look left for
     * the separating comma, at most MAX_HOP_CHARS + 1 characters; in Forwarded, commas inside a
     * quoted-string do not count (a '"' toggles the quoted state unless an odd run of backslashes
     * precedes it). Only the element found, a few dozen characters, is then parsed forwards:
     * X-Forwarded-For and X-Real-IP elements as an IpAddress (port and brackets allowed),
     * Forwarded elements as ';'-separated name=value pairs of which only "for" matters. So a 1 MB
     * header costs at most MAX_HOPS * (MAX_HOP_CHARS + 1) character reads and no copy of it, and a
     * list of 100k hops is read only at its right end, which is the only part a trusted proxy
     * wrote.
     *
     * Scanning backwards is also the right way to read these lists when the left part is hostile:
     * the elements written by our proxies are well-formed and sit on the right, so they are
     * delimited correctly whatever junk (an unbalanced quote, say) the client put on the left,
     * and the walk stops at that junk before believing anything beyond it. Each instance is
     * scanned on its own: a quoted string cannot span two header lines.
     */

    /** The forwarding headers this resolver can read. */
    public enum ForwardingHeader {
        /** RFC 7239 {@code Forwarded}: {@code for=} parameters, quoted IPv6 in brackets. */
        FORWARDED("forwarded"),
        /** {@code X-Forwarded-For}: a comma-separated list of addresses. */
        X_FORWARDED_FOR("x-forwarded-for"),
        /** {@code X-Real-IP}: usually one address, set by nginx from {@code $remote_addr}. */
        X_REAL_IP("x-real-ip");

        private final String headerName;

        ForwardingHeader(String headerName) {
            this.headerName = headerName;
        }

        /** The lower-case header name passed to {@link HeaderLookup#all(String)}. */
        public String headerName() {
            return headerName;
        }
    }

    /** Forwarded, then X-Forwarded-For, then X-Real-IP. */
    public static final List<ForwardingHeader> DEFAULT_HEADERS = List.of(
            ForwardingHeader.FORWARDED, ForwardingHeader.X_FORWARDED_FOR, ForwardingHeader.X_REAL_IP);

    /** How many list elements are examined from the right before the walk stops. */
    public static final int MAX_HOPS = 32;

    /** Longest list element examined; a longer one stops the walk. */
    public static final int MAX_HOP_CHARS = 512;

    private static final int TOO_LONG = -1;

    private final CidrSet trustedProxies;
    private final List<ForwardingHeader> headers;

    /** Trusts these proxies and reads the {@link #DEFAULT_HEADERS}. */
    public ClientAddressResolver(CidrSet trustedProxies) {
        this(trustedProxies, DEFAULT_HEADERS);
    }

    /** Trusts these proxies and reads the {@link #DEFAULT_HEADERS}. */
    public ClientAddressResolver(Collection<Cidr> trustedProxies) {
        this(CidrSet.of(trustedProxies), DEFAULT_HEADERS);
    }

    /**
     * Trusts these proxies and reads the first present of {@code headersInOrder}.
     *
     * @throws IllegalArgumentException if {@code headersInOrder} names a header twice
     */
    public ClientAddressResolver(CidrSet trustedProxies, List<ForwardingHeader> headersInOrder) {
        this.trustedProxies = Objects.requireNonNull(trustedProxies, "trustedProxies");
        this.headers = List.copyOf(headersInOrder);
        if (this.headers.stream().distinct().count() != this.headers.size()) {
            throw new IllegalArgumentException("a forwarding header is listed twice: " + headersInOrder);
        }
    }

    /** The trusted proxies. */
    public CidrSet trustedProxies() {
        return trustedProxies;
    }

    /** The headers consulted, in order of preference. */
    public List<ForwardingHeader> headers() {
        return headers;
    }

    /**
     * The end user's address for a request that arrived from {@code peer} with these headers.
     * Never throws for any header content; returns {@code peer} or an address named in a header.
     */
    public IpAddress resolve(IpAddress peer, HeaderLookup requestHeaders) {
        Objects.requireNonNull(peer, "peer");
        Objects.requireNonNull(requestHeaders, "requestHeaders");
        if (!trustedProxies.contains(peer)) {
            return peer;
        }
        for (ForwardingHeader header : headers) {
            List<String> values = requestHeaders.all(header.headerName);
            if (values != null && !values.isEmpty()) {
                return walk(values, header == ForwardingHeader.FORWARDED, peer);
            }
        }
        return peer;
    }

    private IpAddress walk(List<String> values, boolean forwarded, IpAddress peer) {
        IpAddress client = peer;
        int budget = MAX_HOPS;
        ListIterator<String> instances = values.listIterator(values.size());
        while (instances.hasPrevious()) {
            String value = instances.previous();
            if (value == null) {
                if (budget-- == 0) {
                    return client;
                }
                continue;
            }
            int end = value.length();
            while (true) {
                if (budget-- == 0) {
                    return client;
                }
                int start = elementStart(value, end, forwarded);
                if (start == TOO_LONG) {
                    return client;
                }
                int from = start;
                int to = end;
                while (from < to && isOws(value.charAt(from))) {
                    from++;
                }
                while (to > from && isOws(value.charAt(to - 1))) {
                    to--;
                }
                if (from < to) {
                    IpAddress hop = forwarded ? forwardedFor(value, from, to) : plainHop(value, from, to);
                    if (hop == null) {
                        return client;
                    }
                    if (!trustedProxies.contains(hop)) {
                        return hop;
                    }
                    client = hop;
                }
                if (start == 0) {
                    break;
                }
                end = start - 1; // skip the comma
            }
        }
        return client;
    }

    /**
     * Where the list element ending at {@code end} starts: just after the nearest separating comma
     * to the left, or 0; {@link #TOO_LONG} if the element is longer than {@link #MAX_HOP_CHARS}.
     */
    private static int elementStart(String value, int end, boolean quotedStrings) {
        int floor = end - MAX_HOP_CHARS - 1;
        int stop = Math.max(floor, 0);
        boolean quoted = false;
        for (int i = end - 1; i >= stop; i--) {
            char c = value.charAt(i);
            if (c == ',' && !quoted) {
                return i + 1;
            }
            if (c == '"' && quotedStrings) {
                int j = i - 1;
                while (j >= stop && value.charAt(j) == '\\') {
                    j--;
                }
                if (((i - 1 - j) & 1) == 0) {
                    quoted = !quoted;
                }
            }
        }
        return floor < 0 ? 0 : TOO_LONG;
    }

    /** An X-Forwarded-For or X-Real-IP element: an address, maybe with a port or brackets. */
    private static IpAddress plainHop(String value, int from, int to) {
        if (to - from > IpAddress.MAX_TEXT_CHARS) {
            return null;
        }
        return IpAddress.tryParse(value.substring(from, to));
    }

    /**
     * The address in the {@code for} parameter of a Forwarded element, or null when the element is
     * malformed, has no or several {@code for}, or names an unknown or obfuscated node.
     */
    private static IpAddress forwardedFor(String value, int from, int to) {
        String node = null;
        int i = from;
        while (i < to) {
            while (i < to && isOws(value.charAt(i))) {
                i++;
            }
            if (i == to) {
                break;
            }
            if (value.charAt(i) == ';') {
                i++; // an empty pair
                continue;
            }
            int nameStart = i;
            while (i < to && Ascii.isTokenChar(value.charAt(i))) {
                i++;
            }
            if (i == nameStart || i == to || value.charAt(i) != '=') {
                return null;
            }
            boolean isFor = i - nameStart == 3 && value.regionMatches(true, nameStart, "for", 0, 3);
            i++;
            String pairValue;
            if (i < to && value.charAt(i) == '"') {
                StringBuilder text = new StringBuilder();
                i++;
                boolean closed = false;
                while (i < to) {
                    char c = value.charAt(i);
                    if (c == '\\') {
                        if (i + 1 == to) {
                            return null;
                        }
                        text.append(value.charAt(i + 1));
                        i += 2;
                    } else if (c == '"') {
                        closed = true;
                        i++;
                        break;
                    } else {
                        text.append(c);
                        i++;
                    }
                }
                if (!closed) {
                    return null;
                }
                pairValue = text.toString();
            } else {
                int valueStart = i;
                while (i < to && value.charAt(i) != ';' && !isOws(value.charAt(i))) {
                    if (value.charAt(i) == '"') {
                        return null;
                    }
                    i++;
                }
                if (i == valueStart) {
                    return null;
                }
                pairValue = value.substring(valueStart, i);
            }
            while (i < to && isOws(value.charAt(i))) {
                i++;
            }
            if (i < to) {
                if (value.charAt(i) != ';') {
                    return null;
                }
                i++;
            }
            if (isFor) {
                if (node != null) {
                    return null;
                }
                node = pairValue;
            }
        }
        return node == null ? null : nodeAddress(node);
    }

    /** RFC 7239 node: an address with an optional port, which may be obfuscated ({@code :_p1}). */
    private static IpAddress nodeAddress(String node) {
        if (node.isEmpty() || node.charAt(0) == '_' || node.equalsIgnoreCase("unknown")) {
            return null;
        }
        int colon = node.lastIndexOf(':');
        if (colon > 0 && colon + 2 < node.length() && node.charAt(colon + 1) == '_') {
            for (int k = colon + 2; k < node.length(); k++) {
                char c = node.charAt(k);
                if (!(isAlphaNumeric(c) || c == '.' || c == '_' || c == '-')) {
                    return null;
                }
            }
            String host = node.substring(0, colon);
            if (!(host.endsWith("]") || host.indexOf(':') < 0)) {
                return null;
            }
            node = host;
        }
        return IpAddress.tryParse(node);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    private static boolean isAlphaNumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
