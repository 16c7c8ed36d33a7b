package dev.moat.server.config;

import java.util.Random;

/**
 * Random RE2 patterns from a small grammar (literals, escapes, classes, anchors, flags, groups of
 * every form, alternation, every quantifier, and a little malformed syntax), each with a sample
 * text built alongside that usually matches it, so a differential test sees many real matches.
 */
final class RandomPatterns {

    /** A pattern and a text the generator meant to match it (it may not: that is fine). */
    record Generated(String pattern, String sample) {
    }

    private static final String[] WORDS = {"free", "Spam", "kiss", "SEX", "bitcoin", "a.b", "k-s"};
    private static final String PLAIN = "abcksKSxyz019 -,!#'@&~_=<>/:;%\"]}";
    private static final String ESCAPABLE = ".+*?()|[]{}^$\\-#/ ";
    private static final String[] NON_ASCII = {"\u00e9", "\u212A", "\u017F", "\u00df", "\u0130", "\u0131", "\ud83d\ude00"};
    /** Pattern, sample pairs for atoms that are not single literals. */
    private static final String[][] OTHER_ATOMS = {
        {"[abc]", "b"}, {"[^a]", "k"}, {"[]a]", "]"}, {"[^]a]", "s"}, {"[a-c]", "C"}, {"[\\]x]", "]"},
        {"[[:alpha:]]", "q"}, {"[[:^space:]]", "x"}, {"[\\d]", "7"}, {"[a-]", "-"}, {"[\\p{L}]", "z"},
        {"[k]", "\u212A"}, {"[s]", "\u017F"}, {"[[]", "["}, {"[a[]", "["}, {"[+-[:alpha:]]", "a"},
        {"[\\x41-\\x{5A}]", "Q"}, {"[^\\n]", "n"}, {"[\\-a]", "-"},
        {"\\d", "3"}, {"\\D", "d"}, {"\\s", " "}, {"\\S", "x"}, {"\\w", "w"}, {"\\W", "!"},
        {"\\b", ""}, {"\\B", ""}, {"\\A", ""}, {"\\z", ""}, {"^", ""}, {"$", ""}, {".", "x"},
        {"\\pL", "L"}, {"\\p{Greek}", "\u03b1"}, {"\\PL", "1"}, {"\\x41", "A"}, {"\\x{6B}", "k"},
        {"\\x{212A}", "k"}, {"\\n", "\n"}, {"\\t", "\t"}, {"\\Qa.b\\E", "a.b"}, {"\\Q\\E", ""},
        {"\\Qk*\\E", "k*"}, {"\\141", "a"}, {"\\0", "\0"}, {"\\C", "c"}, {"\\ ", " "},
    };
    private static final String[] GROUP_OPENERS = {"(", "(?:", "(?i:", "(?-i:", "(?s:", "(?is-U:", "(?P<", "(?<"};
    private static final String[] FLAGS = {"(?i)", "(?-i)", "(?s)", "(?U)", "(?im)", "(?x)"};
    private static final String[] JUNK = {"{", "}", "(", ")", "|", "{,2}", "{01}", "{x}", "a{", "\\"};
    /** Quantifier, least repeats, most repeats (for the sample). */
    private static final Object[][] QUANTIFIERS = {
        {"*", 0, 2}, {"+", 1, 3}, {"?", 0, 1}, {"{0}", 0, 0}, {"{1}", 1, 1}, {"{2}", 2, 2}, {"{0,}", 0, 2},
        {"{1,}", 1, 3}, {"{0,2}", 0, 2}, {"{1,3}", 1, 3}, {"{2,3}", 2, 3}, {"**", 0, 1}, {"*+", 0, 1},
        {"{2}{3}", 6, 6}, {"{3,2}", 1, 1},
    };

    private final Random random;
    private final StringBuilder pattern = new StringBuilder();
    private int groupNames;

    RandomPatterns(long seed) {
        this.random = new Random(seed);
    }

