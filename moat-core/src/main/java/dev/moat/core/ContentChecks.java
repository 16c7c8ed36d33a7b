package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.content.FilterResult;
import dev.moat.core.content.FilterSet;
import dev.moat.core.content.Place;
import dev.moat.core.content.LinkSpamLadder;
import dev.moat.core.content.LinkSpamPolicy;
import dev.moat.core.content.ModelCheck;
import dev.moat.core.content.ModerationClient;
import dev.moat.core.content.ModerationResult;
import dev.moat.core.content.UserAgents;
import dev.moat.core.store.StateStore;

import java.util.List;

/**
 * Request checks (non-browser, model allow-list) and content checks (filters, DM link spam,
 * moderation), run in that order. Each returns a {@link Refusal} value for the engine to turn
 * into a decision and a violation; nothing here decides verdicts about bans or limits.
 */
final class ContentChecks {

    /**
     * A check's refusal.
     *
     * @param score -1: the configured score of {@code violationType}
     * @param ban   a ban this check starts by itself (link spam's second strike), or null
     */
    record Refusal(Verdict verdict, Reason reason, String message, String violationType, double score, Ban ban,
                   String detail, String filter, String reply) {
    }

    /** The outcome of the content checks: a refusal, or what to deliver (censored text, a report). */
    record Result(Refusal refusal, String censoredText, String filter, boolean report) {
        static final Result NOTHING = new Result(null, null, null, false);
    }

    private final StateStore state;
    private final ModerationClient moderation;

    ContentChecks(StateStore state, ModerationClient moderation) {
        this.state = state;
        this.moderation = moderation;
    }

    static Refusal requestChecks(CompiledPolicy p, CheckRequest r) {
        // api.md: user_agent "enables the non-browser check". An absent one skips it: a caller
        // that does not forward user agents would otherwise get every user banned on their first
        // request (non_browser scores 20, one whole interval). An empty one (the client sent no
        // User-Agent header) is checked, and is not a browser.
        if (r.userAgent() != null && p.policy.requestChecks().nonBrowserActions().contains(r.action())
                && !UserAgents.isBrowser(r.userAgent())) {
            return new Refusal(Verdict.DENY, Reason.NON_BROWSER, "Requests must come from a web browser.",
                    "non_browser", -1, null, "non-browser user agent", null, null);
        }
        if (r.model() != null) {
            switch (ModelCheck.check(r.endpoint(), r.model(), p.policy.requestChecks().models())) {
                case INVALID -> {
                    return new Refusal(Verdict.DENY, Reason.INVALID_MODEL, "The model name is not valid.", null, -1,
                            null, null, null, null);
                }
                case ILLEGAL -> {
                    return new Refusal(Verdict.DENY, Reason.ILLEGAL_MODEL,
                            "The model '" + r.model() + "' is not available here.", "illegal_model_request", -1, null,
                            "model " + r.model() + " on " + r.endpoint(), null, null);
                }
                default -> {
                }
            }
        }
        return null;
    }

    Result evaluate(CompiledPolicy p, CheckRequest r, Identity id, long nowMillis) {
        CheckRequest.Message m = r.message();
        if (m == null || m.text() == null) {
            return Result.NOTHING;
        }
        String censored = null;
        String censorFilter = null;
        boolean report = false;
        FilterSet filters = p.filters();
        if (filters != null) {
            FilterResult f = filters.apply(m.text(), m.dm() ? Place.DM : Place.PUBLIC);
            if (!f.allowed()) {
                return new Result(new Refusal(Verdict.DENY, Reason.FILTERED,
                        f.reply() != null ? f.reply() : "This message is not allowed here.", "filtered", -1, null,
                        "filter " + f.filterName(), f.filterName(), f.reply()), null, null, f.reported());
            }
            censored = f.censoredText();
            censorFilter = f.matched() ? f.filterName() : null;
            report = f.reported();
        }
        Refusal spam = linkSpam(p.policy.linkSpam(), r, id, nowMillis);
        if (spam != null) {
            return new Result(spam, null, null, report);
        }
        if (p.policy.moderation().enabled()) {
            ModerationResult mr = moderate(m.text());
            if (mr.flagged()) {
                return new Result(new Refusal(Verdict.DENY, Reason.FLAGGED_CONTENT,
                        "This message was flagged by moderation and was not sent.", "flagged_content", -1, null,
                        "flagged: " + String.join(",", mr.categories()), null, null), null, null, report);
            }
            if (!mr.answered() && p.policy.moderation().failClosed()) {
                return new Result(new Refusal(Verdict.DENY, Reason.MODERATION_UNAVAILABLE,
                        "Messages cannot be checked right now. Try again shortly.", null, -1, null, null, null, null),
                        null, null, report);
            }
        }
        return new Result(null, censored, censorFilter, report);
    }

