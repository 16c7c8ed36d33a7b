package dev.moat.core;

import java.util.Locale;

/** Why a request was refused (the API's {@code reason}). */
public enum Reason {
    BANNED, RATE_LIMITED, CONCURRENCY, NON_BROWSER, INVALID_MODEL, ILLEGAL_MODEL, LINK_SPAM, FILTERED, FLAGGED_CONTENT,
    MODERATION_UNAVAILABLE;

    /** Computed once: every decision renders it (the answer, the metrics, the audit log). */
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }
}
