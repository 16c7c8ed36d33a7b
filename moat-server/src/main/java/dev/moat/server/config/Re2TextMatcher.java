package dev.moat.server.config;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.moat.core.content.TextMatcher;

/**
 * A filter pattern compiled with RE2/J: matching takes time linear in the text, whatever the
 * pattern, so attacker-controlled messages cannot make a filter backtrack for seconds.
 *
 * <p>RE2 syntax is Perl's without backreferences and lookaround. Patterns are case-sensitive as
 * written; start one with {@code (?i)} to ignore case. A pattern that can match empty text is
 * refused at compile time: it is almost always a typo (a stray {@code |}, a {@code *} meant as
 * {@code +}), and an empty match has nothing to block or censor.
 *
 * <p>Most messages match no filter, and RE2/J's NFA is the costliest step of relaying one; so when
 * the pattern's syntax shows strings every match must contain ({@link RequiredLiterals}), a text
 * containing none of them (ignoring case) is answered without running RE2/J. That check can only
 * say "maybe" wrongly, never "no", so it never changes what matches.
 */
public final class Re2TextMatcher implements TextMatcher {

    /** Longest pattern accepted, in characters. */
    public static final int MAX_PATTERN_CHARS = 4096;
    /** Largest compiled program accepted (RE2 instructions); bounds memory and per-character work. */
    public static final int MAX_PROGRAM_SIZE = 20_000;

    private final Pattern pattern;
    /** Strings one of which every match contains, or null to always run RE2/J. */
    private final RequiredLiterals prefilter;

    private Re2TextMatcher(Pattern pattern, RequiredLiterals prefilter) {
        this.pattern = pattern;
        this.prefilter = prefilter;
    }

