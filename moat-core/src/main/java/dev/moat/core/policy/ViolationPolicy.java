package dev.moat.core.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code violations} section.
 *
 * @param scores         type -> score overrides; defaults from {@link #DEFAULT_SCORES}, else 1
 * @param anonymousByIp  score unauthenticated offenders by IP ({@code anonymous: ip}); false is LibreChat's {@code none}
 * @param perType        one score per type (LibreChat) or one total per subject
 * @param halfLifeMillis 0: scores never decay
 * @param retentionMillis how long the violation log keeps entries (0: forever)
 */
public record ViolationPolicy(Map<String, Integer> scores, boolean anonymousByIp, boolean perType, long halfLifeMillis,
                              long retentionMillis) {

    /** The default scores of the config spec's table (LibreChat's defaults). */
    public static final Map<String, Integer> DEFAULT_SCORES = Map.ofEntries(
            Map.entry("logins", 1), Map.entry("registrations", 1), Map.entry("message_limit", 1),
            Map.entry("concurrent", 1), Map.entry("file_upload_limit", 1), Map.entry("reset_password_limit", 1),
            Map.entry("verify_email_limit", 1), Map.entry("tts_limit", 1), Map.entry("stt_limit", 1),
            Map.entry("tool_call_limit", 1), Map.entry("non_browser", 20), Map.entry("illegal_model_request", 5),
            Map.entry("link_spam", 0), Map.entry("filtered", 0), Map.entry("flagged_content", 0),
            Map.entry("invalid_token", 1));

    /** The total of all types, when {@code per_type: false}. */
    public static final String TOTAL = "total";

    public static final ViolationPolicy DEFAULTS = new ViolationPolicy(Map.of(), true, true, 0, 90L * 24 * 3600 * 1000);

    public ViolationPolicy {
        Map<String, Integer> copy = new LinkedHashMap<>();
        if (scores != null) {
            scores.forEach((type, score) -> {
                if (score == null || score < 0) {
                    throw new IllegalArgumentException("violations.scores." + type + " must be 0 or more, was " + score);
                }
                copy.put(type, score);
            });
        }
        scores = java.util.Collections.unmodifiableMap(copy);
        if (halfLifeMillis < 0) {
            throw new IllegalArgumentException("violations.half_life must not be negative, was " + halfLifeMillis + "ms");
        }
        if (retentionMillis < 0) {
            throw new IllegalArgumentException("violations.retention must not be negative, was " + retentionMillis + "ms");
        }
    }

    public int scoreOf(String type) {
        Integer s = scores.get(type);
        if (s != null) {
            return s;
        }
        return DEFAULT_SCORES.getOrDefault(type, 1);
    }

    /** The score key a violation of {@code type} adds to. */
    public String scoreKey(String type) {
        return perType ? type : TOTAL;
    }
}
