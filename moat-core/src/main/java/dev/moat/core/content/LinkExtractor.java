package dev.moat.core.content;

import java.net.IDN;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Finds the links in a chat message and returns them normalised, so that link spam can be
 * counted per link whatever disguise each copy wears.
 *
 * <h2>How it works and why</h2>
 *
 * <p>Three linear passes, no regular expressions, no recursion:
 * <ol>
 *   <li>{@link Deobfuscator} undoes disguises ({@code example[.]com}, {@code hxxp://},
 *       zero-width characters, full-width letters and dots) over at most
 *       {@link Deobfuscator#MAX_SCAN_CHARS} characters.</li>
 *   <li>The result is cut into <em>tokens</em> at spaces, at {@code < > " ` ^ { } | \}, and at
 *       non-ASCII characters that are neither letters, digits nor combining marks (quotes, CJK
 *       punctuation, emoji). Inside a token, a link starts either at {@code http://} or
 *       {@code https://} (not preceded by a letter or digit), or at a <em>bare domain</em>.</li>
 *   <li>A scheme link runs to the end of its token, or to the next {@code http(s)://} in it, and
 *       at most {@link #MAX_LINK_CHARS} chars of it are kept. Any host is accepted after a scheme
 *       (IP addresses, {@code localhost}, any TLD).</li>
 * </ol>
 *
 * <p><b>The bare-domain rule</b> (no scheme written), chosen to flag what a chat client would make
 * clickable and little else: a run of letters, digits, {@code -}, {@code _} and {@code .} that is
 * not preceded by {@code @} (an e-mail address is not a link) is read left to right label by label;
 * it is a domain up to the <em>last</em> label boundary where (a) there are at least two labels,
 * (b) every label so far is 1-63 letters, digits or hyphens not starting or ending with a hyphen,
 * (c) the label before the boundary is a delegated top-level domain ({@link KnownTlds}, the ICANN
 * part of the Public Suffix List, internationalised TLDs compared in {@code xn--} form), and (d)
 * that TLD is not written in title case ({@code done.Now}, {@code Dr.Who} are sentences missing a
 * space, not domains; {@code EXAMPLE.COM} and {@code example.com} are domains). The whole run must
 * fit in 253 characters, and a run is cut where ASCII letters meet letters of a non-Latin script
 * (Chinese, Japanese and Thai text glues a domain to the words around it). So {@code e.g.},
 * {@code i.e.}, {@code 3.14}, {@code file.txt}, {@code photo.jpg}, {@code node.js} are not links,
 * while {@code sub.example.co.uk/path}, {@code bücher.de} and
 * {@code example.com.} at the end of a sentence are. A dotted-quad IPv4 address counts without a
 * scheme only when a port or a path follows it ({@code 203.0.113.9:8080}, {@code 203.0.113.9/x}),
 * so version numbers do not. A bare domain directly followed by {@code : / ? #} takes the rest of
 * its token as port, path and query.
 *
 * <p>Every link found goes through {@link LinkNormaliser}; duplicates are removed and at most
 * {@link #MAX_LINKS} distinct links are returned, in order of first appearance.
 */
public final class LinkExtractor {

    /** At most this many distinct links are returned for one message. */
    public static final int MAX_LINKS = 32;

    /** At most this many chars of one link are looked at; the rest of it is ignored. */
    public static final int MAX_LINK_CHARS = 2048;

    private static final int MAX_HOST_CHARS = 253;
    private static final int MAX_LABEL_CHARS = 63;

    private LinkExtractor() {
    }

    /**
     * The distinct normalised links in {@code text} (at most {@link #MAX_LINKS}), in order of first
     * appearance; empty when there is none. Never throws for any input; {@code null} gives none.
     */
    public static List<String> extract(CharSequence text) {
        if (text == null || text.length() == 0) {
            return List.of();
        }
        String t = Deobfuscator.deobfuscate(text);
        if (text.length() > Deobfuscator.MAX_SCAN_CHARS) {
            // The scan stopped mid-text: drop the last word, which may be cut ("a.com" read as
            // "a.co"), unless it is long enough that any link in it is cut at MAX_LINK_CHARS anyway.
            int lastSpace = t.lastIndexOf(' ');
            if (lastSpace > 0 && t.length() - lastSpace < MAX_LINK_CHARS) {
                t = t.substring(0, lastSpace);
            }
        }
        Set<String> links = new LinkedHashSet<>();
        int n = t.length();
        int i = 0;
        while (i < n && links.size() < MAX_LINKS) {
            if (isDelimiter(t, i)) {
                i++;
                continue;
            }
            int end = i;
            while (end < n && !isDelimiter(t, end)) {
                end++;
            }
            scanToken(t, i, end, links);
            i = end;
        }
        return List.copyOf(links);
    }

    /** Finds links in the token {@code t[start, end)}; each char is visited a bounded number of times. */
    private static void scanToken(String t, int start, int end, Set<String> links) {
        int p = start;
        while (p < end && links.size() < MAX_LINKS) {
            char c = t.charAt(p);
            if (isSchemeAt(t, p, end) && (p == start || !Character.isLetterOrDigit(t.charAt(p - 1)))) {
                int next = nextScheme(t, p + 7, end);
                add(links, t, p, next);
                p = next;
                continue;
            }
            if (!isHostStart(c)) {
                p++;
                continue;
            }
            int runEnd = p + 1;
            while (runEnd < end && isHostChar(t.charAt(runEnd)) && !isScriptBreak(t.charAt(runEnd - 1), t.charAt(runEnd))) {
                runEnd++;
            }
            if ((p > start && t.charAt(p - 1) == '@') || (runEnd < end && t.charAt(runEnd) == '@')) {
                p = runEnd; // either half of an e-mail address
                continue;
            }
            int hostEnd = bareDomainEnd(t, p, runEnd, end);
            if (hostEnd > p) {
                int linkEnd = hostEnd;
                if (hostEnd == runEnd && runEnd < end && ":/?#".indexOf(t.charAt(runEnd)) >= 0) {
                    linkEnd = nextScheme(t, runEnd, end);
                }
                add(links, t, p, linkEnd);
                p = linkEnd;
            } else {
                p = runEnd;
            }
        }
    }

    /** Normalises {@code t[from, to)}, cut to {@link #MAX_LINK_CHARS}, and adds it to {@code links}. */
    private static void add(Set<String> links, String t, int from, int to) {
        String candidate = t.substring(from, Math.min(to, from + MAX_LINK_CHARS));
        if (to - from > MAX_LINK_CHARS) {
            // a cut link: drop the query parameter the cut went through, rather than keep half a name
            int query = candidate.indexOf('?');
            int amp = candidate.lastIndexOf('&');
            if (query >= 0 && amp > query) {
                candidate = candidate.substring(0, amp);
            }
        }
        String normal = LinkNormaliser.normalise(candidate);
        if (normal != null) {
            links.add(normal);
        }
    }

    private static boolean isSchemeAt(String t, int p, int end) {
        char c = t.charAt(p);
        if (c != 'h' && c != 'H') {
            return false;
        }
        return (end - p > 7 && t.regionMatches(true, p, "http://", 0, 7))
                || (end - p > 8 && t.regionMatches(true, p, "https://", 0, 8));
    }

    /** The position of the next scheme link in {@code t[from, end)}, or {@code end}. */
    private static int nextScheme(String t, int from, int end) {
        for (int k = from; k < end; k++) {
            if (isSchemeAt(t, k, end) && !Character.isLetterOrDigit(t.charAt(k - 1))) {
                return k;
            }
        }
        return end;
    }

    /**
     * Where the bare domain that starts the host-character run {@code t[p, runEnd)} ends, or
     * {@code p} when the run holds none (see the class comment for the rule).
     */
    private static int bareDomainEnd(String t, int p, int runEnd, int tokenEnd) {
        if (runEnd - p > MAX_HOST_CHARS + 1) {
            return p;
        }
        int best = p;
        int labels = 0;
        boolean allDigits = true;
        int labelStart = p;
        for (int k = p; k <= runEnd; k++) {
            if (k < runEnd && t.charAt(k) != '.') {
                continue;
            }
            if (!isValidLabel(t, labelStart, k)) {
                break;
            }
            labels++;
            if (allDigits && !isDigits(t, labelStart, k)) {
                allDigits = false;
            }
            if (labels >= 2 && isTld(t, labelStart, k)) {
                best = k;
            }
            labelStart = k + 1;
            if (k + 1 >= runEnd) {
                break;
            }
        }
        if (best == p && allDigits && labels == 4 && isIpv4(t.substring(p, stripDots(t, p, runEnd)))
                && runEnd + 1 < tokenEnd && (t.charAt(runEnd) == '/'
                || (t.charAt(runEnd) == ':' && isDigits(t, runEnd + 1, runEnd + 2)))) {
            best = runEnd;
        }
        return best;
    }

    private static int stripDots(String t, int p, int end) {
        while (end > p && t.charAt(end - 1) == '.') {
            end--;
        }
        return end;
    }

    private static boolean isIpv4(String s) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    private static boolean isValidLabel(String t, int from, int to) {
        int len = to - from;
        if (len < 1 || len > MAX_LABEL_CHARS || t.charAt(from) == '-' || t.charAt(to - 1) == '-') {
            return false;
        }
        for (int k = from; k < to; k++) {
            if (t.charAt(k) == '_') {
                return false;
            }
        }
        return true;
    }

    private static boolean isDigits(String t, int from, int to) {
        for (int k = from; k < to; k++) {
            char c = t.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean isTld(String t, int from, int to) {
        int len = to - from;
        if (len < 2 || len > MAX_LABEL_CHARS) {
            return false;
        }
        boolean ascii = true;
        boolean upperFirst = Character.isUpperCase(t.charAt(from));
        boolean lowerLater = false;
        for (int k = from; k < to; k++) {
            char c = t.charAt(k);
            if (c >= 0x80) {
                ascii = false;
            }
            if (k > from && Character.isLowerCase(c)) {
                lowerLater = true;
            }
        }
        if (upperFirst && lowerLater) {
            return false;
        }
        String label = t.substring(from, to).toLowerCase(Locale.ROOT);
        if (!ascii) {
            try {
                label = IDN.toASCII(label, IDN.ALLOW_UNASSIGNED).toLowerCase(Locale.ROOT);
            } catch (RuntimeException refused) {
                return false;
            }
        }
        return KnownTlds.contains(label);
    }

    /**
     * Whether a bare domain cannot continue from {@code a} to {@code b}: one is an ASCII letter or
     * digit and the other a letter of a non-Latin script. Languages written without spaces (Chinese,
     * Japanese, Thai) glue a domain to the words around it; a real label does not mix the two.
     */
    private static boolean isScriptBreak(char a, char b) {
        boolean asciiA = a < 0x80 && LinkNormaliser.isAsciiAlnum(a);
        boolean asciiB = b < 0x80 && LinkNormaliser.isAsciiAlnum(b);
        if (asciiA == asciiB) {
            return false;
        }
        char other = asciiA ? b : a;
        if (other < 0x80 || Character.isSurrogate(other) || !Character.isLetter(other)) {
            return false;
        }
        Character.UnicodeScript script = Character.UnicodeScript.of(other);
        return script != Character.UnicodeScript.LATIN && script != Character.UnicodeScript.COMMON
                && script != Character.UnicodeScript.INHERITED;
    }

    private static boolean isHostStart(char c) {
        if (c < 0x80) {
            return LinkNormaliser.isAsciiAlnum(c);
        }
        return Character.isLetterOrDigit(c);
    }

    private static boolean isHostChar(char c) {
        if (c < 0x80) {
            return LinkNormaliser.isAsciiAlnum(c) || c == '-' || c == '.' || c == '_';
        }
        return Character.isLetterOrDigit(c) || LinkNormaliser.isMark(c);
    }

    /** Whether the char at {@code i} ends a token: space, URL-unsafe ASCII, non-letter Unicode. */
    private static boolean isDelimiter(String t, int i) {
        char c = t.charAt(i);
        if (c < 0x80) {
            return c <= ' ' || c == '<' || c == '>' || c == '"' || c == '`' || c == '^' || c == '{'
                    || c == '}' || c == '|' || c == '\\' || c == 0x7F;
        }
        int cp = c;
        if (Character.isHighSurrogate(c) && i + 1 < t.length()) {
            cp = Character.codePointAt(t, i);
        } else if (Character.isLowSurrogate(c) && i > 0) {
            cp = Character.codePointAt(t, i - 1);
        }
        return !(Character.isLetterOrDigit(cp) || LinkNormaliser.isMark(cp));
    }
}