    Generated next() {
        pattern.setLength(0);
        groupNames = 0;
        String sample = alternation(0);
        return new Generated(pattern.toString(), sample);
    }

    private String alternation(int depth) {
        int branches = random.nextInt(4) == 0 ? 2 + random.nextInt(3) : 1;
        int chosen = random.nextInt(branches);
        String sample = "";
        for (int i = 0; i < branches; i++) {
            if (i > 0) {
                pattern.append('|');
            }
            String s = sequence(depth);
            if (i == chosen) {
                sample = s;
            }
        }
        return sample;
    }

    private String sequence(int depth) {
        StringBuilder sample = new StringBuilder();
        int atoms = random.nextInt(7);
        for (int i = 0; i < atoms; i++) {
            String one = atom(depth);
            sample.append(one.repeat(quantifier()));
        }
        return sample.toString();
    }

    private String atom(int depth) {
        int kind = random.nextInt(100);
        if (kind < 10) {
            String w = WORDS[random.nextInt(WORDS.length)];
            pattern.append(w.replace(".", "\\."));
            return w;
        }
        if (kind < 45) {
            char c = PLAIN.charAt(random.nextInt(PLAIN.length()));
            pattern.append(c);
            return String.valueOf(c);
        }
        if (kind < 52) {
            char c = ESCAPABLE.charAt(random.nextInt(ESCAPABLE.length()));
            pattern.append('\\').append(c);
            return String.valueOf(c);
        }
        if (kind < 56) {
            String c = NON_ASCII[random.nextInt(NON_ASCII.length)];
            pattern.append(c);
            return c;
        }
        if (kind < 74) {
            String[] pick = OTHER_ATOMS[random.nextInt(OTHER_ATOMS.length)];
            pattern.append(pick[0]);
            return pick[1];
        }
        if (kind < 90 && depth < 3) {
            String opener = GROUP_OPENERS[random.nextInt(GROUP_OPENERS.length)];
            pattern.append(opener);
            if (opener.endsWith("<")) {
                pattern.append('g').append(groupNames++).append('>');
            }
            String inner = alternation(depth + 1);
            pattern.append(')');
            return inner;
        }
        if (kind < 96) {
            pattern.append(FLAGS[random.nextInt(FLAGS.length)]);
            return "";
        }
        String junk = JUNK[random.nextInt(JUNK.length)];
        pattern.append(junk);
        return junk;
    }

    /** Appends a quantifier (or none) and returns how often the sample repeats the atom. */
    private int quantifier() {
        if (random.nextInt(100) >= 35) {
            return 1;
        }
        Object[] q = QUANTIFIERS[random.nextInt(QUANTIFIERS.length)];
        pattern.append((String) q[0]);
        if (random.nextInt(5) == 0) {
            pattern.append('?'); // lazy
        }
        int least = (Integer) q[1];
        int most = (Integer) q[2];
        return least + random.nextInt(most - least + 1);
    }

    /** Variants of a sample: case flips, KELVIN SIGN and LONG S, noise around and inside. */
    String mutate(String sample) {
        StringBuilder out = new StringBuilder();
        if (random.nextBoolean()) {
            out.append(noise());
        }
        for (int i = 0; i < sample.length(); i++) {
            char c = sample.charAt(i);
            int roll = random.nextInt(100);
            if (roll < 25) {
                c = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
            } else if (roll < 35 && (c == 'k' || c == 'K')) {
                c = '\u212A';
            } else if (roll < 45 && (c == 's' || c == 'S')) {
                c = '\u017F';
            } else if (roll < 48) {
                continue; // drop it
            } else if (roll < 51) {
                out.append(noise());
            }
            out.append(c);
        }
        if (random.nextBoolean()) {
            out.append(noise());
        }
        return out.toString();
    }

    String noise() {
        String alphabet = "abcksxyz KS.-\u212A\u017F\u00e91!\n";
        StringBuilder out = new StringBuilder();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
