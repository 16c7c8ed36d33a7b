package dev.moat.core;

/**
 * A request the engine cannot evaluate: names the offending field. The server maps it to a 400
 * problem with {@code errors: [{field, message}]}. This is misuse, so it is an exception; a
 * refusal is never an exception.
 */
public final class InvalidRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final String field;

    public InvalidRequestException(String field, String message) {
        super(field + ": " + message);
        this.field = field;
    }

    public String field() {
        return field;
    }

    /** The message without the field prefix. */
    public String reason() {
        return getMessage().substring(field.length() + 2);
    }
}
