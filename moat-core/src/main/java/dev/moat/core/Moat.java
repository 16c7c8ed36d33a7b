package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.identity.Subject;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.Realm;
import dev.moat.core.policy.Restrictions;
import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.MemoryStateStore;
import dev.moat.core.store.Page;
import dev.moat.core.store.StateStore;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.LongFunction;

/**
 * The engine, and the one entry type of moat-core. It answers "may this subject do this now,
 * and if not, why and until when?" and keeps the ban lifecycle.
 *
 * <p>A decision runs one way: identity, bans, request checks, content checks, limits, verdict;
 * violations, score and ban on the way out. The server parses and renders; this class decides;
 * the stores remember. Thread-safe; a reload swaps the compiled policy atomically and keeps every
 * counter, score and ban.
 */
public final class Moat implements AutoCloseable {
    /** The subject and the key a global limit counts under. */
    private static final String GLOBAL_SUBJECT = "*";
    private static final String GLOBAL_KEY = "global";

    private volatile CompiledPolicy compiled;
    private final LimitStore limits;
    private final StateStore state;
    private final Clock clock;
    private final BanBook banBook = new BanBook();
    private final Violations violations;
    private final ContentChecks content;
    private final CopyOnWriteArrayList<MoatListener> listeners = new CopyOnWriteArrayList<>();

