package dev.moat.server.observe;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.MoatListener;
import dev.moat.core.ViolationRecord;
import dev.moat.core.ban.Ban;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Prometheus metrics from the engine's events:
 * <ul>
 *   <li>{@code moat_decisions_total{verdict,reason,action}} (reason {@code none} for allow)
 *   <li>{@code moat_limits_near_total{limit}}: an admitted request left at most 10% of the limit
 *   <li>{@code moat_limits_over_total{limit}}: a limit refused a request
 *   <li>{@code moat_violations_total{type}}
 *   <li>{@code moat_bans_started_total{source}} and the gauge {@code moat_bans_active}
 * </ul>
 * Dry runs are not counted. Counters are cached per tag set, so an event costs a map lookup and
 * an add. Tag values come from the config (actions, limit ids) except violation types, which a
 * caller may invent; those are capped at {@value #MAX_TYPES} distinct values, then {@code other}.
 */
public final class MetricsListener implements MoatListener {
    static final int MAX_TYPES = 200;
    private static final int VERDICTS = Verdict.values().length;
    private static final int REASONS_OR_NONE = Reason.values().length + 1;

    private final MeterRegistry registry;
    /** Per action, one counter slot per (verdict, reason or none): a decision builds no key string. */
    private final ConcurrentMap<String, AtomicReferenceArray<Counter>> decisions = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> near = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> over = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> violations = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> bansStarted = new ConcurrentHashMap<>();

    public MetricsListener(MeterRegistry registry, Moat moat) {
        this.registry = registry;
        Gauge.builder("moat.bans.active", moat, Moat::activeBanCount)
                .description("Bans in force on this node").register(registry);
    }

    @Override
    public void onDecision(CheckRequest r, Decision d) {
        if (r.dryRun()) {
            return;
        }
        decisionCounter(r.action(), d.verdict(), d.reason()).increment();
        for (LimitStatus l : d.limits()) {
            if (!l.allowed()) {
                over.computeIfAbsent(l.id(), id -> Counter.builder("moat.limits.over")
                        .description("Requests a limit refused").tag("limit", id).register(registry)).increment();
            } else if (l.remaining() * 10 <= l.max()) {
                near.computeIfAbsent(l.id(), id -> Counter.builder("moat.limits.near")
                        .description("Admitted requests that left at most 10% of a limit").tag("limit", id)
                        .register(registry)).increment();
            }
        }
    }

    private Counter decisionCounter(String action, Verdict verdict, Reason reason) {
        AtomicReferenceArray<Counter> slots = decisions.computeIfAbsent(action,
                a -> new AtomicReferenceArray<>(VERDICTS * REASONS_OR_NONE));
        int slot = verdict.ordinal() * REASONS_OR_NONE + (reason == null ? 0 : reason.ordinal() + 1);
        Counter c = slots.get(slot);
        if (c == null) {
            // the registry hands back the same counter for the same tags, so a race registers one
            c = Counter.builder("moat.decisions")
                    .description("Decisions by verdict, reason and action")
                    .tag("verdict", verdict.wire()).tag("reason", reason == null ? "none" : reason.wire())
                    .tag("action", action)
                    .register(registry);
            slots.set(slot, c);
        }
        return c;
    }

    @Override
    public void onViolation(ViolationRecord v, CheckRequest request) {
        if (request != null && request.dryRun()) {
            return;
        }
        String type = violations.containsKey(v.type()) || violations.size() < MAX_TYPES ? v.type() : "other";
        violations.computeIfAbsent(type, t -> Counter.builder("moat.violations")
                .description("Violations recorded, by type").tag("type", t).register(registry)).increment();
    }

    @Override
    public void onBanStarted(Ban ban) {
        String source = ban.source().wire();
        bansStarted.computeIfAbsent(source, s -> Counter.builder("moat.bans.started")
                .description("Bans started, by source (auto: the violation rule; manual: an operator)")
                .tag("source", s).register(registry)).increment();
    }
}
