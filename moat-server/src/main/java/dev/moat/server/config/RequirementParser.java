package dev.moat.server.config;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Walks RE2 syntax to find the strings every match must contain (see {@link RequiredLiterals} for
 * the rule). It reads a pattern RE2/J has already compiled, but trusts nothing: whatever it does not
 * fully understand (an unknown escape, a {@code {} that is not a repetition, a {@code [} inside a
 * class, deep nesting) makes it give up, because a misread pattern could yield a set that some match
 * lacks, and that would let a message past its filter.
 *
 * <p>Anything that is not a plain literal character (classes, {@code .}, anchors, {@code \d},
 * non-ASCII characters, {@code \Q...\E}) is read as an atom that matches something unknown; that
 * only breaks a run of literals, which is always sound.
 */
final class RequirementParser {

    /** The characters of RE2's flag groups, {@code (?i)}, {@code (?-s:...)} and the like. */
    private static final String FLAGS = "imsU-";
    /** Deepest group nesting read; deeper patterns get no prefilter. */
    private static final int MAX_DEPTH = 100;

    private enum Repeat { ONCE, OPTIONAL, AT_LEAST_ONCE }

    /** Thrown when the pattern holds something this parser does not fully understand. */
    private static final class Unsure extends RuntimeException {
        Unsure() {
            super(null, null, false, false);
        }
    }

    private final String s;
    private int pos;
    private int depth;

    private RequirementParser(String s) {
        this.s = s;
    }

    /** The folded strings one of which every match of {@code regex} contains, or null. */
    static Set<String> requirement(String regex) {
        RequirementParser p = new RequirementParser(regex);
        try {
            Set<String> set = p.alternation();
            return p.pos == regex.length() ? set : null; // a stray ')'
        } catch (Unsure e) {
            return null;
        }
    }

    private boolean at(char c) {
        return pos < s.length() && s.charAt(pos) == c;
    }

    private Set<String> alternation() {
        Set<String> union = new LinkedHashSet<>();
        boolean everyBranch = true;
        while (true) {
            Set<String> branch = sequence();
            if (branch == null) {
                everyBranch = false;
            } else if (everyBranch) {
                union.addAll(branch);
                everyBranch = union.size() <= RequiredLiterals.MAX_STRINGS;
            }
            if (!at('|')) {
                return everyBranch ? union : null;
            }
            pos++;
        }
    }

    /** The best candidate of one branch: literal runs and required groups, read left to right. */
    private Set<String> sequence() {
        Candidates best = new Candidates();
        StringBuilder run = new StringBuilder();
        while (pos < s.length() && !at('|') && !at(')')) {
            char c = s.charAt(pos);
            if (c == '(') {
                best.offerRun(run);
                if (isFlagsOnly()) {
                    continue; // a quantifier right after it is refused as an atom start
                }
                Set<String> inner = group();
                if (repeat() != Repeat.OPTIONAL && inner != null) {
                    best.offer(inner);
                }
                continue;
            }
            int literal = atom();
            Repeat r = repeat();
            if (literal < 0) {
                best.offerRun(run);
            } else if (r == Repeat.ONCE) {
                run.append((char) literal);
            } else if (r == Repeat.AT_LEAST_ONCE) {
                run.append((char) literal);
                best.offerRun(run);
            } else {
                best.offerRun(run);
            }
        }
        best.offerRun(run);
        return best.best;
    }

    /**
     * Reads one atom that is not a group: returns its folded character if it is one plain ASCII
     * literal, else -1.
     */
    private int atom() {
        char c = s.charAt(pos);
        switch (c) {
            case '*', '+', '?', '{' -> throw new Unsure(); // nothing to repeat, or a literal '{'
            case '[' -> {
                skipClass();
                return -1;
            }
            case '\\' -> {
                return escape();
            }
            case '.', '^', '$', ']', '}' -> {
                pos++;
                return -1;
            }
            default -> {
                pos++;
                return isPlain(c) ? RequiredLiterals.fold(c) : -1;
            }
        }
    }

    /** Printable ASCII; the metacharacters are handled before this is asked. */
    private static boolean isPlain(char c) {
        return c >= 0x20 && c < 0x7f;
    }

    private int escape() {
        pos++; // '\'
        if (pos >= s.length()) {
            throw new Unsure();
        }
        char e = s.charAt(pos++);
        switch (e) {
            case 'Q' -> {
                // literal text up to \E (or the end); read as one unknown atom. An empty \Q\E adds
                // nothing, so a quantifier after it would repeat what came before: refuse it
                int end = s.indexOf("\\E", pos);
                int stop = end < 0 ? s.length() : end;
                if (stop == pos) {
                    throw new Unsure();
                }
                pos = end < 0 ? s.length() : end + 2;
                return -1;
            }
            case 'b', 'B', 'A', 'z', 'd', 'D', 's', 'S', 'w', 'W', 'n', 't', 'r', 'f', 'v', 'a' -> {
                return -1;
            }
            case 'p', 'P' -> {
                if (at('{')) {
                    skipBraces(false);
                } else if (pos < s.length() && isAsciiLetter(s.charAt(pos))) {
                    pos++;
                } else {
                    throw new Unsure();
                }
                return -1;
            }
            case 'x' -> {
                if (at('{')) {
                    skipBraces(true);
                } else if (pos + 1 < s.length() && isHex(s.charAt(pos)) && isHex(s.charAt(pos + 1))) {
                    pos += 2;
                } else {
                    throw new Unsure();
                }
                return -1;
            }
            default -> {
                if (e >= 0x80 || Character.isLetterOrDigit(e)) {
                    throw new Unsure(); // octal, backreference, or an escape RE2 may not have
                }
                return isPlain(e) ? RequiredLiterals.fold(e) : -1; // escaped punctuation is literal
            }
        }
    }

    /** Skips {@code {...}} after {@code \p} or {@code \x}: a class name, or hex digits. */
    private void skipBraces(boolean hex) {
        int close = s.indexOf('}', pos);
        if (close < 0 || close == pos + 1) {
            throw new Unsure();
        }
        for (int i = pos + 1; i < close; i++) {
            char c = s.charAt(i);
            if (hex ? !isHex(c) : !(isAsciiLetter(c) || c == '_' || c == '^')) {
                throw new Unsure();
            }
        }
        pos = close + 1;
    }

    /**
     * Skips a character class the way RE2 reads it: an optional {@code ^}, a {@code ]} first is a
     * member, {@code \} takes the next character with it, {@code [:name:]} is one member.
     */
    private void skipClass() {
        pos++; // '['
        if (at('^')) {
            pos++;
        }
        boolean first = true;
        while (true) {
            if (pos >= s.length()) {
                throw new Unsure();
            }
            char c = s.charAt(pos);
            if (c == ']' && !first) {
                pos++;
                return;
            }
            first = false;
            if (c == '\\') {
                pos += 2;
            } else if (c == '[') {
                // RE2 reads "[:" as a named class unless it ends a range ("+-[" is a range to '['),
                // and a lone '[' as a member: only the plain named class is certain
                if (!s.startsWith("[:", pos) || s.charAt(pos - 1) == '-') {
                    throw new Unsure();
                }
                int close = s.indexOf(":]", pos + 2);
                if (close < 0 || close == pos + 2) {
                    throw new Unsure();
                }
                for (int i = pos + 2; i < close; i++) {
                    if (!isAsciiLetter(s.charAt(i)) && s.charAt(i) != '^') {
                        throw new Unsure();
                    }
                }
                pos = close + 2;
            } else {
                pos++;
            }
        }
    }

    /** At a '(': consumes a flags-only group such as {@code (?i)} and says so, else consumes nothing. */
    private boolean isFlagsOnly() {
        int p = pos + 1;
        if (p >= s.length() || s.charAt(p) != '?') {
            return false;
        }
        p++;
        while (p < s.length() && FLAGS.indexOf(s.charAt(p)) >= 0) {
            p++;
        }
        if (p < s.length() && s.charAt(p) == ')') {
            pos = p + 1;
            return true;
        }
        return false;
    }

    /** Reads a group (not flags-only) and returns its requirement. */
    private Set<String> group() {
        pos++; // '('
        if (s.startsWith("?P<", pos) || s.startsWith("?<", pos)) {
            int name = pos + (s.charAt(pos + 1) == 'P' ? 3 : 2);
            int close = s.indexOf('>', name);
            if (close <= name) {
                throw new Unsure();
            }
            for (int i = name; i < close; i++) {
                char c = s.charAt(i);
                if (!(isAsciiLetter(c) || (c >= '0' && c <= '9') || c == '_')) {
                    throw new Unsure();
                }
            }
            pos = close + 1;
        } else if (at('?')) {
            pos++;
            while (pos < s.length() && FLAGS.indexOf(s.charAt(pos)) >= 0) {
                pos++;
            }
            if (!at(':')) {
                throw new Unsure(); // lookaround, comments and the like: not RE2
            }
            pos++;
        }
        if (++depth > MAX_DEPTH) {
            throw new Unsure();
        }
        Set<String> inner = alternation();
        depth--;
        if (!at(')')) {
            throw new Unsure();
        }
        pos++;
        return inner;
    }

    /** Reads the quantifier after an atom, if any, and a lazy '?' after it. */
    private Repeat repeat() {
        if (pos >= s.length()) {
            return Repeat.ONCE;
        }
        Repeat r;
        char c = s.charAt(pos);
        if (c == '*' || c == '?') {
            pos++;
            r = Repeat.OPTIONAL;
        } else if (c == '+') {
            pos++;
            r = Repeat.AT_LEAST_ONCE;
        } else if (c == '{') {
            r = countedRepeat() == 0 ? Repeat.OPTIONAL : Repeat.AT_LEAST_ONCE;
        } else {
            return Repeat.ONCE;
        }
        if (at('?')) {
            pos++;
        }
        if (pos < s.length() && "*+?{".indexOf(s.charAt(pos)) >= 0) {
            throw new Unsure(); // two quantifiers in a row: RE2 refuses them, or we misread
        }
        return r;
    }

    /** Reads {@code {n}}, {@code {n,}} or {@code {n,m}} and returns n; anything else is refused. */
    private int countedRepeat() {
        pos++; // '{'
        int min = number();
        if (at(',')) {
            pos++;
            if (!at('}')) {
                number();
            }
        }
        if (!at('}')) {
            throw new Unsure();
        }
        pos++;
        return min;
    }

    /** A decimal of 1 to 4 digits without a leading zero (RE2 reads "{01}" as literal text). */
    private int number() {
        int start = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
            pos++;
        }
        int len = pos - start;
        if (len == 0 || len > 4 || (len > 1 && s.charAt(start) == '0')) {
            throw new Unsure();
        }
        return Integer.parseInt(s, start, pos, 10);
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** The best candidate of a sequence so far: longest shortest string, then fewest strings. */
    private static final class Candidates {
        Set<String> best;
        int bestMin;

        void offerRun(StringBuilder run) {
            if (run.length() > 0) {
                offer(RequiredLiterals.single(run));
                run.setLength(0);
            }
        }

        void offer(Set<String> candidate) {
            int min = RequiredLiterals.minLength(candidate);
            if (best == null || min > bestMin || (min == bestMin && candidate.size() < best.size())) {
                best = candidate;
                bestMin = min;
            }
        }
    }
}
