package dev.moat.core;

import java.util.Locale;

/** What the caller should do with the request. */
public enum Verdict {
    /** Go ahead. */
    ALLOW,
    /** Refuse this request. */
    DENY,
    /** Refuse and disconnect the user; they may come back. */
    KICK,
    /** Refuse; a ban now exists (or, with a zero ban duration, end the user's sessions). */
    BAN;

    /** Computed once: every decision renders it (the answer, the metrics, the audit log). */
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }
}
