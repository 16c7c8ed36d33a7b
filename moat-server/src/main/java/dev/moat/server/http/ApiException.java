package dev.moat.server.http;

import java.util.List;

/**
 * A request the server answers with a 4xx/5xx problem: thrown by parsing and auth, rendered once by
 * {@link Problems}. Never used for a refusal (a refusal is a 200 with {@code allowed: false}).
 */
public final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** One invalid field: {@code {"field", "message"}} in the problem's {@code errors}. */
    public record FieldError(String field, String message) {
    }

    private final int status;
    private final String type;
    private final transient List<FieldError> errors;
    private final long retryAfterSeconds;

    public ApiException(int status, String type, String detail, List<FieldError> errors) {
        this(status, type, detail, errors, 0);
    }

    private ApiException(int status, String type, String detail, List<FieldError> errors, long retryAfterSeconds) {
        super(detail, null, false, false);
        this.status = status;
        this.type = type;
        this.errors = errors == null ? List.of() : List.copyOf(errors);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 503 with a {@code Retry-After}: the node cannot serve this now, the same request may succeed later. */
    public static ApiException unavailable(String type, String detail, long retryAfterSeconds) {
        if (retryAfterSeconds < 1) {
            throw new IllegalArgumentException("retryAfterSeconds must be at least 1, was " + retryAfterSeconds);
        }
        return new ApiException(503, type, detail, null, retryAfterSeconds);
    }

    /** 400 naming one field. */
    public static ApiException invalid(String field, String message) {
        return new ApiException(400, "invalid-request", field + ": " + message, List.of(new FieldError(field, message)));
    }

    /** 400 naming every field that is wrong. */
    public static ApiException invalid(List<FieldError> errors) {
        StringBuilder detail = new StringBuilder();
        for (FieldError e : errors) {
            if (detail.length() > 0) {
                detail.append("; ");
            }
            detail.append(e.field()).append(": ").append(e.message());
        }
        return new ApiException(400, "invalid-request", detail.toString(), errors);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "not-found", detail, null);
    }

    public int status() {
        return status;
    }

    /** The slug of the problem type: {@code urn:moat:problem:<type>}. */
    public String type() {
        return type;
    }

    public List<FieldError> errors() {
        return errors;
    }

    /** Seconds for the {@code Retry-After} header, or 0 for none. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
