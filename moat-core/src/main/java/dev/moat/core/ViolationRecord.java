package dev.moat.core;

/**
 * A violation that was recorded.
 *
 * @param type    the violation type ({@code logins}, {@code message_limit}, ...)
 * @param score   what this violation added
 * @param total   the subject's score for that type after it (or its total, with {@code per_type: false})
 * @param subject whose score it is ({@code user:..} or, anonymously, {@code ip:..}/{@code cidr:..})
 */
public record ViolationRecord(String type, double score, double total, String subject) {
}
