package dev.moat.core;

import dev.moat.core.ban.Ban;

import java.util.List;

/**
 * The engine's answer: a refusal is a value, never an exception.
 *
 * @param verdict          allow, deny, kick or ban
 * @param reason           null for allow
 * @param message          a sentence for the end user, specific to the reason; null for allow
 * @param retryAfterMillis when a retry can succeed (rate limit: next free slot; ban: time left); -1 when not applicable
 * @param limit            for {@code rate_limited}: the limit that fired
 * @param limits           every limit evaluated
 * @param violation        the violation recorded, or null
 * @param ban              the ban that refuses the request or that started, or null
 * @param censoredText     when a censor filter matched: the text to deliver instead
 * @param filter           the name of the filter that matched, or null
 * @param reply            the filter's reply text for the sender, or null
 */
public record Decision(Verdict verdict, Reason reason, String message, long retryAfterMillis, LimitStatus limit,
                       List<LimitStatus> limits, ViolationRecord violation, Ban ban, String censoredText, String filter,
                       String reply) {

    public Decision {
        limits = limits == null ? List.of() : List.copyOf(limits);
    }

    public boolean allowed() {
        return verdict == Verdict.ALLOW;
    }

    static Decision allow(List<LimitStatus> limits, String censoredText, String filter) {
        return new Decision(Verdict.ALLOW, null, null, -1, null, limits, null, null, censoredText, filter, null);
    }
}
