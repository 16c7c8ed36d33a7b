package dev.moat.core.store;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.ban.ScoreDecay;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable-state contract kept in memory only: for the library use without a disk, for tests, and
 * as the local fallback of the Redis store. Nothing survives a restart; the server's embedded
 * default uses moat-sqlite instead.
 */
public final class MemoryStateStore implements StateStore {
    /** A score and the instant it was last written (for decay). */
    private record Score(double value, long atMillis) {
    }

    private final ConcurrentHashMap<String, Ban> bans = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Integer> banCounts = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, Score>> scores = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentLinkedDeque<LogEntry>> logs = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> revokedTokens = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> userRevocations = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, String[]> linkSpam = new ConcurrentHashMap<>();
    private final AtomicLong seq = new AtomicLong();

    @Override
    public void putBan(Ban ban) {
        bans.put(ban.subject(), ban);
        banCounts.merge(ban.subject(), 1, Integer::sum);
    }

    @Override
    public boolean removeBan(String subject) {
        return bans.remove(subject) != null;
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        boolean[] lifted = {false};
        bans.computeIfPresent(subject, (k, b) -> {
            if (b.createdAtMillis() <= createdUpToMillis) {
                lifted[0] = true;
                return null;
            }
            return b;
        });
        return lifted[0];
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        bans.values().removeIf(b -> !b.activeAt(nowMillis));
        return List.copyOf(bans.values());
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        List<Ban> all = new ArrayList<>();
        for (Ban b : bans.values()) {
            if (b.activeAt(nowMillis) && (subjectFilter == null || b.subject().contains(subjectFilter))
                    && (source == null || b.source() == source)) {
                all.add(b);
            }
        }
        all.sort(Comparator.comparingLong(Ban::createdAtMillis).reversed().thenComparing(Ban::subject));
        return Cursors.page(all, cursor, limit, b -> Cursors.banKey(b.createdAtMillis(), b.subject()),
                Cursors.NEWEST_THEN_SUBJECT);
    }

    @Override
    public int banCount(String subject) {
        return banCounts.getOrDefault(subject, 0);
    }

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        double[] before = new double[1];
        Score after = scores.computeIfAbsent(subject, k -> new ConcurrentHashMap<>()).compute(type, (k, old) -> {
            double prev = old == null ? 0 : ScoreDecay.decayed(old.value, old.atMillis, nowMillis, halfLifeMillis);
            before[0] = prev;
            return new Score(prev + score, Math.max(nowMillis, old == null ? nowMillis : old.atMillis));
        });
        return new ScoreChange(before[0], after.value);
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        Map<String, Double> out = new LinkedHashMap<>();
        Map<String, Score> m = scores.get(subject);
        if (m != null) {
            m.forEach((type, s) -> {
                double v = ScoreDecay.decayed(s.value, s.atMillis, nowMillis, halfLifeMillis);
                if (v != 0) {
                    out.put(type, v);
                }
            });
        }
        return out;
    }

    @Override
    public void resetScores(String subject) {
        scores.remove(subject);
    }

    @Override
    public LogEntry append(LogEntry entry) {
        LogEntry stored = entry.withSeq(seq.incrementAndGet());
        logs.computeIfAbsent(entry.subject(), k -> new ConcurrentLinkedDeque<>()).addFirst(stored);
        return stored;
    }

    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        ConcurrentLinkedDeque<LogEntry> d = logs.get(subject);
        List<LogEntry> all = d == null ? new ArrayList<>() : new ArrayList<>(d);
        all.sort(Comparator.comparingLong(LogEntry::seq).reversed());
        return Cursors.page(all, cursor, limit, e -> Long.toString(e.seq()), Cursors.SEQ_DESCENDING);
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        scores.forEach((subject, m) -> {
            double best = 0;
            for (Score s : m.values()) {
                best = Math.max(best, ScoreDecay.decayed(s.value, s.atMillis, nowMillis, halfLifeMillis));
            }
            if (best > 0) {
                all.add(Map.entry(subject, best));
            }
        });
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return all.subList(0, Math.min(limit, all.size()));
    }

    @Override
    public int pruneLog(long beforeMillis) {
        int[] removed = {0};
        logs.values().forEach(d -> d.removeIf(e -> {
            boolean old = e.atMillis() < beforeMillis;
            if (old) {
                removed[0]++;
            }
            return old;
        }));
        return removed[0];
    }

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        revokedTokens.merge(jti, expiresAtMillis, Math::max);
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        Long until = revokedTokens.get(jti);
        return until != null && nowMillis < until;
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        userRevocations.merge(user, beforeMillis, Math::max);
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        return userRevocations.getOrDefault(user, Long.MIN_VALUE);
    }

    @Override
    public String linkSpamState(String key, long nowMillis) {
        String[] v = linkSpam.get(key);
        if (v == null || Long.parseLong(v[1]) <= nowMillis) {
            return null;
        }
        return v[0];
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        linkSpam.put(key, new String[] {state, Long.toString(expiresAtMillis)});
    }
}