    /**
     * Compiles {@code regex}.
     *
     * @throws IllegalArgumentException quoting the pattern when RE2/J cannot compile it, it is too
     *                                  long or too complex, or it matches empty text
     */
    public static Re2TextMatcher compile(String regex) {
        if (regex == null || regex.isEmpty()) {
            throw new IllegalArgumentException("a pattern must not be empty");
        }
        if (regex.length() > MAX_PATTERN_CHARS) {
            throw new IllegalArgumentException("pattern is longer than " + MAX_PATTERN_CHARS + " characters");
        }
        // RE2/J expands counted repetition before compiling, so ((a{1000}){1000}){1000} would take
        // gigabytes and minutes to refuse; estimate the expansion first and refuse it cheaply
        long estimate = Expansion.estimate(regex);
        if (estimate > MAX_PROGRAM_SIZE) {
            throw new IllegalArgumentException("pattern '" + regex + "' is too complex: its repetitions expand to about "
                    + (estimate >= Expansion.CAP ? "too many" : Long.toString(estimate)) + " steps, at most "
                    + MAX_PROGRAM_SIZE);
        }
        Pattern p;
        try {
            p = Pattern.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("RE2/J cannot compile '" + regex + "': " + e.getDescription()
                    + (e.getPattern() == null || e.getPattern().isEmpty() || e.getPattern().equals(regex)
                        ? "" : " near '" + e.getPattern() + "'"), e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("RE2/J cannot compile '" + regex + "': " + e.getMessage(), e);
        }
        if (p.programSize() > MAX_PROGRAM_SIZE) {
            throw new IllegalArgumentException("pattern '" + regex + "' is too complex (" + p.programSize()
                    + " RE2 instructions, at most " + MAX_PROGRAM_SIZE + ")");
        }
        if (p.matcher("").find()) {
            throw new IllegalArgumentException("pattern '" + regex + "' matches empty text; a filter pattern must"
                    + " need at least one character (a stray '|', or '*' where '+' was meant?)");
        }
        return new Re2TextMatcher(p, RequiredLiterals.of(regex));
    }

    /** The pattern as written in the config. */
    public String pattern() {
        return pattern.pattern();
    }

    /** The prefilter derived from the pattern, or null when there is none; for tests. */
    RequiredLiterals prefilter() {
        return prefilter;
    }

    @Override
    public void findAll(CharSequence text, MatchSink sink) {
        if (text == null || text.length() == 0) {
            return;
        }
        if (prefilter != null && !mayMatch(text)) {
            return;
        }
        Matcher m = pattern.matcher(text);
        while (true) {
            int start;
            int end;
            try {
                if (!m.find()) {
                    return;
                }
                start = m.start();
                end = m.end();
            } catch (RuntimeException e) {
                // the contract forbids throwing for any text; RE2/J does not throw on input, but a
                // CharSequence that changes under us could make it, and then we report nothing more
                return;
            }
            // compile refuses patterns that match empty text, yet one may still match empty at some
            // position (a lone \b); there is nothing to block or censor there, so skip it
            if (end > start && !sink.accept(start, end)) {
                return;
            }
        }
    }

    private boolean mayMatch(CharSequence text) {
        try {
            return prefilter.mayMatch(text);
        } catch (RuntimeException e) {
            return true; // a CharSequence that changed under us: let RE2/J decide, as before
        }
    }

    /**
     * A rough upper bound on the size of the program RE2 builds for a pattern: literals and classes
     * count 1, a group the sum of its alternatives, and {@code x{n,m}} multiplies x by m. Syntax
     * errors are left for RE2/J to report.
     */
    static final class Expansion {
        static final long CAP = 1L << 40;

        private final String s;
        private int pos;

        private Expansion(String s) {
            this.s = s;
        }

        static long estimate(String regex) {
            Expansion e = new Expansion(regex);
            long total = 0;
            while (e.pos < regex.length()) {
                total = sat(total + e.alternation());
                if (e.pos < regex.length()) {
                    e.pos++; // a stray ')': RE2/J reports it
                }
            }
            return total;
        }

        private static long sat(long v) {
            return v < 0 || v > CAP ? CAP : v;
        }

        private boolean at(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        private long alternation() {
            long total = sequence();
            while (at('|')) {
                pos++;
                total = sat(total + sequence());
            }
            return total;
        }

        private long sequence() {
            long total = 0;
            while (pos < s.length() && !at('|') && !at(')')) {
                total = sat(total + quantified(atom()));
            }
            return total;
        }

        private long atom() {
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                if (s.startsWith("?P<", pos) || s.startsWith("?<", pos)) {
                    int close = s.indexOf('>', pos);
                    pos = close < 0 ? s.length() : close + 1;
                } else if (at('?')) {
                    while (pos < s.length() && !at(':') && !at(')')) {
                        pos++;
                    }
                    if (at(')')) { // flags only, e.g. (?i)
                        pos++;
                        return 0;
                    }
                    pos++;
                }
                long inner = alternation();
                if (at(')')) {
                    pos++;
                }
                return sat(inner + 1);
            }
            if (c == '[') {
                pos++;
                if (at('^')) {
                    pos++;
                }
                if (at(']')) {
                    pos++;
                }
                while (pos < s.length() && !at(']')) {
                    if (at('\\')) {
                        pos += 2;
                    } else if (s.startsWith("[:", pos)) {
                        int close = s.indexOf(":]", pos + 2);
                        pos = close < 0 ? pos + 1 : close + 2;
                    } else {
                        pos++;
                    }
                }
                pos++;
                return 1;
            }
            if (c == '\\') {
                pos++;
                if (at('Q')) {
                    int end = s.indexOf("\\E", pos);
                    int stop = end < 0 ? s.length() : end;
                    long n = stop - pos - 1;
                    pos = end < 0 ? s.length() : end + 2;
                    return Math.max(0, n);
                }
                if ((at('p') || at('P') || at('x')) && pos + 1 < s.length() && s.charAt(pos + 1) == '{') {
                    int close = s.indexOf('}', pos);
                    pos = close < 0 ? s.length() : close + 1;
                    return 1;
                }
                pos++;
                return 1;
            }
            pos++;
            return 1;
        }

        private long quantified(long atom) {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == '*' || c == '+' || c == '?') {
                    pos++;
                    atom = sat(atom + 1);
                } else if (c == '{') {
                    int close = s.indexOf('}', pos);
                    String body = close < 0 ? "" : s.substring(pos + 1, close);
                    if (!body.matches("\\d{1,9}(,\\d{0,9})?")) {
                        return atom; // a literal '{', or a syntax error RE2/J will report
                    }
                    int comma = body.indexOf(',');
                    long n = Long.parseLong(comma < 0 ? body : body.substring(0, comma));
                    long count = comma < 0 ? n : comma == body.length() - 1 ? n + 1 : Long.parseLong(body.substring(comma + 1));
                    atom = sat(atom * Math.max(1, count));
                    pos = close + 1;
                } else {
                    return atom;
                }
            }
            return atom;
        }
    }

    @Override
    public String toString() {
        return "Re2TextMatcher[" + pattern.pattern() + "]";
    }
}
