package dev.moat.core.content;

import java.util.Objects;
import java.util.Set;

/**
 * The answer of a {@link ModerationClient}: flagged or not (with the categories that fired,
 * e.g. {@code harassment}, {@code violence/graphic}), or an error.
 *
 * @param flagged      whether any input was flagged; false when {@code error} is set
 * @param categories   the categories that fired across all inputs; empty when not flagged
 * @param error        null on success, else what went wrong
 * @param errorMessage a short description of the error for logs, or null on success
 */
public record ModerationResult(boolean flagged, Set<String> categories, ErrorKind error, String errorMessage) {

    /** Why moderation gave no answer. */
    public enum ErrorKind {
        /** The service failed, timed out, or answered something unreadable. */
        UNAVAILABLE
    }

    private static final ModerationResult NOT_FLAGGED = new ModerationResult(false, Set.of(), null, null);

    /** Validates that an error excludes a verdict and that a verdict has no error message. */
    public ModerationResult {
        categories = Set.copyOf(Objects.requireNonNull(categories, "categories"));
        if (error != null && (flagged || !categories.isEmpty())) {
            throw new IllegalArgumentException("a moderation error carries no verdict, got flagged="
                    + flagged + " categories=" + categories);
        }
        if (error == null && errorMessage != null) {
            throw new IllegalArgumentException("errorMessage without an error: \"" + errorMessage + "\"");
        }
        if (!flagged && !categories.isEmpty()) {
            throw new IllegalArgumentException("categories " + categories + " given but not flagged");
        }
    }

    /** Nothing was flagged. */
    public static ModerationResult notFlagged() {
        return NOT_FLAGGED;
    }

    /** Flagged, with the categories that fired (may be empty when the service names none). */
    public static ModerationResult flagged(Set<String> categories) {
        return new ModerationResult(true, categories, null, null);
    }

    /** The service could not answer; {@code message} says why (no secrets in it). */
    public static ModerationResult unavailable(String message) {
        return new ModerationResult(false, Set.of(), ErrorKind.UNAVAILABLE,
                Objects.requireNonNull(message, "message"));
    }

    /** Whether the service answered (flagged or not). */
    public boolean answered() {
        return error == null;
    }
}
