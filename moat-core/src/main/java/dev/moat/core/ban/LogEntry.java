package dev.moat.core.ban;

import java.util.Map;

/**
 * One line of a subject's history: a violation, or a ban, unban or score reset.
 *
 * @param seq        position in the log, assigned by the store (0 before it is stored); pages use it
 * @param subject    whose history this is
 * @param kind       what happened
 * @param type       the violation type (for bans, the type that started it; else empty)
 * @param score      the violation's score
 * @param total      the subject's score for that type after it
 * @param atMillis   when
 * @param banStarted this violation started a ban
 * @param detail     free text (the operator's reason for manual entries)
 * @param actor      {@code moat} or the API key's name
 * @param facts      the request's facts: action, ip, user, realm, ... (never secrets or message text)
 */
public record LogEntry(long seq, String subject, Kind kind, String type, double score, double total, long atMillis,
                       boolean banStarted, String detail, String actor, Map<String, String> facts) {

    /** What a log entry records. */
    public enum Kind {
        VIOLATION, BAN, UNBAN, RESET;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        public static Kind fromWire(String s) {
            return valueOf(s.toUpperCase(java.util.Locale.ROOT));
        }
    }

    public LogEntry {
        type = type == null ? "" : type;
        detail = detail == null ? "" : detail;
        actor = actor == null ? "moat" : actor;
        facts = facts == null ? Map.of() : Map.copyOf(facts);
    }

    public LogEntry withSeq(long newSeq) {
        return new LogEntry(newSeq, subject, kind, type, score, total, atMillis, banStarted, detail, actor, facts);
    }
}
