package dev.moat.core.content;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The model allow-list check of {@code request_checks.models} (LibreChat's illegal-model check).
 *
 * <p>A model id is <em>valid</em> when it has 1 to {@link #MAX_MODEL_CHARS} chars and matches
 * {@code ^[a-zA-Z0-9][a-zA-Z0-9_.:/@+-]*$}, checked by hand in one pass (no regular expression
 * runs on request data). An invalid id is refused as {@code invalid_model} and records no
 * violation: it is malformed input, not a probe for a model. A valid id that is not in its
 * endpoint's list is refused as {@code illegal_model} and records {@code illegal_model_request}.
 * An endpoint with no list configured (or a null endpoint) allows every valid id; an endpoint
 * configured with an empty list allows none. Ids are compared exactly (case-sensitive).
 */
public final class ModelCheck {

    /** A model id longer than this is invalid. */
    public static final int MAX_MODEL_CHARS = 256;

    private ModelCheck() {
    }

    /** The outcome of the check. */
    public enum Result {
        /** Valid and allowed. */
        OK(null, null),
        /** Malformed id: refuse with reason {@code invalid_model}, record nothing. */
        INVALID("invalid_model", null),
        /** Not offered on that endpoint: refuse with {@code illegal_model}, record a violation. */
        ILLEGAL("illegal_model", "illegal_model_request");

        private final String reason;
        private final String violationType;

        Result(String reason, String violationType) {
            this.reason = reason;
            this.violationType = violationType;
        }

        /** The API {@code reason} of a refusal, or null for {@link #OK}. */
        public String reason() {
            return reason;
        }

        /** The violation type to record, or null when none is recorded. */
        public String violationType() {
            return violationType;
        }
    }

    /**
     * Checks {@code model} against the allow-list of {@code endpoint}.
     *
     * @param endpoint  the endpoint named by the request, may be null
     * @param model     the model id named by the request; null or empty is {@link Result#INVALID}
     * @param allowList endpoint to allowed model ids ({@code request_checks.models})
     */
    public static Result check(String endpoint, String model, Map<String, Set<String>> allowList) {
        Objects.requireNonNull(allowList, "allowList");
        if (!isValidId(model)) {
            return Result.INVALID;
        }
        Set<String> allowed = endpoint == null ? null : allowList.get(endpoint);
        if (allowed == null) {
            return Result.OK;
        }
        return allowed.contains(model) ? Result.OK : Result.ILLEGAL;
    }

    /** Whether {@code model} is 1-256 chars matching {@code ^[a-zA-Z0-9][a-zA-Z0-9_.:/@+-]*$}. */
    public static boolean isValidId(String model) {
        if (model == null || model.isEmpty() || model.length() > MAX_MODEL_CHARS) {
            return false;
        }
        if (!LinkNormaliser.isAsciiAlnum(model.charAt(0))) {
            return false;
        }
        for (int k = 1; k < model.length(); k++) {
            char c = model.charAt(k);
            if (!LinkNormaliser.isAsciiAlnum(c) && "_.:/@+-".indexOf(c) < 0) {
                return false;
            }
        }
        return true;
    }
}
