package dev.moat.server.config;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The strings every match of a filter pattern must contain, found from the pattern's syntax, so a
 * text containing none of them can skip RE2/J: most messages match no filter, and a plain substring
 * scan costs a fraction of RE2/J's NFA.
 *
 * <p>Soundness is the contract: if RE2/J finds a non-empty match in a text, {@link #mayMatch} says
 * true for that text. A wrong "maybe" only costs time; a wrong "no" would let a message through a
 * filter. So {@link #of} gives up (returns null) on any syntax it does not fully understand, and
 * literals are always compared ignoring case, which is a superset of case-sensitive matching.
 *
 * <p>The rule: an alternation requires the union of its branches' sets if every branch has one,
 * else nothing. In a sequence, each run of plain literal characters is a candidate, and so is each
 * group that must occur; the sequence requires its candidate with the longest shortest string (a
 * longer literal is rarer in chat, so it rules out more texts), fewer strings breaking ties. A
 * pattern whose chosen set has a string shorter than {@link #MIN_LENGTH} gets no prefilter.
 */
final class RequiredLiterals {

    /** Most strings kept in one set; a larger union is dropped (no requirement). */
    static final int MAX_STRINGS = 16;
    /** Longest string kept; a longer run is cut, and a piece of a required string is still required. */
    static final int MAX_LENGTH = 32;
    /** Shortest string worth a scan at the top level. */
    static final int MIN_LENGTH = 3;

    private final char[][] literals;
    private final boolean[] firstChars = new boolean[128];

    private RequiredLiterals(Set<String> literals) {
        this.literals = new char[literals.size()][];
        int i = 0;
        for (String s : literals) {
            this.literals[i++] = s.toCharArray();
            firstChars[s.charAt(0)] = true;
        }
    }

    /** The required set of {@code regex} (a pattern RE2/J compiles), or null when none is certain. */
    static RequiredLiterals of(String regex) {
        Set<String> set = RequirementParser.requirement(regex);
        if (set == null || minLength(set) < MIN_LENGTH) {
            return null;
        }
        return anyOf(set);
    }

    /** A prefilter for the given non-empty, folded strings, however short; tests use it directly. */
    static RequiredLiterals anyOf(Set<String> folded) {
        return new RequiredLiterals(folded);
    }

    /** The folded strings, for tests and diagnostics. */
    List<String> literals() {
        List<String> out = new ArrayList<>(literals.length);
        for (char[] l : literals) {
            out.add(new String(l));
        }
        return out;
    }

    /**
     * False only if {@code text} contains none of the strings, ignoring case. Each text position is
     * compared with at most {@link #MAX_STRINGS} strings of at most {@link #MAX_LENGTH} chars, so
     * the time is linear in the text.
     */
    boolean mayMatch(CharSequence text) {
        int n = text.length();
        for (int i = 0; i < n; i++) {
            char c = fold(text.charAt(i));
            if (c >= 128 || !firstChars[c]) {
                continue;
            }
            for (char[] lit : literals) {
                if (lit[0] == c && lit.length <= n - i && occursAt(text, i, lit)) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean occursAt(CharSequence text, int at, char[] lit) {
        for (int j = 1; j < lit.length; j++) {
            if (fold(text.charAt(at + j)) != lit[j]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Folds case the way RE2's {@code (?i)} groups characters, and then some: K, k and the KELVIN
     * SIGN all become 'k'; S, s and LONG S all become 's'.
     */
    static char fold(char c) {
        if (c < 128) {
            return c >= 'A' && c <= 'Z' ? (char) (c + ('a' - 'A')) : c;
        }
        return Character.toLowerCase(Character.toUpperCase(c));
    }

    static int minLength(Set<String> set) {
        int min = Integer.MAX_VALUE;
        for (String s : set) {
            min = Math.min(min, s.length());
        }
        return min;
    }

    @Override
    public String toString() {
        return "RequiredLiterals" + literals();
    }

    /** The set holding one literal run, cut to {@link #MAX_LENGTH}. */
    static Set<String> single(CharSequence run) {
        Set<String> s = new LinkedHashSet<>();
        s.add(run.length() > MAX_LENGTH ? run.subSequence(0, MAX_LENGTH).toString() : run.toString());
        return s;
    }
}
