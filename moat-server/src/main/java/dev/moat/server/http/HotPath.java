package dev.moat.server.http;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;

import java.util.concurrent.atomic.AtomicReference;

/**
 * The HTTP server's request handler: {@code POST /v1/check} (and {@code POST /v1/noop} when the
 * benchmark aid is on, so that the ratio between the two stays honest) are answered here, before
 * the Vert.x Web router, with the same auth ({@link ApiKeys}, client access), the same body limit
 * ({@code server.max_body}: 413) and the same problem answers ({@link Problems#fail}) as their
 * routes. Everything else, and any request this class is not sure to handle exactly like the
 * router (another spelling of the path, a form or multipart body, {@code Expect: 100-continue}),
 * goes to the router, which still has both routes.
 *
 * <p>Why: the router's dispatch (a routing context, a wrapper around the request, a handler chain
 * per route, the body handler's copy of the body into its own buffer) was most of the server's
 * CPU per request of this endpoint (docs/operations.md, HTTP throughput). Here a request costs one
 * small object: the body's first chunk is kept as it is (a small body arrives in one), and only
 * a body in several chunks is copied, up to the limit.
 */
final class HotPath implements Handler<HttpServerRequest> {
    static final String CHECK_PATH = "/v1/check";
    private static final String FORM = "application/x-www-form-urlencoded";
    private static final String MULTIPART = "multipart/";

    private final Handler<HttpServerRequest> router;
    private final AtomicReference<HttpSettings> settings;
    private final CheckHandler check;
    private final boolean noop;

    HotPath(Handler<HttpServerRequest> router, AtomicReference<HttpSettings> settings, CheckHandler check,
            boolean noop) {
        this.router = router;
        this.settings = settings;
        this.check = check;
        this.noop = noop;
    }

    @Override
    public void handle(HttpServerRequest req) {
        boolean isCheck;
        if (req.method() != HttpMethod.POST) {
            router.handle(req);
            return;
        }
        String path = req.path();
        if (CHECK_PATH.equals(path)) {
            isCheck = true;
        } else if (noop && NoopHandler.PATH.equals(path)) {
            isCheck = false;
        } else {
            router.handle(req);
            return;
        }
        if (!plain(req)) {
            router.handle(req);
            return;
        }
        HttpSettings s = settings.get();
        long contentLength;
        try {
            ApiKeys.authorize(s.keys().authenticate(req.getHeader(HttpHeaderNames.AUTHORIZATION)), Access.CLIENT);
            contentLength = contentLength(req);
        } catch (RuntimeException e) {
            Problems.fail(req, -1, e);
            return;
        }
        if (contentLength > s.maxBodyBytes()) {
            Problems.fail(req, 413, null);
            return;
        }
        Body body = new Body(req, s.maxBodyBytes(), isCheck);
        req.handler(body);
        req.exceptionHandler(body::broken);
        req.endHandler(body::end);
    }

    /** A body the router's body handler would take as it is: not a form, not multipart, no 100-continue. */
    private static boolean plain(HttpServerRequest req) {
        String type = req.getHeader(HttpHeaderNames.CONTENT_TYPE);
        if (type != null && (type.regionMatches(true, 0, FORM, 0, FORM.length())
                || type.regionMatches(true, 0, MULTIPART, 0, MULTIPART.length()))) {
            return false;
        }
        return req.getHeader(HttpHeaders.EXPECT) == null;
    }

    /** The declared length, -1 when there is none (chunked); a malformed one is left to the limit while reading. */
    private static long contentLength(HttpServerRequest req) {
        String v = req.getHeader(HttpHeaderNames.CONTENT_LENGTH);
        if (v == null) {
            return -1;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** One request's body, bounded, then its answer. */
    private final class Body implements Handler<Buffer>, CheckHandler.Failed {
        private final HttpServerRequest req;
        private final long max;
        private final boolean isCheck;
        private Buffer bytes;
        private boolean copied;
        private boolean done;

        Body(HttpServerRequest req, long max, boolean isCheck) {
            this.req = req;
            this.max = max;
            this.isCheck = isCheck;
        }

        @Override
        public void handle(Buffer chunk) {
            if (done) {
                return;
            }
            long size = (bytes == null ? 0 : bytes.length()) + (long) chunk.length();
            if (size > max) {
                done = true;
                Problems.fail(req, 413, null);
                return;
            }
            if (bytes == null) {
                bytes = chunk;
            } else {
                if (!copied) {
                    bytes = Buffer.buffer((int) Math.min(max, 2L * size)).appendBuffer(bytes);
                    copied = true;
                }
                bytes.appendBuffer(chunk);
            }
        }

        void end(Void ignored) {
            if (done) {
                return;
            }
            done = true;
            try {
                if (isCheck) {
                    check.check(bytes, req.response(), this);
                } else {
                    NoopHandler.answer(req.response());
                }
            } catch (RuntimeException e) {
                fail(e);
            }
        }

        void broken(Throwable t) {
            if (done) {
                return;
            }
            done = true;
            fail(t);
        }

        @Override
        public void fail(Throwable t) {
            Problems.fail(req, -1, t);
        }
    }
}
