package dev.moat.sqlite;

import java.util.Map;
import java.util.TreeMap;

/**
 * The {@code facts} column: a log entry's small string map as {@code k=v&k=v}, keys sorted, with
 * {@code %}, {@code &} and {@code =} written as {@code %25}, {@code %26} and {@code %3D} (the
 * only three characters the format needs escaped; everything else, Unicode included, is stored
 * as is). Readable in the {@code sqlite3} shell, and no JSON library on the classpath.
 */
final class Facts {
    private Facts() {
    }

    static String encode(Map<String, String> facts) {
        if (facts.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(facts).entrySet()) {
            if (out.length() > 0) {
                out.append('&');
            }
            escape(e.getKey(), out);
            out.append('=');
            escape(e.getValue(), out);
        }
        return out.toString();
    }

    static Map<String, String> decode(String text) {
        if (text == null || text.isEmpty()) {
            return Map.of();
        }
        Map<String, String> out = new TreeMap<>();
        int start = 0;
        while (start <= text.length()) {
            int end = text.indexOf('&', start);
            if (end < 0) {
                end = text.length();
            }
            int eq = text.indexOf('=', start);
            if (eq < 0 || eq > end) {
                throw new IllegalArgumentException("malformed facts column (no '=' in '" + text.substring(start, end) + "')");
            }
            out.put(unescape(text, start, eq), unescape(text, eq + 1, end));
            start = end + 1;
        }
        return out;
    }

    private static void escape(String s, StringBuilder out) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%' -> out.append("%25");
                case '&' -> out.append("%26");
                case '=' -> out.append("%3D");
                default -> out.append(c);
            }
        }
    }

    private static String unescape(String s, int from, int to) {
        int pct = s.indexOf('%', from);
        if (pct < 0 || pct >= to) {
            return s.substring(from, to);
        }
        StringBuilder out = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= to) {
                    throw new IllegalArgumentException("malformed facts column (truncated escape)");
                }
                out.append((char) Integer.parseInt(s, i + 1, i + 3, 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
