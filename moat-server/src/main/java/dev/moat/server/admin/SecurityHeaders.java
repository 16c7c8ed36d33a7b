package dev.moat.server.admin;

import io.vertx.core.http.HttpServerResponse;

/**
 * The headers every admin response carries. The page runs only its own script and style files
 * (no inline code, so an injected {@code <script>} or {@code onclick} does nothing), talks only to
 * this origin, cannot be framed (clickjacking), and builds its DOM without HTML string sinks
 * (Trusted Types are required, so {@code innerHTML} with a string throws).
 */
final class SecurityHeaders {
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            + "frame-ancestors 'none'; require-trusted-types-for 'script'";

    private SecurityHeaders() {
    }

    /** For the page and its assets. */
    static void page(HttpServerResponse res) {
        common(res);
        res.putHeader("Content-Security-Policy", CSP)
                .putHeader("X-Frame-Options", "DENY")
                .putHeader("Cross-Origin-Opener-Policy", "same-origin")
                .putHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()");
    }

    /** For the admin API's answers (JSON and the event stream): never cached, never sniffed. */
    static void api(HttpServerResponse res) {
        common(res);
        res.putHeader("Cache-Control", "no-store");
    }

    private static void common(HttpServerResponse res) {
        res.putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Referrer-Policy", "no-referrer")
                .putHeader("Cross-Origin-Resource-Policy", "same-origin");
    }
}