    /**
     * Asks the moderation client. A missing client, or one that throws despite its contract, is
     * an unavailable service: moderation.on_error decides, never an exception out of check().
     */
    private ModerationResult moderate(String text) {
        if (moderation == null) {
            return ModerationResult.unavailable("moderation is enabled but no moderation client is configured");
        }
        try {
            ModerationResult mr = moderation.moderate(List.of(text));
            return mr != null ? mr : ModerationResult.unavailable("moderation client returned no result");
        } catch (RuntimeException e) {
            return ModerationResult.unavailable("moderation client failed: " + e.getClass().getSimpleName());
        }
    }

    /**
     * The stored state, or null when there is none: absent (null), deleted (the empty string
     * written below), or unreadable (a state from another version must not fail every message
     * that carries its link; starting the count over is the safe reading).
     */
    private static LinkSpamLadder.State decodeOrNull(String raw) {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        try {
            return LinkSpamLadder.State.decode(raw);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** BareRTC's rule: the same link (or long text) by DM to too many people kicks, then bans. */
    private Refusal linkSpam(LinkSpamPolicy policy, CheckRequest r, Identity id, long nowMillis) {
        CheckRequest.Message m = r.message();
        String sender = id.user != null ? id.user : id.ipKey;
        if (!policy.enabled() || !m.dm() || m.to() == null || sender == null) {
            return null;
        }
        LinkSpamLadder.Outcome worst = LinkSpamLadder.Outcome.ALLOW;
        String worstKey = null;
        for (String key : LinkSpamLadder.keys(m.text())) {
            String stateKey = sender + "|" + key;
            LinkSpamLadder.State old = decodeOrNull(state.linkSpamState(stateKey, nowMillis));
            LinkSpamLadder.Step step = LinkSpamLadder.step(old, m.to(), nowMillis, policy);
            if (!r.dryRun()) {
                if (step.state() == null) {
                    if (old != null) {
                        state.putLinkSpamState(stateKey, "", nowMillis);
                    }
                } else if (!step.state().equals(old)) {
                    state.putLinkSpamState(stateKey, step.state().encode(), step.state().expiresAtMillis());
                }
            }
            if (step.outcome().ordinal() > worst.ordinal()) {
                worst = step.outcome();
                worstKey = key;
            }
        }
        return switch (worst) {
            case ALLOW -> null;
            case KICK -> new Refusal(Verdict.KICK, Reason.LINK_SPAM,
                    "You sent the same link to too many people. You have been disconnected; doing it again leads to a ban.",
                    "link_spam", -1, null, "link " + worstKey + " to more than " + policy.maxRecipients() + " recipients",
                    null, null);
            case BAN -> new Refusal(Verdict.BAN, Reason.LINK_SPAM,
                    "You have been banned for " + HumanDuration.text(policy.banMillis()) + " for sending the same link to too many people.",
                    "link_spam", -1,
                    new Ban(sender, "link_spam", "link_spam", BanSource.AUTO, nowMillis, nowMillis + policy.banMillis(), 0, "moat"),
                    "link " + worstKey + " sent again after a kick", null, null);
        };
    }
}
