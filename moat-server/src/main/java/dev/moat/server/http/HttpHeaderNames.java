package dev.moat.server.http;

import io.vertx.core.http.HttpHeaders;

/**
 * Header names and values of the hot path, made once ({@link HttpHeaders#createOptimized}): Netty
 * then neither re-encodes nor re-hashes them per request.
 */
final class HttpHeaderNames {
    static final CharSequence CONTENT_TYPE = HttpHeaders.createOptimized("Content-Type");
    static final CharSequence CONTENT_LENGTH = HttpHeaders.createOptimized("Content-Length");
    static final CharSequence AUTHORIZATION = HttpHeaders.createOptimized("Authorization");
    static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
    static final CharSequence PROBLEM_JSON = HttpHeaders.createOptimized(Problems.CONTENT_TYPE);
    static final CharSequence RATELIMIT_POLICY = HttpHeaders.createOptimized("RateLimit-Policy");
    static final CharSequence RATELIMIT = HttpHeaders.createOptimized("RateLimit");
    static final CharSequence RETRY_AFTER = HttpHeaders.createOptimized("Retry-After");
    static final CharSequence CACHE_CONTROL = HttpHeaders.createOptimized("Cache-Control");
    static final CharSequence NO_STORE = HttpHeaders.createOptimized("no-store");

    private HttpHeaderNames() {
    }
}
