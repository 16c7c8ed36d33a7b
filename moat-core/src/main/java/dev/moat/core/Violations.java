package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.ViolationPolicy;
import dev.moat.core.store.StateStore;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/*
 * How it works and why.
 *
 * A violation adds its score to one subject: the user when there is one, else (anonymous: ip)
 * the request's address, an IPv6 address by its ban prefix. LibreChat returns early when there is
 * no logged-in user, so brute force against its login page never leads to a ban; Moat scores the
 * address instead unless told not to.
 *
 * The ban rule is LibreChat's: a ban starts each time the score reaches or crosses a multiple of
 * bans.interval, i.e. floor(previous / interval) < floor(current / interval). It bans the scored
 * subject and, when ban_ip is on, the request's address too (IPv6 by prefix), each for
 * duration * factor^(n - 1) capped at max, n being that subject's own ban count. Exempt subjects
 * are never banned, and a request with an exempt user or address bans nobody. An automatic ban
 * never replaces a ban in force that lasts longer. A duration of 0 is a soft ban: the verdict is ban, nothing is stored.
 *
 * Order of writes: the score and its log entry go to the store in one call (StateStore
 * .recordViolation: one commit with SQLite), the entry saying whether a ban starts; then the bans
 * go to the durable store and the in-memory book; all of them before the caller gets its answer,
 * so an acknowledged ban survives a crash. A crash between the two leaves a logged crossing whose
 * ban was never stored, for a request that was never answered. Whether a ban starts is worked out
 * before the write from the ban book and ban counts; a ban started or lifted concurrently in
 * between can make the entry's ban_started disagree with what this call then does.
 */

/** Scores violations and starts bans. */
final class Violations {

    /** What recording one violation did. */
    record Outcome(ViolationRecord record, Ban ban, boolean softBan) {
        boolean banned() {
            return ban != null || softBan;
        }
    }

    private final StateStore state;
    private final BanBook banBook;
    private final Moat moat;

    Violations(StateStore state, BanBook banBook, Moat moat) {
        this.state = state;
        this.banBook = banBook;
        this.moat = moat;
    }

    /**
     * Whether a violation by this user or address is scored at all: a user always is, an anonymous
     * address only when the policy scores addresses. When not, {@link #record} returns null, and a
     * caller can skip building what it would have logged.
     */
    static boolean scores(CompiledPolicy p, Identity id) {
        return id.user != null || (id.ip != null && p.policy.violations().anonymousByIp());
    }

