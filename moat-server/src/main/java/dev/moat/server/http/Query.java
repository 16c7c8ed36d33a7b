package dev.moat.server.http;

import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/** Query-string and path parameters, validated with the same 400 shape as bodies. */
final class Query {
    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final RoutingContext ctx;
    private final List<ApiException.FieldError> errors = new ArrayList<>();

    Query(RoutingContext ctx) {
        this.ctx = ctx;
    }

    String string(String name, int maxChars) {
        List<String> all = ctx.queryParam(name);
        if (all.isEmpty()) {
            return null;
        }
        if (all.size() > 1) {
            errors.add(new ApiException.FieldError(name, "given more than once"));
            return null;
        }
        String v = all.get(0);
        if (v.isEmpty()) {
            return null;
        }
        if (v.length() > maxChars) {
            errors.add(new ApiException.FieldError(name, "must be at most " + maxChars + " characters"));
            return null;
        }
        return v;
    }

    int pageSize() {
        String v = string("limit", 10);
        if (v == null) {
            return DEFAULT_PAGE;
        }
        try {
            int n = Integer.parseInt(v);
            if (n >= 1 && n <= MAX_PAGE) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        errors.add(new ApiException.FieldError("limit", "must be an integer from 1 to " + MAX_PAGE + ", was '" + v + "'"));
        return DEFAULT_PAGE;
    }

    void reject(String name, String message) {
        errors.add(new ApiException.FieldError(name, message));
    }

    /** The {@code {subject}} path parameter, percent-decoded. */
    String subject() {
        String s = ctx.pathParam("subject");
        if (s == null || s.isEmpty()) {
            errors.add(new ApiException.FieldError("subject", "is required"));
            return null;
        }
        if (s.length() > Bodies.ID_CHARS + 16) {
            errors.add(new ApiException.FieldError("subject", "must be at most " + (Bodies.ID_CHARS + 16) + " characters"));
            return null;
        }
        return s;
    }

    void check() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }
}
