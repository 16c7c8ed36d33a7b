package dev.moat.redis;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.ban.ScoreDecay;
import dev.moat.core.store.Cursors;
import dev.moat.core.store.Page;
import dev.moat.core.store.StateStore;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.ZAddArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/*
 * How it works and why.
 *
 * Per subject, under the subject's hash tag: the ban (a hash that expires with the ban), the
 * ban counter (escalation), the scores (a hash type -> "score|atMillis", updated by a script that
 * decays and adds atomically), the violation log (a stream capped by MAXLEN ~ and pruned by
 * MINID), and link-spam state. Three sorted sets index what must be listed across subjects: bans
 * (by expiry, so expired entries are dropped on read by a range delete that cannot race a new
 * ban), top offenders (by a decay-normalised score), and subjects with a log (for pruning).
 *
 * Every write returns only after Redis acknowledged it; what that is worth on a crash depends on
 * Redis's persistence settings (docs/redis.md recommends appendonly with fsync everysec or always).
 * A ban is indexed before it is stored, so a crash in between leaves an index entry without a ban
 * (skipped, dropped when it expires), never a ban that nobody can list.
 *
 * Time-to-live values are relative (PX) and computed in the caller's clock, so an offset between a
 * node's clock and Redis's never drops a key early. Correctness never rests on a TTL: every value
 * carries its own instant (a ban's expiry, a revocation's end) that reads compare with "now".
 */

/** Bans, scores, the violation log, token revocations and link-spam state in Redis. */
public final class RedisStateStore implements StateStore {

    /**
     * Tuning.
     *
     * @param expirySlackMillis kept past a value's own expiry before Redis drops it (clock skew)
     * @param logMaxLen         entries kept per subject's log at most (MAXLEN ~), whatever the retention
     * @param graceMillis       extra time to live for values written without a "now" (revocations,
     *                          link-spam state), in case the caller's clock is behind Redis's
     */
    public record Options(long expirySlackMillis, long logMaxLen, long graceMillis) {
        public Options {
            if (expirySlackMillis < 0 || logMaxLen < 1 || graceMillis < 0) {
                throw new IllegalArgumentException("invalid redis state store options");
            }
        }

        public static Options defaults() {
            return new Options(5_000, 10_000, 3_600_000);
        }
    }

    private static final long MAX_TTL = 100L * 365 * 24 * 3600 * 1000;

    private final RedisConnection redis;
    private final KeyLayout keys;
    private final Options options;

    public RedisStateStore(RedisConnection redis, String keyPrefix) {
        this(redis, keyPrefix, Options.defaults());
    }

    public RedisStateStore(RedisConnection redis, String keyPrefix, Options options) {
        this.redis = redis;
        this.keys = new KeyLayout(keyPrefix);
        this.options = options;
    }

    public KeyLayout keys() {
        return keys;
    }

    private RedisClusterAsyncCommands<String, String> cmd() {
        return redis.async();
    }

    private static <T> T await(CompletableFuture<T> f, long deadline) {
        return RedisConnection.await(f, deadline);
    }

    private <T> T now(java.util.function.Supplier<? extends java.util.concurrent.CompletionStage<T>> command) {
        return await(RedisConnection.start(command), redis.deadline());
    }

    /** Scores strictly below {@code millis}. */
    private static Range<Number> before(long millis) {
        return Range.from(Range.Boundary.unbounded(), Range.Boundary.excluding((Number) millis));
    }

    private long ttl(long millis) {
        return Math.max(1, Math.min(MAX_TTL, millis + options.expirySlackMillis()));
    }

    /** For values written without a "now": relative to this machine's clock, plus a grace. */
    private long ttlUntil(long expiresAtMillis) {
        long left = expiresAtMillis - System.currentTimeMillis();
        return Math.max(1, Math.min(MAX_TTL, Math.max(0, left) + options.graceMillis() + options.expirySlackMillis()));
    }

    // ---- bans ---------------------------------------------------------------------------------

