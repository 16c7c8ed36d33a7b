package dev.moat.server.config;

/** Hides the password of a URI such as {@code redis://user:secret@host:6379} for logs and /v1/config. */
public final class MaskedUri {
    private MaskedUri() {
    }

    public static String mask(String uri) {
        if (uri == null) {
            return null;
        }
        int scheme = uri.indexOf("://");
        int at = uri.lastIndexOf('@');
        if (scheme < 0 || at < scheme) {
            return uri;
        }
        String userInfo = uri.substring(scheme + 3, at);
        int colon = userInfo.indexOf(':');
        String masked = colon < 0 ? "****" : userInfo.substring(0, colon) + ":****";
        return uri.substring(0, scheme + 3) + masked + uri.substring(at);
    }
}
