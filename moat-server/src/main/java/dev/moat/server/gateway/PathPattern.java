package dev.moat.server.gateway;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A path pattern of an HTTP rule: literal segments, {@code *} for exactly one non-empty
 * segment, and {@code **} as the last segment for any rest (including nothing).
 *
 * <p>Matching errs on the side of matching, because a rule that an attacker can step around by
 * spelling a path differently protects nothing: literal segments compare case-insensitively and a
 * single trailing slash is ignored (Express, which LibreChat and many chat servers use, routes
 * {@code /API/Auth/Login/} to {@code /api/auth/login}). Paths with dot segments, doubled or
 * encoded slashes are refused with 400 before any rule runs (see {@link #ambiguous}).
 */
public final class PathPattern {
    private final String text;
    private final String[] segments;
    private final boolean rest;

    private PathPattern(String text, String[] segments, boolean rest) {
        this.text = text;
        this.segments = segments;
        this.rest = rest;
    }

    public static PathPattern parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("a path pattern starts with '/', was '" + text + "'");
        }
        String[] parts = text.substring(1).split("/", -1);
        boolean rest = false;
        List<String> segs = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.equals("**")) {
                if (i != parts.length - 1) {
                    throw new IllegalArgumentException("'**' may only end a path pattern: '" + text + "'");
                }
                rest = true;
            } else if (p.contains("*") && !p.equals("*")) {
                throw new IllegalArgumentException("'*' must be a whole segment: '" + text + "'");
            } else {
                segs.add(p);
            }
        }
        return new PathPattern(text, segs.toArray(new String[0]), rest);
    }

    public boolean matches(String path) {
        if (path == null || !path.startsWith("/")) {
            return false;
        }
        int len = path.length();
        if (len > 1 && path.charAt(len - 1) == '/') {
            len--; // Express and most routers treat /login/ as /login
        }
        int from = 1;
        for (String seg : segments) {
            if (from > len) {
                return false;
            }
            int slash = path.indexOf('/', from);
            int end = slash < 0 || slash > len ? len : slash;
            if (seg.equals("*")) {
                if (end == from) {
                    return false;
                }
            } else if (end - from != seg.length() || !path.regionMatches(true, from, seg, 0, seg.length())) {
                return false;
            }
            from = end + 1;
        }
        return rest || from == len + 1;
    }

    /** True when a raw path has a dot segment or an encoded slash or dot that could hide where it goes. */
    static boolean ambiguous(String rawPath) {
        if (rawPath == null) {
            return true;
        }
        String lower = rawPath.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%5c") || lower.contains("%2e") || rawPath.indexOf('\\') >= 0) {
            return true;
        }
        for (String seg : rawPath.split("/", -1)) {
            if (seg.equals(".") || seg.equals("..")) {
                return true;
            }
        }
        return rawPath.contains("//");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PathPattern p && p.text.equals(text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(text);
    }

    @Override
    public String toString() {
        return text;
    }
}
