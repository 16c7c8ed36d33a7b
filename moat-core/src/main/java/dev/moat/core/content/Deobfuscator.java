package dev.moat.core.content;

import java.text.Normalizer;

/**
 * Undoes the ways people hide a link from a link detector, before any link is looked for.
 *
 * <h2>How it works and why</h2>
 *
 * <p>One left-to-right pass over at most {@link #MAX_SCAN_CHARS} characters. Each code point is
 * first <em>folded</em> ({@link #fold}): invisible characters (zero-width space/joiners, word
 * joiner, BOM, soft hyphen, bidi controls, variation selectors, tag characters) are dropped;
 * full-width, ideographic and other look-alike dots ({@code U+FF0E}, {@code U+3002},
 * {@code U+FF61}, {@code U+2024}, {@code U+FE52}) become {@code '.'}; full-width ASCII
 * ({@code U+FF01..U+FF5E}) becomes ASCII; every kind of space and control character becomes one
 * ASCII space; and code points from the blocks that hold compatibility forms of Latin letters and
 * digits (mathematical alphanumerics, circled and parenthesised letters, letter-like symbols,
 * super- and subscripts, ligatures, small form variants) are replaced by their NFKC form when that
 * form is plain ASCII. NFKC is applied per code point, only in those blocks, so a message of
 * ordinary non-Latin text costs one range check per character.
 *
 * <p>The folded characters are appended to the output through {@link #emit}, which rewrites
 * defanged notation by looking <em>back</em> at most a few characters of the output, never ahead
 * in the input, so the pass stays linear and needs no recursion or backtracking:
 * <ul>
 *   <li>a closing bracket that completes {@code [.]}, {@code (.)}, {@code {.}}, {@code [dot]},
 *       {@code (dot)}, {@code {dot}} (any case, optional single spaces inside) becomes {@code '.'},
 *       and up to two spaces on each side of it are removed, so {@code example [dot] com} reads
 *       {@code example.com};</li>
 *   <li>{@code [:]} becomes {@code ':'} and {@code [://]} becomes {@code "://"};</li>
 *   <li>a colon that completes {@code hxxp:}, {@code hxxps:}, {@code h**p:}, {@code htxp:} (any
 *       case, at the start of a word) rewrites the scheme to {@code http:} / {@code https:}.</li>
 * </ul>
 * Written-out forms without brackets ({@code example dot com}) are deliberately not undone: "dot"
 * is an ordinary English word and the false positives would outnumber the catches.
 *
 * <p>Text after the first {@link #MAX_SCAN_CHARS} characters is not examined, which bounds the
 * memory of one call (the server's default body limit of 64 KiB keeps real messages far below).
 */
final class Deobfuscator {

    /** How many UTF-16 chars of a message are examined at most (256 Ki). */
    static final int MAX_SCAN_CHARS = 1 << 18;

    private Deobfuscator() {
    }

    /** The message text with obfuscations undone, at most {@link #MAX_SCAN_CHARS} chars of it. */
    static String deobfuscate(CharSequence text) {
        int n = Math.min(text.length(), MAX_SCAN_CHARS);
        Emitter out = new Emitter(n);
        for (int i = 0; i < n; ) {
            int cp = codePointAt(text, i, n);
            i += Character.charCount(cp);
            fold(cp, out);
        }
        return out.sb.toString();
    }

