package dev.moat.core.policy;

import dev.moat.core.content.Filter;
import dev.moat.core.content.LinkSpamPolicy;

import java.util.List;

/**
 * Everything the engine decides by: the config file mapped onto validated records. The server
 * builds it from YAML; a library user builds it in code. Immutable; a reload swaps the whole.
 */
public record MoatPolicy(RateLimits rateLimits, ViolationPolicy violations, BanPolicy bans, LinkSpamPolicy linkSpam,
                         List<Filter> filters, ModerationPolicy moderation, RequestChecks requestChecks) {

    public MoatPolicy {
        rateLimits = rateLimits == null ? Presets.get("private_small") : rateLimits;
        violations = violations == null ? ViolationPolicy.DEFAULTS : violations;
        bans = bans == null ? BanPolicy.DEFAULTS : bans;
        linkSpam = linkSpam == null ? LinkSpamPolicy.DEFAULTS : linkSpam;
        filters = filters == null ? List.of() : List.copyOf(filters);
        moderation = moderation == null ? ModerationPolicy.DISABLED : moderation;
        requestChecks = requestChecks == null ? RequestChecks.NONE : requestChecks;
    }

    /** The embedded default: preset private_small and every other section at its default. */
    public static MoatPolicy defaults() {
        return new MoatPolicy(null, null, null, null, null, null, null);
    }

    public MoatPolicy withRateLimits(RateLimits r) {
        return new MoatPolicy(r, violations, bans, linkSpam, filters, moderation, requestChecks);
    }

    public MoatPolicy withViolations(ViolationPolicy v) {
        return new MoatPolicy(rateLimits, v, bans, linkSpam, filters, moderation, requestChecks);
    }

    public MoatPolicy withBans(BanPolicy b) {
        return new MoatPolicy(rateLimits, violations, b, linkSpam, filters, moderation, requestChecks);
    }

    public MoatPolicy withLinkSpam(LinkSpamPolicy l) {
        return new MoatPolicy(rateLimits, violations, bans, l, filters, moderation, requestChecks);
    }

    public MoatPolicy withFilters(List<Filter> f) {
        return new MoatPolicy(rateLimits, violations, bans, linkSpam, f, moderation, requestChecks);
    }

    public MoatPolicy withModeration(ModerationPolicy m) {
        return new MoatPolicy(rateLimits, violations, bans, linkSpam, filters, m, requestChecks);
    }

    public MoatPolicy withRequestChecks(RequestChecks r) {
        return new MoatPolicy(rateLimits, violations, bans, linkSpam, filters, moderation, r);
    }
}