    @Override
    public void putBan(Ban ban) {
        // GT: an index entry never ends before the ban it points to (a late replay may keep a newer ban)
        now(() -> cmd().zadd(keys.banIndex(), ZAddArgs.Builder.gt(), (double) ban.expiresAtMillis(), ban.subject()));
        List<String> argv = new ArrayList<>();
        argv.add(Long.toString(ttl(ban.expiresAtMillis() - ban.createdAtMillis())));
        argv.add(Long.toString(ban.createdAtMillis()));
        argv.addAll(Codec.banFields(ban));
        await(redis.script(Script.BAN_PUT, ScriptOutputType.INTEGER,
                new String[] {keys.ban(ban.subject()), keys.banCount(ban.subject())}, argv.toArray(String[]::new)),
                redis.deadline());
    }

    @Override
    public boolean removeBan(String subject) {
        long deadline = redis.deadline();
        CompletableFuture<Long> del = RedisConnection.start(() -> cmd().del(keys.ban(subject)));
        CompletableFuture<Long> zrem = RedisConnection.start(() -> cmd().zrem(keys.banIndex(), subject));
        long n = await(del, deadline);
        await(zrem, deadline);
        return n > 0;
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        long deadline = redis.deadline();
        long n = await(redis.script(Script.BAN_REMOVE, ScriptOutputType.INTEGER, new String[] {keys.ban(subject)},
                Long.toString(createdUpToMillis)), deadline);
        if (n > 0) {
            await(RedisConnection.start(() -> cmd().zrem(keys.banIndex(), subject)), deadline);
        }
        return n > 0;
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        return loadBans(nowMillis);
    }

    private List<Ban> loadBans(long nowMillis) {
        long deadline = redis.bulkDeadline();
        // entries whose ban expired by the caller's clock go; a new ban re-adds with a later score
        await(RedisConnection.start(() -> cmd().zremrangebyscore(keys.banIndex(), before(nowMillis))), deadline);
        List<String> subjects = await(RedisConnection.start(() -> cmd().zrange(keys.banIndex(), 0, -1)), deadline);
        List<CompletableFuture<Map<String, String>>> fs = new ArrayList<>(subjects.size());
        for (String s : subjects) {
            fs.add(RedisConnection.start(() -> cmd().hgetall(keys.ban(s))));
        }
        List<Ban> out = new ArrayList<>(subjects.size());
        for (CompletableFuture<Map<String, String>> f : fs) {
            Ban b = Codec.banFromHash(await(f, deadline));
            if (b != null && b.activeAt(nowMillis)) {
                out.add(b);
            }
        }
        return out;
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        List<Ban> all = new ArrayList<>();
        for (Ban b : loadBans(nowMillis)) {
            if ((subjectFilter == null || b.subject().contains(subjectFilter)) && (source == null || b.source() == source)) {
                all.add(b);
            }
        }
        all.sort(Comparator.comparingLong(Ban::createdAtMillis).reversed().thenComparing(Ban::subject));
        return page(all, cursor, limit);
    }

    /**
     * Keyset pagination with the memory store's cursors: "createdAt:subject" of the last item; the
     * next page starts at the first ban that sorts after it, whether or not that ban still exists.
     */
    private static Page<Ban> page(List<Ban> sorted, String cursor, int limit) {
        int size = Math.max(1, Math.min(limit, Cursors.MAX_LIMIT));
        int start = 0;
        if (cursor != null && !cursor.isEmpty()) {
            int colon = cursor.indexOf(':', 1);
            if (colon < 0) {
                throw malformed(cursor);
            }
            long created;
            try {
                created = Long.parseLong(cursor.substring(0, colon));
            } catch (NumberFormatException e) {
                throw malformed(cursor);
            }
            String subject = cursor.substring(colon + 1);
            start = sorted.size();
            for (int i = 0; i < sorted.size(); i++) {
                Ban b = sorted.get(i);
                int c = Long.compare(created, b.createdAtMillis());
                if (c > 0 || (c == 0 && b.subject().compareTo(subject) > 0)) {
                    start = i;
                    break;
                }
            }
        }
        int end = Math.min(sorted.size(), start + size);
        List<Ban> items = new ArrayList<>(sorted.subList(Math.min(start, end), end));
        String next = end < sorted.size() && !items.isEmpty() ? cursorOf(items.get(items.size() - 1)) : null;
        return new Page<>(items, next);
    }

    private static String cursorOf(Ban b) {
        return b.createdAtMillis() + ":" + b.subject();
    }

    static IllegalArgumentException malformed(String cursor) {
        String shown = cursor.length() > 64 ? cursor.substring(0, 64) + "..." : cursor;
        return new IllegalArgumentException("malformed cursor '" + shown + "'");
    }

