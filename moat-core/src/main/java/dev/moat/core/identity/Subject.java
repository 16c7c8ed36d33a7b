package dev.moat.core.identity;

import java.util.Locale;
import java.util.Objects;

/**
 * Who a ban, a score or a counter belongs to: {@code user:<id>}, {@code ip:<address>},
 * {@code cidr:<prefix>}, {@code server:<name>} or {@code appservice:<id>}. Immutable, compared
 * by its canonical text, which is what {@link #toString()} returns and what stores use as a key.
 *
 * <p>Canonical forms: the kind is lower case; {@code ip} and {@code cidr} values are normalised by
 * {@link IpAddress} and {@link Cidr} ({@code ip:[2001:DB8::1]:443} is {@code ip:2001:db8::1},
 * {@code ip:::ffff:10.0.0.1} is {@code ip:10.0.0.1}, {@code cidr:203.0.113.9/24} is
 * {@code cidr:203.0.113.0/24}); and a CIDR block of one address is that address, so
 * {@code cidr:203.0.113.7/32} is {@code ip:203.0.113.7} (one name per set of addresses, so a ban
 * made under one spelling is found and lifted under the other). The other ids are kept exactly as
 * given, case included: chat servers differ on whether their ids are case-sensitive, and guessing
 * wrong would merge two people.
 *
 * <p>An id is refused when it is empty, longer than {@value #MAX_ID_CHARS} UTF-16 code units, or
 * contains control characters, line or paragraph separators, or unpaired surrogates (which would
 * make two different ids encode to the same UTF-8 bytes).
 */
public final class Subject {

    /** Longest id accepted, in UTF-16 code units. */
    public static final int MAX_ID_CHARS = 512;

    private static final int MAX_TEXT_CHARS = "appservice:".length() + MAX_ID_CHARS;

    /** The kinds of subject, each with the prefix that names it in text. */
    public enum Kind {
        USER("user"),
        IP("ip"),
        CIDR("cidr"),
        SERVER("server"),
        APPSERVICE("appservice");

        private final String prefix;

        Kind(String prefix) {
            this.prefix = prefix;
        }

        /** The text before the colon: {@code user}, {@code ip}, {@code cidr}, ... */
        public String prefix() {
            return prefix;
        }

        /** The kind with this prefix (case-insensitive), or null. */
        static Kind ofPrefix(String text, int from, int to) {
            for (Kind kind : values()) {
                if (kind.prefix.length() == to - from && text.regionMatches(true, from, kind.prefix, 0, to - from)) {
                    return kind;
                }
            }
            return null;
        }
    }

    private final Kind kind;
    private final String id;
    private final String text;
    private final Object value; // the IpAddress of an IP subject, the Cidr of a CIDR subject

    private Subject(Kind kind, String id, Object value) {
        this.kind = kind;
        this.id = id;
        this.text = kind.prefix + ":" + id;
        this.value = value;
    }

    /**
     * Parses {@code kind:id}. The kind is case-insensitive; the id is everything after the first
     * colon (so {@code user:@alice:example.org} has the id {@code @alice:example.org}).
     *
     * @throws IllegalArgumentException with a message that quotes the text and says what is wrong
     * @throws NullPointerException if {@code text} is null
     */
    public static Subject parse(String text) {
        Objects.requireNonNull(text, "text");
        if (text.length() > MAX_TEXT_CHARS) {
            throw invalid(text, "id is longer than " + MAX_ID_CHARS + " characters");
        }
        int colon = text.indexOf(':');
        if (colon < 0) {
            throw invalid(text, "expected kind:id, e.g. user:@alice:example.org or ip:203.0.113.7");
        }
        Kind kind = Kind.ofPrefix(text, 0, colon);
        if (kind == null) {
            throw invalid(text, "unknown kind " + Texts.quote(text.substring(0, colon))
                    + ", expected user, ip, cidr, server or appservice");
        }
        String id = text.substring(colon + 1);
        switch (kind) {
            case IP: {
                if (id.indexOf('/') >= 0) {
                    throw invalid(text, "an ip subject is one address; use cidr: for a block");
                }
                IpAddress address;
                try {
                    address = IpAddress.parse(id);
                } catch (IllegalArgumentException e) {
                    throw invalid(text, e.getMessage());
                }
                return ip(address);
            }
            case CIDR: {
                Cidr cidr;
                try {
                    cidr = Cidr.parse(id);
                } catch (IllegalArgumentException e) {
                    throw invalid(text, e.getMessage());
                }
                return cidr(cidr);
            }
            default: {
                String problem = idProblem(id);
                if (problem != null) {
                    throw invalid(text, problem);
                }
                return new Subject(kind, id, null);
            }
        }
    }

