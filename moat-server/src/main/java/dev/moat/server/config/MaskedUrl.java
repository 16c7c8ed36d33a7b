package dev.moat.server.config;

import java.util.regex.Pattern;

/**
 * A URL that may carry a secret, shown for logs, errors and /v1/config: the scheme and host (and
 * port) stay visible, everything that can hold a token is masked. Webhook services put their
 * secret in different places: the userinfo ({@code https://user:pass@host}), the query
 * ({@code ?token=}, {@code key=}, {@code sig=}), the fragment, or the path (Discord
 * {@code /api/webhooks/<id>/<token>}, Slack {@code /services/T…/B…/<secret>}). So the userinfo's
 * password goes (see {@link MaskedUri}), the whole query and fragment go, and every path segment
 * goes unless it reads as a plain lowercase word such as {@code api}, {@code webhooks} or
 * {@code v1}: generated tokens and ids (digits, upper case, long runs) never do.
 */
public final class MaskedUrl {
    public static final String MASK = "****";
    /** A path segment shown as it is: a short lowercase word, maybe hyphenated, maybe ending in one or two digits. */
    private static final Pattern PLAIN_SEGMENT = Pattern.compile("[a-z][a-z._-]{0,23}[0-9]{0,2}");

    private MaskedUrl() {
    }

    public static String mask(String url) {
        if (url == null) {
            return null;
        }
        String withoutPassword = MaskedUri.mask(url);
        int scheme = withoutPassword.indexOf("://");
        int pathStart = scheme < 0 ? 0 : authorityEnd(withoutPassword, scheme + 3);
        StringBuilder out = new StringBuilder(withoutPassword.substring(0, pathStart));
        String rest = withoutPassword.substring(pathStart);
        int pathEnd = firstOf(rest, '?', '#');
        String[] segments = rest.substring(0, pathEnd).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            if (i > 0) {
                out.append('/');
            }
            String s = segments[i];
            out.append(s.isEmpty() || PLAIN_SEGMENT.matcher(s).matches() ? s : MASK);
        }
        if (pathEnd < rest.length()) {
            out.append(rest.charAt(pathEnd)).append(MASK); // "?****" or "#****": the query with the fragment
        }
        return out.toString();
    }

    private static int authorityEnd(String url, int from) {
        for (int i = from; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                return i;
            }
        }
        return url.length();
    }

    private static int firstOf(String s, char a, char b) {
        int i = s.indexOf(a);
        int j = s.indexOf(b);
        if (i < 0) {
            return j < 0 ? s.length() : j;
        }
        return j < 0 ? i : Math.min(i, j);
    }
}