    @Override
    public int banCount(String subject) {
        String v = now(() -> cmd().get(keys.banCount(subject)));
        return v == null ? 0 : (int) Math.min(Integer.MAX_VALUE, Long.parseLong(v));
    }

    // ---- scores -------------------------------------------------------------------------------

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        long deadline = redis.deadline();
        List<Object> r = await(redis.script(Script.SCORE_ADD, ScriptOutputType.MULTI, new String[] {keys.scores(subject)},
                type, Double.toString(score), Long.toString(nowMillis), Long.toString(halfLifeMillis)), deadline);
        double previous = Double.parseDouble(String.valueOf(r.get(0)));
        double current = Double.parseDouble(String.valueOf(r.get(1)));
        long at = Long.parseLong(String.valueOf(r.get(2)));
        if (current > 0) {
            double rank = rank(current, at, halfLifeMillis);
            await(RedisConnection.start(() -> cmd().zadd(keys.topIndex(), ZAddArgs.Builder.gt(), rank, subject)), deadline);
        }
        return new ScoreChange(previous, current);
    }

    /**
     * The top-offenders rank of a score: with decay, log2(score) + at / halfLife, which orders
     * subjects exactly as their decayed scores would at any common instant, without rewriting it
     * as time passes; without decay, the score itself.
     */
    static double rank(double score, long atMillis, long halfLifeMillis) {
        if (halfLifeMillis <= 0) {
            return score;
        }
        return Math.log(score) / Math.log(2) + (double) atMillis / halfLifeMillis;
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        Map<String, String> h = now(() -> cmd().hgetall(keys.scores(subject)));
        return decayedScores(h, nowMillis, halfLifeMillis);
    }

    private static Map<String, Double> decayedScores(Map<String, String> h, long nowMillis, long halfLifeMillis) {
        Map<String, Double> out = new LinkedHashMap<>();
        if (h == null) {
            return out;
        }
        for (Map.Entry<String, String> e : h.entrySet()) {
            String v = e.getValue();
            int bar = v.lastIndexOf('|');
            if (bar <= 0) {
                continue;
            }
            double d = ScoreDecay.decayed(Double.parseDouble(v.substring(0, bar)), Long.parseLong(v.substring(bar + 1)),
                    nowMillis, halfLifeMillis);
            if (d != 0) {
                out.put(e.getKey(), d);
            }
        }
        return out;
    }

    @Override
    public void resetScores(String subject) {
        long deadline = redis.deadline();
        CompletableFuture<Long> del = RedisConnection.start(() -> cmd().del(keys.scores(subject)));
        CompletableFuture<Long> zrem = RedisConnection.start(() -> cmd().zrem(keys.topIndex(), subject));
        await(del, deadline);
        await(zrem, deadline);
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        if (limit <= 0) {
            return List.of();
        }
        long deadline = redis.bulkDeadline();
        long candidates = Math.min(10_000, (long) limit * 4 + 16);
        List<String> subjects = await(RedisConnection.start(() -> cmd().zrevrange(keys.topIndex(), 0, candidates - 1)),
                deadline);
        List<CompletableFuture<Map<String, String>>> fs = new ArrayList<>();
        for (String s : subjects) {
            fs.add(RedisConnection.start(() -> cmd().hgetall(keys.scores(s))));
        }
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        for (int i = 0; i < subjects.size(); i++) {
            double best = 0;
            for (double d : decayedScores(await(fs.get(i), deadline), nowMillis, halfLifeMillis).values()) {
                best = Math.max(best, d);
            }
            if (best > 0) {
                all.add(Map.entry(subjects.get(i), best));
            }
        }
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    // ---- the violation log --------------------------------------------------------------------

    @Override
    public LogEntry append(LogEntry entry) {
        long deadline = redis.deadline();
        List<String> argv = new ArrayList<>();
        argv.add(Long.toString(Math.max(0, entry.atMillis())));
        argv.add(Long.toString(options.logMaxLen()));
        String[] scriptKeys;
        if (redis.isCluster()) {
            // the counter lives on another node: take the number first
            long seq = await(RedisConnection.start(() -> cmd().incr(keys.logSequence())), deadline);
            argv.add(Long.toString(seq));
            scriptKeys = new String[] {keys.log(entry.subject())};
        } else {
            argv.add("0");
            scriptKeys = new String[] {keys.log(entry.subject()), keys.logSequence()};
        }
        argv.addAll(Codec.entryFields(entry));
        CompletableFuture<List<Object>> added = redis.script(Script.LOG_APPEND, ScriptOutputType.MULTI, scriptKeys,
                argv.toArray(String[]::new));
        CompletableFuture<Long> indexed = RedisConnection.start(
                () -> cmd().zadd(keys.logIndex(), ZAddArgs.Builder.gt(), (double) entry.atMillis(), entry.subject()));
        List<Object> r = await(added, deadline);
        await(indexed, deadline);
        return entry.withSeq(Long.parseLong(String.valueOf(r.get(1))));
    }

    /**
     * Newest first. The cursor is the stream id of the last entry of the previous page (opaque to
     * callers); the next page starts strictly before it, whether or not that entry still exists.
     */
    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        int size = Math.max(1, Math.min(limit, Cursors.MAX_LIMIT));
        Range<String> range;
        if (cursor == null || cursor.isEmpty()) {
            range = Range.unbounded();
        } else {
            String before = Codec.idBefore(cursor);
            if (before == null) {
                return new Page<>(List.of(), null);
            }
            range = Range.from(Range.Boundary.unbounded(), Range.Boundary.including(before));
        }
        Range<String> r = range;
        List<StreamMessage<String, String>> msgs = await(RedisConnection.start(
                () -> cmd().xrevrange(keys.log(subject), r, Limit.from(size + 1))), redis.bulkDeadline());
        List<LogEntry> items = new ArrayList<>(Math.min(size, msgs.size()));
        for (int i = 0; i < msgs.size() && i < size; i++) {
            StreamMessage<String, String> m = msgs.get(i);
            items.add(Codec.entryFromFields(subject, m.getBody()));
        }
        String next = msgs.size() > size ? msgs.get(size - 1).getId() : null;
        return new Page<>(items, next);
    }

    @Override
    public int pruneLog(long beforeMillis) {
        long deadline = redis.bulkDeadline();
        List<String> subjects = await(RedisConnection.start(() -> cmd().zrange(keys.logIndex(), 0, -1)), deadline);
        String minId = Math.max(0, beforeMillis) + "-0";
        List<CompletableFuture<Long>> fs = new ArrayList<>();
        for (String s : subjects) {
            fs.add(redis.script(Script.LOG_PRUNE, ScriptOutputType.INTEGER, new String[] {keys.log(s)}, minId));
        }
        long removed = 0;
        for (CompletableFuture<Long> f : fs) {
            removed += await(f, deadline);
        }
        // subjects whose last entry is older than the cut have nothing left; a new entry re-adds them
        await(RedisConnection.start(() -> cmd().zremrangebyscore(keys.logIndex(), before(beforeMillis))), deadline);
        return (int) Math.min(Integer.MAX_VALUE, removed);
    }

    // ---- token revocation ---------------------------------------------------------------------

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        await(redis.script(Script.MAX_SET, ScriptOutputType.VALUE, new String[] {keys.revokedToken(jti)},
                Long.toString(expiresAtMillis), Long.toString(ttlUntil(expiresAtMillis))), redis.deadline());
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        String v = now(() -> cmd().get(keys.revokedToken(jti)));
        return v != null && nowMillis < Long.parseLong(v);
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        await(redis.script(Script.MAX_SET, ScriptOutputType.VALUE, new String[] {keys.userRevocation(user)},
                Long.toString(beforeMillis), "0"), redis.deadline());
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        String v = now(() -> cmd().get(keys.userRevocation(user)));
        return v == null ? Long.MIN_VALUE : Long.parseLong(v);
    }

    // ---- link-spam state ----------------------------------------------------------------------

    @Override
    public String linkSpamState(String key, long nowMillis) {
        String v = now(() -> cmd().get(keys.linkSpam(key)));
        if (v == null) {
            return null;
        }
        int bar = v.indexOf('|');
        if (bar <= 0 || Long.parseLong(v.substring(0, bar)) <= nowMillis) {
            return null;
        }
        return v.substring(bar + 1);
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        String value = expiresAtMillis + "|" + state;
        now(() -> cmd().set(keys.linkSpam(key), value, io.lettuce.core.SetArgs.Builder.px(ttlUntil(expiresAtMillis))));
    }

    /** Redis acknowledges each write before the method returns; nothing is buffered here. */
    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
