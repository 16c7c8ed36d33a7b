package dev.moat.core.content;

import dev.moat.core.Ascii;

import java.net.IDN;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Turns one link into the canonical string under which link spam is counted, so that trivial
 * variations of a link count as the same link.
 *
 * <h2>How it works and why</h2>
 *
 * <p>A spammer who is counted per distinct link varies the link. Every variation that still
 * opens the same page should give the same string, so {@link #normalise} applies, in order:
 * <ol>
 *   <li>cut the input to {@link #MAX_INPUT_CHARS}, and strip trailing punctuation
 *       {@code . , ; : ! ? ' "} and closing brackets {@code ) ] }} that have no opening partner in
 *       the link (so {@code (see example.com/a_(b))} keeps its balanced last bracket);</li>
 *   <li>drop the scheme ({@code http} and {@code https} are the same link; any other scheme is
 *       not a link), the user info ({@code user:pw@}), the fragment, and the default ports 80 and
 *       443;</li>
 *   <li>host: percent-decode letters, digits, {@code -} and {@code .}; lower-case; strip trailing
 *       dots; convert to its ASCII (punycode) form with {@link IDN#toASCII} (guarded: a host IDN
 *       refuses, or maps to characters no host holds, is kept in its lower-case Unicode form,
 *       which is still a stable key); drop leading
 *       {@code www.}; a host with characters no host can hold gives no link;</li>
 *   <li>path and query: percent-decode the unreserved characters ({@code A-Z a-z 0-9 - . _ ~}),
 *       upper-case the hex of the escapes that remain, percent-encode non-ASCII as UTF-8 and the
 *       brackets {@code ( ) [ ] { }}, treat {@code \} as {@code /}, remove {@code .} and
 *       {@code ..} segments, then strip trailing {@code /} and punctuation from the path;</li>
 *   <li>query: strip trailing punctuation from each parameter, drop empty parameters and tracking
 *       parameters ({@code utm_*} and {@link #TRACKING_PARAMETERS}), keep at most
 *       {@link #MAX_QUERY_PARAMETERS}, sort the rest.</li>
 * </ol>
 * The result looks like {@code example.com/path?a=1&b=2}: host, then {@code :port} when not a
 * default, then path, then {@code ?query}. It never ends with punctuation or a bracket and holds
 * no dot segment, so normalising a normalised link gives it back unchanged when it fits in
 * {@link #MAX_INPUT_CHARS} (a property the fuzz targets check). Every step is a bounded number of linear passes over at most
 * {@link #MAX_INPUT_CHARS} characters.
 */
public final class LinkNormaliser {

    /**
     * The longest input looked at; the rest is cut off before normalising (32 Ki chars). It is
     * well above the longest normal form of a link the extractor cuts at
     * {@link LinkExtractor#MAX_LINK_CHARS} (percent-encoding grows a char to at most 9), so such a
     * normal form normalises to itself.
     */
    public static final int MAX_INPUT_CHARS = 1 << 15;

    /** At most this many query parameters are kept (after dropping tracking ones). */
    public static final int MAX_QUERY_PARAMETERS = 64;

    /** Query parameters that only track where a click came from; {@code utm_*} is dropped too. */
    public static final Set<String> TRACKING_PARAMETERS = Set.of(
            "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "mc_eid", "mc_cid", "igshid", "ref",
            "ref_src", "ref_url", "yclid", "_ga", "_gl", "si", "twclid", "ttclid", "wbraid", "gbraid",
            "_hsenc", "_hsmi", "mkt_tok", "vero_id", "oly_enc_id", "oly_anon_id", "rb_clickid",
            "s_cid", "srsltid", "epik");

    private static final int MAX_HOST_CHARS = 253;

    private LinkNormaliser() {
    }

    /**
     * The canonical form of {@code link}, or {@code null} when it is not an http(s) link or a
     * bare host with a usable host name. Never throws for any input.
     *
     * @param link an absolute http(s) URL, a protocol-relative {@code //host/...}, or a bare
     *             {@code host[:port][/path][?query][#fragment]}
     */
    public static String normalise(CharSequence link) {
        if (link == null) {
            return null;
        }
        String s = stripTrailingPunctuation(link.subSequence(0, Math.min(link.length(), MAX_INPUT_CHARS)).toString());
        int i = 0;
        if (s.regionMatches(true, 0, "http://", 0, 7)) {
            i = 7;
        } else if (s.regionMatches(true, 0, "https://", 0, 8)) {
            i = 8;
        } else if (s.startsWith("//")) {
            i = 2;
        } else {
            if (hasOtherScheme(s)) {
                return null;
            }
        }
        int authorityEnd = s.length();
        for (int k = i; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '/' || c == '?' || c == '#' || c == '\\') {
                authorityEnd = k;
                break;
            }
        }
        String authority = s.substring(i, authorityEnd);
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            authority = authority.substring(at + 1);
        }
        String host;
        String portText = "";
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                return null;
            }
            host = authority.substring(0, close + 1).toLowerCase(Locale.ROOT);
            for (int k = 1; k < close; k++) {
                char c = host.charAt(k);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c == ':' || c == '.')) {
                    return null;
                }
            }
            if (close + 1 < authority.length() && authority.charAt(close + 1) == ':') {
                portText = authority.substring(close + 2);
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            portText = colon < 0 ? "" : authority.substring(colon + 1);
            host = normaliseHost(host);
            if (host == null) {
                return null;
            }
        }
        StringBuilder out = new StringBuilder(s.length() + 16).append(host);
        int port = parsePort(portText);
        if (port > 0 && port != 80 && port != 443) {
            out.append(':').append(port);
        }
        int fragment = s.indexOf('#', authorityEnd);
        int end = fragment < 0 ? s.length() : fragment;
        int query = s.indexOf('?', authorityEnd);
        if (query > end) {
            query = -1;
        }
        String path = s.substring(authorityEnd, query < 0 ? end : query);
        out.append(normalisePath(path));
        if (query >= 0) {
            String q = normaliseQuery(s.substring(query + 1, end));
            if (!q.isEmpty()) {
                out.append('?').append(q);
            }
        }
        return out.toString();
    }

    /** Whether {@code s} starts with a scheme ({@code ALPHA *(ALPHA / DIGIT / + - .)}) and {@code ://}. */
    private static boolean hasOtherScheme(String s) {
        int colon = s.indexOf("://");
        if (colon < 1 || colon > 32 || !Character.isLetter(s.charAt(0)) || s.charAt(0) >= 0x80) {
            return false;
        }
        for (int k = 1; k < colon; k++) {
            char c = s.charAt(k);
            if (!isAsciiAlnum(c) && c != '+' && c != '-' && c != '.') {
                return false;
            }
        }
        return true;
    }

    /** Strips trailing punctuation, and closing brackets that have no opener in the string. */
    static String stripTrailingPunctuation(String s) {
        int end = s.length();
        int round = 0;
        int square = 0;
        int curly = 0;
        for (int k = 0; k < end; k++) {
            switch (s.charAt(k)) {
                case '(' -> round++;
                case ')' -> round--;
                case '[' -> square++;
                case ']' -> square--;
                case '{' -> curly++;
                case '}' -> curly--;
                default -> { }
            }
        }
        while (end > 0) {
            char c = s.charAt(end - 1);
            if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\'' || c == '"') {
                end--;
            } else if (c == ')' && round < 0) {
                round++;
                end--;
            } else if (c == ']' && square < 0) {
                square++;
                end--;
            } else if (c == '}' && curly < 0) {
                curly++;
                end--;
            } else {
                break;
            }
        }
        return s.substring(0, end);
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5) {
            return -1;
        }
        int port = 0;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c < '0' || c > '9') {
                return -1;
            }
            port = port * 10 + (c - '0');
        }
        return port <= 65535 ? port : -1;
    }

    /** The canonical host, or null when {@code raw} cannot be a host name. */
    static String normaliseHost(String raw) {
        if (raw.isEmpty() || raw.length() > 3 * MAX_HOST_CHARS) {
            return null;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        boolean ascii = true;
        for (int k = 0; k < raw.length(); k++) {
            char c = raw.charAt(k);
            if (c == '%' && k + 2 < raw.length()) {
                int v = Ascii.hexDigit(raw.charAt(k + 1)) << 4 | Ascii.hexDigit(raw.charAt(k + 2));
                if (v >= 0 && (isAsciiAlnum(v) || v == '-' || v == '.')) {
                    c = (char) v;
                    k += 2;
                }
            }
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c + 32);
            }
            if (c >= 0x80) {
                if (!Character.isLetterOrDigit(c) && !isMark(c) && !Character.isSurrogate(c)) {
                    return null;
                }
                ascii = false;
            } else if (!isHostChar(c)) {
                return null;
            }
            sb.append(c);
        }
        while (sb.length() > 0 && sb.charAt(sb.length() - 1) == '.') {
            sb.setLength(sb.length() - 1);
        }
        String host = sb.toString();
        if (!ascii) {
            String punycode = null;
            try {
                punycode = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (RuntimeException refused) {
                // kept in its Unicode form below
            }
            // IDN's mapping can make what no host holds: U+037A becomes a space and U+0345, and the
            // space stays in the punycode. Such a form would not normalise to itself, so it is
            // treated as refused.
            host = punycode != null && isHostAscii(punycode) ? punycode : host.toLowerCase(Locale.ROOT);
        }
        while (host.startsWith("www.") && host.indexOf('.', 4) > 0) {
            host = host.substring(4);
        }
        if (host.isEmpty() || host.startsWith(".") || host.length() > MAX_HOST_CHARS) {
            return null;
        }
        return host;
    }

    /** An ASCII character a host may hold: a letter, a digit, {@code - . _}. */
    private static boolean isHostChar(char c) {
        return isAsciiAlnum(c) || c == '-' || c == '.' || c == '_';
    }

    /** Whether every character of {@code host} is one {@link #isHostChar} lets through. */
    private static boolean isHostAscii(String host) {
        for (int k = 0; k < host.length(); k++) {
            if (!isHostChar(host.charAt(k))) {
                return false;
            }
        }
        return true;
    }

    private static String normalisePath(String path) {
        if (path.isEmpty()) {
            return "";
        }
        String decoded = canonicalEscapes(path.replace('\\', '/'));
        String[] segments = decoded.split("/", -1);
        List<String> kept = new ArrayList<>(segments.length);
        for (int k = 1; k < segments.length; k++) {
            String seg = segments[k];
            if (seg.equals(".")) {
                continue;
            }
            if (seg.equals("..")) {
                if (!kept.isEmpty()) {
                    kept.remove(kept.size() - 1);
                }
                continue;
            }
            kept.add(seg);
        }
        StringBuilder sb = new StringBuilder(decoded.length());
        for (String seg : kept) {
            sb.append('/').append(seg);
        }
        // No trailing "/" and no trailing punctuation, even where decoding or removing segments
        // exposed some: then a normalised link normalises to itself.
        int end = sb.length();
        while (end > 0 && isTrailingJunk(sb.charAt(end - 1), true)) {
            end--;
        }
        sb.setLength(end);
        return sb.toString();
    }

    private static String normaliseQuery(String query) {
        if (query.isEmpty()) {
            return "";
        }
        List<String> kept = new ArrayList<>();
        int start = 0;
        while (start <= query.length() && kept.size() < MAX_QUERY_PARAMETERS) {
            int amp = query.indexOf('&', start);
            int end = amp < 0 ? query.length() : amp;
            String param = canonicalEscapes(query.substring(start, end));
            int paramEnd = param.length();
            while (paramEnd > 0 && isTrailingJunk(param.charAt(paramEnd - 1), false)) {
                paramEnd--;
            }
            param = param.substring(0, paramEnd);
            if (!param.isEmpty() && !param.equals("=") && !isTracking(param)) {
                kept.add(param);
            }
            if (amp < 0) {
                break;
            }
            start = amp + 1;
        }
        String[] sorted = kept.toArray(new String[0]);
        Arrays.sort(sorted);
        return String.join("&", sorted);
    }

    /** Punctuation that is not part of a link when it ends one (and {@code /} at the end of a path). */
    private static boolean isTrailingJunk(char c, boolean path) {
        return c == '.' || c == ',' || c == ';' || c == ':' || c == '!' || c == '?' || c == '\''
                || c == '"' || (path && c == '/');
    }

    private static boolean isTracking(String param) {
        int eq = param.indexOf('=');
        String name = (eq < 0 ? param : param.substring(0, eq)).toLowerCase(Locale.ROOT);
        return name.startsWith("utm_") || TRACKING_PARAMETERS.contains(name);
    }

    /**
     * Percent-decodes unreserved characters, upper-cases the hex of other escapes, and
     * percent-encodes non-ASCII characters (as UTF-8) and ASCII controls.
     */
    private static String canonicalEscapes(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c == '%') {
                int h1 = k + 1 < s.length() ? Ascii.hexDigit(s.charAt(k + 1)) : -1;
                int h2 = k + 2 < s.length() ? Ascii.hexDigit(s.charAt(k + 2)) : -1;
                if (h1 >= 0 && h2 >= 0) {
                    int v = h1 << 4 | h2;
                    if (isUnreserved(v)) {
                        sb.append((char) v);
                    } else {
                        appendEscape(sb, v);
                    }
                    k += 2;
                } else {
                    sb.append("%25");
                }
                continue;
            }
            if (c <= 0x20 || c == 0x7F || c == '(' || c == ')' || c == '[' || c == ']' || c == '{'
                    || c == '}') {
                // brackets are escaped so that no normalised link ends with a bracket that a
                // second normalisation would strip as unbalanced
                appendEscape(sb, c);
            } else if (c < 0x80) {
                sb.append(c);
            } else {
                int cp = Character.codePointAt(s, k);
                if (Character.isSurrogate(c) && Character.charCount(cp) == 1) {
                    cp = 0xFFFD;
                }
                k += Character.charCount(cp) - 1;
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    appendEscape(sb, b & 0xFF);
                }
            }
        }
        return sb.toString();
    }

    private static void appendEscape(StringBuilder sb, int v) {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(v >> 4, 16)))
                .append(Character.toUpperCase(Character.forDigit(v & 0xF, 16)));
    }

    private static boolean isUnreserved(int v) {
        return isAsciiAlnum(v) || v == '-' || v == '.' || v == '_' || v == '~';
    }

    static boolean isAsciiAlnum(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    static boolean isMark(int cp) {
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.ENCLOSING_MARK;
    }
}