    /** The code point at {@code i}, not reading at or past {@code limit} (a lone surrogate is itself). */
    static int codePointAt(CharSequence s, int i, int limit) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c) && i + 1 < limit) {
            char d = s.charAt(i + 1);
            if (Character.isLowSurrogate(d)) {
                return Character.toCodePoint(c, d);
            }
        }
        return c;
    }

    /** Whether {@code cp} renders as nothing and can be dropped without changing what a reader sees. */
    static boolean isInvisible(int cp) {
        if (cp < 0xAD) {
            return false;
        }
        return cp == 0x00AD || cp == 0x034F || cp == 0x061C || cp == 0x115F || cp == 0x1160
                || cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x180B && cp <= 0x180F)
                || (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E)
                || (cp >= 0x2060 && cp <= 0x206F) || cp == 0x3164 || (cp >= 0xFE00 && cp <= 0xFE0F)
                || cp == 0xFEFF || cp == 0xFFA0 || (cp >= 0x1BCA0 && cp <= 0x1BCA3)
                || (cp >= 0x1D173 && cp <= 0x1D17A) || (cp >= 0xE0000 && cp <= 0xE0FFF);
    }

    /** Whether {@code cp} is a dot that is not U+002E but reads as one. */
    static boolean isLookAlikeDot(int cp) {
        return cp == 0x3002 || cp == 0xFF61 || cp == 0xFF0E || cp == 0x2024 || cp == 0xFE52;
    }

    /** The blocks that hold compatibility forms whose NFKC form may be ASCII. */
    private static boolean inCompatibilityBlock(int cp) {
        return (cp >= 0x00A0 && cp <= 0x00BF) || (cp >= 0x02B0 && cp <= 0x02FF)
                || (cp >= 0x1D00 && cp <= 0x1DBF) || (cp >= 0x2024 && cp <= 0x2026)
                || (cp >= 0x2070 && cp <= 0x209F) || (cp >= 0x2100 && cp <= 0x218F)
                || (cp >= 0x2460 && cp <= 0x24FF) || (cp >= 0xFB00 && cp <= 0xFB06)
                || (cp >= 0xFE50 && cp <= 0xFE6F) || (cp >= 0x1D400 && cp <= 0x1D7FF)
                || (cp >= 0x1F100 && cp <= 0x1F1FF);
    }

    /** Folds one code point as described in the class comment and hands the result to {@code out}. */
    static void fold(int cp, Sink out) {
        if (cp < 0x80) {
            out.put(cp < 0x20 || cp == 0x7F ? ' ' : (char) cp);
            return;
        }
        if (isInvisible(cp)) {
            return;
        }
        if (isLookAlikeDot(cp)) {
            out.put('.');
            return;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            out.put((char) (cp - 0xFEE0));
            return;
        }
        if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)
                || Character.getType(cp) == Character.CONTROL) {
            out.put(' ');
            return;
        }
        if (inCompatibilityBlock(cp)) {
            String nfkc = Normalizer.normalize(new String(Character.toChars(cp)), Normalizer.Form.NFKC);
            if (!nfkc.isEmpty() && isPrintableAscii(nfkc)) {
                for (int k = 0; k < nfkc.length(); k++) {
                    out.put(nfkc.charAt(k));
                }
                return;
            }
        }
        if (Character.isBmpCodePoint(cp)) {
            out.put((char) cp);
        } else {
            out.put(Character.highSurrogate(cp));
            out.put(Character.lowSurrogate(cp));
        }
    }

    private static boolean isPrintableAscii(String s) {
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x20 || c >= 0x7F) {
                return false;
            }
        }
        return true;
    }

    /** Receives folded characters. */
    interface Sink {
        void put(char c);
    }

    /** Appends folded characters and rewrites defanged notation by looking back at its own output. */
    static final class Emitter implements Sink {
        final StringBuilder sb;
        /** Spaces still to swallow after a bracketed dot. */
        private int skipSpaces;

        Emitter(int capacity) {
            sb = new StringBuilder(Math.min(capacity, 1 << 16));
        }

        @Override
        public void put(char c) {
            if (skipSpaces > 0) {
                if (c == ' ') {
                    skipSpaces--;
                    return;
                }
                skipSpaces = 0;
            }
            sb.append(c);
            if (c == ']' || c == ')' || c == '}') {
                rewriteBracket(c == ']' ? '[' : c == ')' ? '(' : '{');
            } else if (c == ':') {
                rewriteScheme();
            }
        }

        /** The output ends with a closer: if the bracket holds a defanged dot or colon, replace it. */
        private void rewriteBracket(char opener) {
            int close = sb.length() - 1;
            int open = -1;
            for (int k = close - 1; k >= 0 && k >= close - 7; k--) {
                char c = sb.charAt(k);
                if (c == opener) {
                    open = k;
                    break;
                }
                if (c == ']' || c == ')' || c == '}') {
                    return;
                }
            }
            if (open < 0) {
                return;
            }
            int a = open + 1;
            int b = close;
            if (a < b && sb.charAt(a) == ' ') {
                a++;
            }
            if (a < b && sb.charAt(b - 1) == ' ') {
                b--;
            }
            int len = b - a;
            if (len == 1 && sb.charAt(a) == '.' || len == 3 && isDot(a)) {
                sb.setLength(open);
                for (int k = 0; k < 2 && sb.length() > 0 && sb.charAt(sb.length() - 1) == ' '; k++) {
                    sb.setLength(sb.length() - 1);
                }
                sb.append('.');
                skipSpaces = 2;
            } else if (len == 1 && sb.charAt(a) == ':') {
                sb.setLength(open);
                sb.append(':');
                rewriteScheme();
            } else if (len == 3 && sb.charAt(a) == ':' && sb.charAt(a + 1) == '/' && sb.charAt(a + 2) == '/') {
                sb.setLength(open);
                sb.append(':');
                rewriteScheme();
                sb.append("//");
            }
        }

        private boolean isDot(int a) {
            return (sb.charAt(a) | 0x20) == 'd' && (sb.charAt(a + 1) | 0x20) == 'o'
                    && (sb.charAt(a + 2) | 0x20) == 't';
        }

        /** The output ends with ':': turn {@code hxxp:}, {@code h**ps:} and the like into {@code http(s):}. */
        private void rewriteScheme() {
            int colon = sb.length() - 1;
            int p = colon;
            boolean secure = p >= 1 && (sb.charAt(p - 1) | 0x20) == 's';
            if (secure) {
                p--;
            }
            int h = p - 4;
            if (h < 0 || (sb.charAt(h) | 0x20) != 'h' || (sb.charAt(p - 1) | 0x20) != 'p'
                    || !isMasked(sb.charAt(h + 1)) || !isMasked(sb.charAt(h + 2))) {
                return;
            }
            if (h > 0 && Character.isLetterOrDigit(sb.charAt(h - 1))) {
                return;
            }
            sb.replace(h, p, "http");
            if (secure) {
                sb.setCharAt(p, 's');
            }
        }

        private static boolean isMasked(char c) {
            char l = (char) (c | 0x20);
            return l == 'x' || l == 't' || c == '*';
        }
    }
}