    /**
     * Records a violation of {@code type}. Returns null when nobody can be scored (no user, and
     * no IP or anonymous scoring off).
     */
    Outcome record(CompiledPolicy p, String type, double score, Identity id,
                   Map<String, String> facts, String detail, boolean dryRun, CheckRequest request, long nowMillis) {
        if (!scores(p, id)) {
            return null;
        }
        ViolationPolicy vp = p.policy.violations();
        BanPolicy bp = p.policy.bans();
        String userSubject = id.user;
        IpAddress ip = id.ip;
        String ipSubject = id.ipKey; // the address's key under this policy's IPv6 ban prefix
        String scored = userSubject != null ? userSubject : ipSubject;
        String key = vp.scoreKey(type);
        // Everything the ban rule needs besides the score change is known before the write: who
        // would be banned (exemptions are policy) and, for a target already banned, whether its
        // ban in force outlasts the one it would get. So the log entry can say whether a ban
        // starts, and score and entry go to the store in one call (one commit with SQLite).
        List<String> targets = bp.enabled() && score > 0 ? banTargets(p, bp, userSubject, ip, ipSubject, scored) : List.of();
        ScoreChange change;
        if (dryRun) {
            double current = state.scores(scored, nowMillis, vp.halfLifeMillis()).getOrDefault(key, 0.0);
            change = new ScoreChange(current, current + score);
        } else {
            boolean wouldStart = wouldStartABan(bp, targets, nowMillis);
            change = state.recordViolation(scored, key, score, nowMillis, vp.halfLifeMillis(),
                    c -> new LogEntry(0, scored, LogEntry.Kind.VIOLATION, type, score, c.current(), nowMillis,
                            wouldStart && crossed(bp, score, c), detail, "moat", facts)).change();
        }
        ViolationRecord record = new ViolationRecord(type, score, change.current(), scored);
        Ban first = null;
        boolean soft = false;
        if (crossed(bp, score, change)) {
            String reason = reasonFor(type);
            for (String subject : targets) {
                int n = state.banCount(subject) + 1;
                long duration = bp.durationMillisFor(n);
                if (duration == 0) {
                    soft = true;
                    continue;
                }
                Ban current = banBook.get(subject, nowMillis);
                if (current != null && current.expiresAtMillis() >= nowMillis + duration) {
                    // A longer ban is in force (an operator's 30 days, say; reportViolation does not
                    // stop at bans as check() does): an automatic ban never shortens it.
                    if (first == null) {
                        first = current;
                    }
                    continue;
                }
                Ban ban = new Ban(subject, reason, type, BanSource.AUTO, nowMillis, nowMillis + duration,
                        (long) Math.floor(change.current()), "moat");
                if (!dryRun) {
                    // durable before record() returns, so before the caller answers
                    moat.startBan(ban, detail == null ? "score " + fmt(change.current()) + " for " + type : detail);
                }
                if (first == null) {
                    first = ban;
                }
            }
        }
        if (!dryRun) {
            moat.emitViolation(record, request);
        }
        return new Outcome(record, first, soft && first == null);
    }

    /** Whether this violation's score change reaches or crosses a multiple of bans.interval. */
    private static boolean crossed(BanPolicy bp, double score, ScoreChange change) {
        return bp.enabled() && score > 0 && bp.crossed(change.previous(), change.current());
    }

    /**
     * Who a crossing bans: the scored subject and, with ban_ip, the request's address. Nobody when
     * any party is exempt: banning the address of an exempt user would lock out everyone else
     * behind it for traffic we promised to allow, and banning a user who came from an exempt range
     * contradicts that range's exemption.
     */
    private static List<String> banTargets(CompiledPolicy p, BanPolicy bp, String userSubject, IpAddress ip,
                                           String ipSubject, String scored) {
        if (p.isExempt(userSubject, ip, null, null) || p.isExemptSubject(scored)) {
            return List.of();
        }
        List<String> targets = new ArrayList<>(2);
        targets.add(scored);
        if (bp.banIp() && ipSubject != null && !ipSubject.equals(scored)) {
            targets.add(ipSubject);
        }
        return targets;
    }

    /**
     * Whether a crossing now would start a ban (or a soft ban) for some target: yes for a target
     * with no ban in force; for one already banned, only when the ban it would get is soft or
     * outlasts the one in force. Reads the ban count only for targets already banned (rare:
     * check() stops banned subjects before they can violate).
     */
    private boolean wouldStartABan(BanPolicy bp, List<String> targets, long nowMillis) {
        for (String subject : targets) {
            Ban current = banBook.get(subject, nowMillis);
            if (current == null) {
                return true;
            }
            long duration = bp.durationMillisFor(state.banCount(subject) + 1);
            if (duration == 0 || current.expiresAtMillis() < nowMillis + duration) {
                return true;
            }
        }
        return false;
    }

    /** The refusal reason a violation type stands for, used as the ban's reason. */
    static String reasonFor(String type) {
        return switch (type) {
            case "non_browser" -> "non_browser";
            case "illegal_model_request" -> "illegal_model";
            case "link_spam" -> "link_spam";
            case "filtered" -> "filtered";
            case "flagged_content" -> "flagged_content";
            case "concurrent" -> "concurrency";
            case "invalid_token" -> "invalid_token";
            default -> "rate_limited";
        };
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(java.util.Locale.ROOT, "%.2f", v);
    }
}