    /** {@code user:<id>}; the id is kept as given. @throws IllegalArgumentException if invalid */
    public static Subject user(String id) {
        return plain(Kind.USER, id);
    }

    /** {@code server:<name>}; the name is kept as given. @throws IllegalArgumentException if invalid */
    public static Subject server(String name) {
        return plain(Kind.SERVER, name);
    }

    /** {@code appservice:<id>}; the id is kept as given. @throws IllegalArgumentException if invalid */
    public static Subject appservice(String id) {
        return plain(Kind.APPSERVICE, id);
    }

    /** {@code ip:<address>} in canonical form. */
    public static Subject ip(IpAddress address) {
        Objects.requireNonNull(address, "address");
        return new Subject(Kind.IP, address.toString(), address);
    }

    /**
     * {@code cidr:<block>} in canonical form, or {@code ip:<address>} when the block is a single
     * address (see the class comment).
     */
    public static Subject cidr(Cidr block) {
        Objects.requireNonNull(block, "block");
        if (block.isSingleAddress()) {
            return ip(block.network());
        }
        return new Subject(Kind.CIDR, block.toString(), block);
    }

    /** What sort of subject this is. */
    public Kind kind() {
        return kind;
    }

    /** The part after {@code kind:}, canonical for {@code ip} and {@code cidr}. */
    public String id() {
        return id;
    }

    /**
     * The address of an {@code ip} subject.
     *
     * @throws IllegalStateException for any other kind
     */
    public IpAddress asIpAddress() {
        if (kind != Kind.IP) {
            throw new IllegalStateException(text + " is not an ip subject");
        }
        return (IpAddress) value;
    }

    /**
     * The block of a {@code cidr} subject.
     *
     * @throws IllegalStateException for any other kind
     */
    public Cidr asCidr() {
        if (kind != Kind.CIDR) {
            throw new IllegalStateException(text + " is not a cidr subject");
        }
        return (Cidr) value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Subject && ((Subject) o).text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }

    /** Canonical {@code kind:id}. */
    @Override
    public String toString() {
        return text;
    }

    private static Subject plain(Kind kind, String id) {
        Objects.requireNonNull(id, "id");
        String problem = idProblem(id);
        if (problem != null) {
            throw new IllegalArgumentException("invalid " + kind.prefix + " id " + Texts.quote(id) + ": " + problem);
        }
        return new Subject(kind, id, null);
    }

    /** Why {@code id} is not acceptable, or null. Length first, so a huge id is not scanned. */
    private static String idProblem(String id) {
        int length = id.length();
        if (length == 0) {
            return "empty id";
        }
        if (length > MAX_ID_CHARS) {
            return "id is longer than " + MAX_ID_CHARS + " characters";
        }
        for (int i = 0; i < length; i++) {
            char c = id.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                return String.format(Locale.ROOT, "control character U+%04X at position %d", (int) c, i);
            }
            if (Character.isHighSurrogate(c) && i + 1 < length && Character.isLowSurrogate(id.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return "unpaired surrogate at position " + i;
            }
        }
        return null;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid subject " + Texts.quote(text) + ": " + why);
    }
}
