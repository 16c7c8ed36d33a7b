package dev.moat.server.config;

/**
 * Hides the password of a URI such as {@code redis://user:secret@host:6379} for logs and
 * /v1/config. Only the authority is looked at, so an {@code @} in a path or query is left alone.
 */
public final class MaskedUri {
    private MaskedUri() {
    }

    public static String mask(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return uri;
        }
        int authorityStart = scheme + 3;
        int authorityEnd = uri.length();
        for (int i = authorityStart; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c == '/' || c == '?' || c == '#') {
                authorityEnd = i;
                break;
            }
        }
        int at = uri.lastIndexOf('@', authorityEnd - 1);
        if (at < authorityStart) {
            return uri;
        }
        String userInfo = uri.substring(authorityStart, at);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? "****" : userInfo.substring(0, colon) + ":****";
        return uri.substring(0, authorityStart) + masked + uri.substring(at);
    }
}
