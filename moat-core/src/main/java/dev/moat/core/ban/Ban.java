package dev.moat.core.ban;

/**
 * A ban of one subject until an instant.
 *
 * @param subject         canonical subject ({@code user:..}, {@code ip:..}, {@code cidr:..}, ...)
 * @param reason          why: the refusal reason that started it (auto) or the operator's words
 * @param type            the violation type that started it, or {@code manual}
 * @param source          auto or manual
 * @param createdAtMillis when it started
 * @param expiresAtMillis when it ends by itself
 * @param violationCount  the subject's score when the ban started (0 for manual bans)
 * @param actor           who started it: {@code moat} for the rule, else the API key's name
 */
public record Ban(String subject, String reason, String type, BanSource source, long createdAtMillis,
                  long expiresAtMillis, long violationCount, String actor) {

    public Ban {
        if (subject == null || subject.isEmpty()) {
            throw new IllegalArgumentException("subject is required");
        }
        if (expiresAtMillis < createdAtMillis) {
            throw new IllegalArgumentException("a ban cannot expire before it starts");
        }
        reason = reason == null ? "" : reason;
        type = type == null ? "manual" : type;
        source = source == null ? BanSource.MANUAL : source;
        actor = actor == null ? "moat" : actor;
    }

    public boolean activeAt(long nowMillis) {
        return nowMillis < expiresAtMillis;
    }

    public long millisLeft(long nowMillis) {
        return Math.max(0, expiresAtMillis - nowMillis);
    }
}
