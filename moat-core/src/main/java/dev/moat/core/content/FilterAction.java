package dev.moat.core.content;

/**
 * What a filter does when one of its patterns matches. When several filters match, BLOCK wins
 * over CENSOR, which wins over REPORT (the declaration order breaks ties: the first filter wins).
 */
public enum FilterAction {
    /** Refuse the message (verdict {@code deny}, reason {@code filtered}). */
    BLOCK,
    /** Deliver the message with every match replaced by asterisks ({@code censored_text}). */
    CENSOR,
    /** Deliver the message unchanged and emit a report event carrying it. */
    REPORT
}