    private Moat(Builder b) {
        this.clock = b.clock;
        this.limits = b.limits;
        this.state = b.state;
        this.compiled = new CompiledPolicy(b.policy);
        this.violations = new Violations(state, banBook, this);
        this.content = new ContentChecks(state, b.moderation);
        this.listeners.addAll(b.listeners);
        reloadBans();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Everything in memory, preset private_small, system clock. */
    public static Moat inMemory() {
        return builder().build();
    }

    // ---- decisions ----------------------------------------------------------------------------

    /** Decides one request, counting it if allowed (unless a dry run). */
    public Decision check(CheckRequest r) {
        return check(r, null);
    }

    /**
     * As {@link #check(CheckRequest)}, for a caller that sends many requests with the same subject
     * strings (a gateway connection): {@code memo} keeps what was parsed from them (null: none).
     */
    public Decision check(CheckRequest r, IdentityMemo memo) {
        CompiledPolicy p = compiled;
        long now = clock.nowMillis();
        Identity id = memo == null ? Identity.of(r, p) : memo.identity(r, p);
        CompiledPolicy.CompiledAction action = p.action(r.realm(), r.action());
        if (action == null) {
            throw new InvalidRequestException("action", "unknown action '" + r.action() + "' in the "
                    + r.realm().wire() + " realm: not a known restriction and not in the config");
        }
        if (r.cost() < 0) {
            throw new InvalidRequestException("cost", "must not be negative, was " + r.cost());
        }
        boolean exempt = p.isExempt(id.user, id.ip, id.server, id.appservice);

        Decision d = null;
        if (!exempt) {
            Ban ban = banBook.find(id.user, id.ip, id.ipSubject, id.server, id.appservice, now);
            if (ban != null) {
                d = new Decision(Verdict.DENY, Reason.BANNED, Messages.banned(ban.millisLeft(now)), ban.millisLeft(now),
                        null, List.of(), null, ban, null, null, null);
            }
        }
        ContentChecks.Result contentResult = null;
        if (d == null) {
            d = requestChecks(p, r, id, now);
        }
        if (d == null) {
            contentResult = content.evaluate(p, r, id, now);
            if (contentResult.refusal() != null) {
                d = refuseWithViolation(p, r, id, contentResult.refusal(), now);
            }
        }
        if (d == null) {
            d = exempt ? Decision.allow(List.of(), null, null) : limits(p, r, id, action, now);
            if (d.allowed() && contentResult != null && contentResult.censoredText() != null) {
                d = Decision.allow(d.limits(), contentResult.censoredText(), contentResult.filter());
            }
        }
        if (contentResult != null && contentResult.report() && !r.dryRun()) {
            emitReport("filter", r, d);
        }
        emitDecision(r, d);
        return d;
    }

    private Decision requestChecks(CompiledPolicy p, CheckRequest r, Identity id, long now) {
        ContentChecks.Refusal refusal = ContentChecks.requestChecks(p, r);
        return refusal == null ? null : refuseWithViolation(p, r, id, refusal, now);
    }

    /** Turns a check's refusal into a decision, recording its violation (and maybe starting a ban). */
    private Decision refuseWithViolation(CompiledPolicy p, CheckRequest r, Identity id, ContentChecks.Refusal f, long now) {
        Violations.Outcome v = null;
        if (f.violationType() != null) {
            double score = f.score() >= 0 ? f.score() : p.policy.violations().scoreOf(f.violationType());
            v = violations.record(p, f.violationType(), score, id, facts(r, id), f.detail(), r.dryRun(), r, now);
        }
        Ban ban = f.ban();
        Verdict verdict = f.verdict();
        String message = f.message();
        if (ban != null && p.isExempt(id.user, id.ip, id.server, id.appservice)) {
            // exempt subjects are never banned: the link-spam ladder's ban step only disconnects
            ban = null;
            verdict = Verdict.KICK;
            message = Messages.kicked();
        }
        if (ban != null && !r.dryRun()) {
            startBan(ban, f.detail());
        }
        if (v != null && v.banned()) {
            verdict = Verdict.BAN;
            ban = ban != null ? ban : v.ban();
        }
        if (verdict == Verdict.BAN && f.verdict() != Verdict.BAN) {
            message = Messages.banStarted(ban == null ? 0 : ban.expiresAtMillis() - ban.createdAtMillis());
        }
        if ((verdict == Verdict.KICK || verdict == Verdict.BAN) && id.userId != null && !r.dryRun()) {
            emitKick(id.userId, f.reason().wire());
        }
        Decision d = new Decision(verdict, f.reason(), message, ban == null ? -1 : ban.millisLeft(now), null, List.of(),
                v == null ? null : v.record(), ban, null, f.filter(), f.reply());
        if ((verdict == Verdict.KICK || verdict == Verdict.BAN) && !r.dryRun()) {
            emitReport(verdict.wire(), r, d);
        }
        return d;
    }

    private static LimitStatus status(CompiledPolicy.CompiledLimit l, String key, LimitOutcome o) {
        return new LimitStatus(l.id(), l.scope(), key, l.limiter().spec().max(), l.limiter().spec().perMillis(),
                o.remaining(), o.resetMillis(), o.allowed(), o.retryAfterMillis());
    }

    private Decision limits(CompiledPolicy p, CheckRequest r, Identity id, CompiledPolicy.CompiledAction a, long now) {
        int n = a.target().size() + a.global().size();
        if (n == 0) {
            return Decision.allow(List.of(), null, null);
        }
        if (n == 1) {
            return oneLimit(p, r, id, a, now);
        }
        // arrays, not lists: most actions have one or two limits, and this runs on every check
        LimitCall[] calls = new LimitCall[n];
        CompiledPolicy.CompiledLimit[] applied = new CompiledPolicy.CompiledLimit[n];
        String[] keys = new String[n];
        int m = 0;
        for (CompiledPolicy.CompiledLimit l : a.target()) {
            String key = id.keyFor(l.by());
            if (key != null) {
                calls[m] = id.call(l, key, r.cost());
                applied[m] = l;
                keys[m++] = key;
            }
        }
        for (CompiledPolicy.CompiledLimit l : a.global()) {
            calls[m] = id.call(l, GLOBAL_SUBJECT, r.cost());
            applied[m] = l;
            keys[m++] = GLOBAL_KEY;
        }
        if (m == 0) {
            return Decision.allow(List.of(), null, null);
        }
        if (m == 1) {
            return single(p, r, id, a, applied[0], keys[0], calls[0], now);
        }
        LimitStatus[] statuses = new LimitStatus[m];
        LimitOutcome[] out = this.limits.consume(Arrays.asList(calls).subList(0, m), now, r.dryRun());
        for (int i = 0; i < m; i++) {
            statuses[i] = status(applied[i], keys[i], out[i]);
        }
        for (int i = 0; i < m; i++) {
            if (!statuses[i].allowed()) {
                return refused(p, r, id, a, applied[i], statuses[i], List.of(statuses), now);
            }
        }
        return Decision.allow(List.of(statuses), null, null);
    }

    /** An action with a single limit, the common case: no arrays, the store's single-limit call. */
    private Decision oneLimit(CompiledPolicy p, CheckRequest r, Identity id, CompiledPolicy.CompiledAction a, long now) {
        boolean global = a.target().isEmpty();
        CompiledPolicy.CompiledLimit l = global ? a.global().get(0) : a.target().get(0);
        String key = global ? GLOBAL_KEY : id.keyFor(l.by());
        if (key == null) {
            return Decision.allow(List.of(), null, null);
        }
        return single(p, r, id, a, l, key, id.call(l, global ? GLOBAL_SUBJECT : key, r.cost()), now);
    }

    /** The decision on one limit's call (the store's single-limit path): allowed, or refused by it. */
    private Decision single(CompiledPolicy p, CheckRequest r, Identity id, CompiledPolicy.CompiledAction a,
                            CompiledPolicy.CompiledLimit l, String key, LimitCall call, long now) {
        LimitStatus status = status(l, key, this.limits.consume(call, now, r.dryRun()));
        List<LimitStatus> statuses = List.of(status);
        return status.allowed() ? Decision.allow(statuses, null, null) : refused(p, r, id, a, l, status, statuses, now);
    }

    /** The answer when limit {@code firedLimit} refused: its violation (when scored), a ban it starts, the message. */
    private Decision refused(CompiledPolicy p, CheckRequest r, Identity id, CompiledPolicy.CompiledAction a,
                             CompiledPolicy.CompiledLimit firedLimit, LimitStatus fired, List<LimitStatus> statuses,
                             long now) {
        String type = a.violationType();
        Violations.Outcome v = !Violations.scores(p, id) ? null // a flood of unscored refusals builds no log text
                : violations.record(p, type, p.policy.violations().scoreOf(type), id,
                        facts(r, id), "limit " + fired.id() + " (" + fired.key() + ")", r.dryRun(), r, now);
        boolean bytes = Restrictions.BYTE_BUDGETS.contains(a.name());
        String message = Messages.rateLimited(a.name(), firedLimit.limiter().spec(), fired.retryAfterMillis(), bytes);
        if (v != null && v.banned()) {
            Ban ban = v.ban();
            if (id.userId != null && !r.dryRun()) {
                emitKick(id.userId, Reason.RATE_LIMITED.wire());
            }
            return new Decision(Verdict.BAN, Reason.RATE_LIMITED,
                    Messages.banStarted(ban == null ? 0 : ban.expiresAtMillis() - ban.createdAtMillis()),
                    ban == null ? fired.retryAfterMillis() : ban.millisLeft(now), fired, statuses, v.record(), ban,
                    null, null, null);
        }
        return new Decision(Verdict.DENY, Reason.RATE_LIMITED, message, fired.retryAfterMillis(), fired, statuses,
                v == null ? null : v.record(), null, null, null, null);
    }

    // ---- concurrency --------------------------------------------------------------------------

    /** The answer to a lease request: a lease, or a refusal shaped like a check. */
    public record LeaseResult(boolean allowed, String lease, long expiresAtMillis, Decision refusal) {
    }

    /** Takes a concurrency lease for {@code action} (keyed by the user, else the IP). */
    public LeaseResult acquire(String actionName, Realm realm, String user, String ip) {
        CompiledPolicy p = compiled;
        long now = clock.nowMillis();
        CheckRequest r = CheckRequest.builder(actionName).realm(realm).user(user).ip(ip).build();
        Identity id = Identity.of(r, p);
        CompiledPolicy.CompiledAction a = p.action(r.realm(), actionName);
        if (a == null) {
            throw new InvalidRequestException("action", "unknown action '" + actionName + "'");
        }
        if (id.user == null && id.ip == null) {
            throw new InvalidRequestException("user", "at least one of user, ip is required");
        }
        Ban ban = p.isExempt(id.user, id.ip, null, null) ? null : banBook.find(id.user, id.ip, id.ipSubject, null, null, now);
        if (ban != null) {
            Decision d = new Decision(Verdict.DENY, Reason.BANNED, Messages.banned(ban.millisLeft(now)),
                    ban.millisLeft(now), null, List.of(), null, ban, null, null, null);
            return new LeaseResult(false, null, 0, d);
        }
        ConcurrencyConfig c = a.concurrent();
        String holder = id.user != null ? id.user : id.ipKey;
        if (c == null || p.isExempt(id.user, id.ip, null, null)) {
            // no concurrency limit: grant an unlimited lease so callers need no special case
            LeaseGrant g = limits.acquireLease(r.realm().wire() + ".concurrent." + actionName + "|" + holder,
                    Integer.MAX_VALUE, 60_000, now);
            return new LeaseResult(true, g.leaseId(), g.expiresAtMillis(), null);
        }
        LeaseGrant g = limits.acquireLease(r.realm().wire() + ".concurrent." + actionName + "|" + holder, c.max(),
                c.leaseMillis(), now);
        if (g.allowed()) {
            return new LeaseResult(true, g.leaseId(), g.expiresAtMillis(), null);
        }
        Violations.Outcome v = violations.record(p, "concurrent", p.policy.violations().scoreOf("concurrent"), id,
                facts(r, id), "concurrent " + actionName + " over " + c.max(), false, r, now);
        boolean banned = v != null && v.banned();
        Ban started = banned ? v.ban() : null;
        if (banned && id.userId != null) {
            emitKick(id.userId, Reason.CONCURRENCY.wire());
        }
        // as for a rate limit: when this refusal started a ban, a retry succeeds when the ban ends
        Decision d = new Decision(banned ? Verdict.BAN : Verdict.DENY, Reason.CONCURRENCY,
                banned ? Messages.banStarted(started == null ? 0 : started.expiresAtMillis() - started.createdAtMillis())
                        : Messages.concurrency(c.max()),
                started != null ? started.millisLeft(now) : g.retryAfterMillis(),
                null, List.of(), v == null ? null : v.record(), started, null, null, null);
        emitDecision(r, d);
        return new LeaseResult(false, null, 0, d);
    }

    public void release(String lease) {
        limits.releaseLease(lease, clock.nowMillis());
    }

    // ---- violations reported by the chat server ----------------------------------------------

    /** The result of {@link #reportViolation}. */
    public record ViolationResult(ViolationRecord violation, Ban ban, boolean softBan) {
    }

    /** Records a violation the chat server detected itself; {@code score} null means the configured one. */
    public ViolationResult reportViolation(String type, String user, String ip, Double score, String detail) {
        if (type == null || type.isBlank()) {
            throw new InvalidRequestException("type", "is required");
        }
        if (type.length() > 64) {
            throw new InvalidRequestException("type", "must be at most 64 characters");
        }
        if (score != null && (score < 0 || score.isNaN() || score.isInfinite())) {
            throw new InvalidRequestException("score", "must be 0 or more, was " + score);
        }
        CompiledPolicy p = compiled;
        long now = clock.nowMillis();
        CheckRequest r = CheckRequest.builder("violation").user(user).ip(ip).build();
        Identity id = Identity.of(r, p);
        if (id.user == null && id.ip == null) {
            throw new InvalidRequestException("user", "at least one of user, ip is required");
        }
        double s = score != null ? score : p.policy.violations().scoreOf(type);
        Map<String, String> facts = facts(r, id);
        facts.remove("action");
        Violations.Outcome v = violations.record(p, type, s, id, facts, detail, false, null, now);
        if (v == null) {
            return new ViolationResult(new ViolationRecord(type, s, 0, null), null, false);
        }
        if (v.banned() && id.userId != null) {
            emitKick(id.userId, Violations.reasonFor(type));
        }
        return new ViolationResult(v.record(), v.ban(), v.softBan());
    }

    // ---- the ban lifecycle --------------------------------------------------------------------

    /** Bans {@code subject} (any subject form; IPs and CIDRs normalised) for {@code durationMillis}. */
    public Ban ban(String subject, long durationMillis, String reason, String actor) {
        Subject s = parseSubject("subject", subject);
        if (durationMillis <= 0) {
            throw new InvalidRequestException("duration", "must be positive, was " + durationMillis + "ms");
        }
        CompiledPolicy p = compiled;
        if (p.isExemptSubject(s.toString())) {
            throw new InvalidRequestException("subject", s + " is exempt (rate_limits.exempt) and cannot be banned");
        }
        long now = clock.nowMillis();
        Ban ban = new Ban(s.toString(), reason == null || reason.isBlank() ? "manual" : reason, "manual",
                BanSource.MANUAL, now, saturatedAdd(now, durationMillis), 0, actor);
        startBan(ban, reason);
        if (s.kind() == Subject.Kind.USER) {
            emitKick(s.id(), Reason.BANNED.wire());
        }
        return ban;
    }

    /** Lifts the ban of {@code subject}; false when there was none. */
    public boolean unban(String subject, String actor, String reason) {
        Subject s = parseSubject("subject", subject);
        String key = s.toString();
        long now = clock.nowMillis();
        // An expired ban is no ban (the API answers 404): the store may still hold it until it is
        // purged, so "the store removed something" is not the answer. The memory book is checked
        // first; the store only when the book lacks it (a ban another node started just now).
        Ban lifted = banBook.get(key, now);
        if (lifted == null) {
            lifted = activeInStore(key, now);
        }
        boolean active = lifted != null;
        // The store lifts this ban or an older one, never a ban made since (by another node, or by
        // a clock that ran ahead): an unban replayed after an outage keeps meaning this ban.
        state.removeBan(key, active ? Math.max(now, lifted.createdAtMillis()) : now);
        banBook.remove(key);
        if (!active) {
            return false;
        }
        state.append(new LogEntry(0, key, LogEntry.Kind.UNBAN, "", 0, 0, now, false, reason, actor, Map.of()));
        for (MoatListener l : listeners) {
            safely(() -> l.onBanLifted(key, actor, reason));
        }
        return true;
    }

    /** The active ban of exactly {@code key} in the store, or null. */
    private Ban activeInStore(String key, long now) {
        String cursor = null;
        do {
            Page<Ban> page = state.listBans(key, null, now, cursor, dev.moat.core.store.Cursors.MAX_LIMIT);
            for (Ban b : page.items()) {
                if (b.subject().equals(key)) {
                    return b;
                }
            }
            cursor = page.next();
        } while (cursor != null);
        return null;
    }

    /** Sets a subject's scores to zero; the log keeps an entry saying who did it. */
    public void resetScores(String subject, String actor, String reason) {
        Subject s = parseSubject("subject", subject);
        state.resetScores(s.toString());
        state.append(new LogEntry(0, s.toString(), LogEntry.Kind.RESET, "", 0, 0, clock.nowMillis(), false, reason, actor,
                Map.of()));
    }

    /** Active bans, newest first. */
    public Page<Ban> bans(String subjectFilter, BanSource source, String cursor, int limit) {
        return state.listBans(subjectFilter, source, clock.nowMillis(), cursor, limit);
    }

    /** The active ban of exactly this subject, or null. */
    public Ban banOf(String subject) {
        return banBook.get(parseSubject("subject", subject).toString(), clock.nowMillis());
    }

    /** A subject's scores and a page of its log. */
    public record History(String subject, Map<String, Double> scores, Page<LogEntry> log) {
    }

    public History history(String subject, String cursor, int limit) {
        String s = parseSubject("subject", subject).toString();
        long now = clock.nowMillis();
        return new History(s, state.scores(s, now, compiled.policy.violations().halfLifeMillis()),
                state.log(s, cursor, limit));
    }

    /** Subjects with the highest scores. */
    public List<Map.Entry<String, Double>> topOffenders(int limit) {
        return state.topScores(limit, clock.nowMillis(), compiled.policy.violations().halfLifeMillis());
    }

    /** Deletes log entries past the retention setting; returns how many. */
    public int pruneLog() {
        long retention = compiled.policy.violations().retentionMillis();
        return retention <= 0 ? 0 : state.pruneLog(clock.nowMillis() - retention);
    }

    /** Stores a ban durably, then makes it live in memory and tells listeners. */
    void startBan(Ban ban, String detail) {
        state.putBan(ban);
        banBook.put(ban, clock.nowMillis());
        state.append(new LogEntry(0, ban.subject(), LogEntry.Kind.BAN, ban.type(), 0, ban.violationCount(),
                ban.createdAtMillis(), true, detail == null ? ban.reason() : detail, ban.actor(),
                Map.of("expires_at_ms", Long.toString(ban.expiresAtMillis()), "source", ban.source().wire())));
        for (MoatListener l : listeners) {
            safely(() -> l.onBanStarted(ban));
        }
    }

    // ---- propagation between nodes ------------------------------------------------------------

    /** Another node started a ban: make it live here (it is already durable there). */
    public void applyRemoteBan(Ban ban) {
        banBook.put(ban, clock.nowMillis());
    }

    /** Another node lifted a ban. */
    public void applyRemoteUnban(String subject) {
        banBook.remove(subject);
    }

    /** Reloads the in-memory bans from the durable store (at start, and after a reconnect). */
    public void reloadBans() {
        reloadBans(state::activeBans);
    }

    /**
     * Reloads the in-memory bans from {@code activeBansAt} (given now, it returns the bans in
     * force). When it throws, the book is left as it is: a resynchronisation that cannot reach
     * the authoritative store must not replace what this node knows with less.
     */
    public void reloadBans(LongFunction<List<Ban>> activeBansAt) {
        banBook.load(activeBansAt.apply(clock.nowMillis()));
    }

    /** Bans in force now (not counting the expired ones the book has not dropped yet). */
    public int activeBanCount() {
        return banBook.activeCount(clock.nowMillis());
    }

    // ---- tokens -------------------------------------------------------------------------------

    public void revokeToken(String jti, long expiresAtMillis) {
        if (jti == null || jti.isEmpty() || jti.length() > 512) {
            throw new InvalidRequestException("jti", "is required (at most 512 characters)");
        }
        state.revokeToken(jti, expiresAtMillis);
    }

    public void revokeUserTokens(String user, long beforeMillis) {
        if (user == null || user.isEmpty() || user.length() > 512) {
            throw new InvalidRequestException("user", "is required (at most 512 characters)");
        }
        state.revokeUserTokens(user, beforeMillis);
    }

    /** Open WebUI's two rules: the token id is revoked, or the user's tokens issued before an instant are. */
    public boolean isTokenRevoked(String jti, String user, long issuedAtMillis) {
        long now = clock.nowMillis();
        if (jti != null && state.isTokenRevoked(jti, now)) {
            return true;
        }
        return user != null && issuedAtMillis < state.userTokensRevokedBefore(user);
    }

    // ---- configuration ------------------------------------------------------------------------

    /** Swaps the policy; counters, scores and bans are kept. Validates fully before swapping. */
    public void reload(MoatPolicy policy) {
        this.compiled = new CompiledPolicy(policy);
    }

    public MoatPolicy policy() {
        return compiled.policy;
    }

    public Clock clock() {
        return clock;
    }

    public LimitStore limitStore() {
        return limits;
    }

    public StateStore stateStore() {
        return state;
    }

    /** True when {@code action} is known or configured in {@code realm}. */
    public boolean knowsAction(Realm realm, String action) {
        return compiled.action(realm, action) != null;
    }

    public void addListener(MoatListener listener) {
        listeners.add(listener);
    }

    public void removeListener(MoatListener listener) {
        listeners.remove(listener);
    }

    @Override
    public void close() {
        state.flush();
    }

    // ---- internals ----------------------------------------------------------------------------

    void emitViolation(ViolationRecord v, CheckRequest r) {
        for (MoatListener l : listeners) {
            safely(() -> l.onViolation(v, r));
        }
    }

    private void emitDecision(CheckRequest r, Decision d) {
        for (MoatListener l : listeners) {
            safely(() -> l.onDecision(r, d));
        }
    }

    private void emitKick(String user, String reason) {
        for (MoatListener l : listeners) {
            safely(() -> l.onKick(user, reason));
        }
    }

    private void emitReport(String kind, CheckRequest r, Decision d) {
        for (MoatListener l : listeners) {
            safely(() -> l.onReport(kind, r, d));
        }
    }

    private static void safely(Runnable r) {
        try {
            r.run();
        } catch (Exception ignored) {
            // A listener must never change a decision. Exception, not RuntimeException: Kotlin
            // code (and Java with sneaky throws) raises checked exceptions such as a webhook's
            // IOException without declaring them, and they would escape a narrower catch.
        }
    }

    static Subject parseSubject(String field, String raw) {
        if (raw == null || raw.isEmpty()) {
            throw new InvalidRequestException(field, "is required");
        }
        try {
            return Subject.parse(raw);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    private static Map<String, String> facts(CheckRequest r, Identity id) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("action", r.action());
        if (r.realm() != Realm.CLIENT) {
            f.put("realm", r.realm().wire());
        }
        if (id.userId != null) {
            f.put("user", id.userId);
        }
        if (id.ip != null) {
            f.put("ip", id.ip.toString());
        }
        if (r.server() != null) {
            f.put("server", r.server());
        }
        if (r.appservice() != null) {
            f.put("appservice", r.appservice());
        }
        return f;
    }

    /** Builds a {@link Moat}. Every part has a default: memory stores, system clock, private_small. */
    public static final class Builder {
        private MoatPolicy policy = MoatPolicy.defaults();
        private LimitStore limits;
        private StateStore state;
        private Clock clock = Clock.SYSTEM;
        private dev.moat.core.content.ModerationClient moderation;
        private final List<MoatListener> listeners = new ArrayList<>();

        public Builder policy(MoatPolicy v) { policy = v; return this; }
        public Builder limitStore(LimitStore v) { limits = v; return this; }
        public Builder stateStore(StateStore v) { state = v; return this; }
        public Builder clock(Clock v) { clock = v; return this; }
        public Builder moderation(dev.moat.core.content.ModerationClient v) { moderation = v; return this; }
        public Builder listener(MoatListener v) { listeners.add(v); return this; }

        public Moat build() {
            if (limits == null) {
                limits = new MemoryLimitStore();
            }
            if (state == null) {
                state = new MemoryStateStore();
            }
            return new Moat(this);
        }
    }
}
