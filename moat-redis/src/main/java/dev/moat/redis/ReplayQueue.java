package dev.moat.redis;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.store.StateStore;
import dev.moat.core.store.StoreFailureException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/*
 * How it works and why.
 *
 * While Redis is down, every ban, unban, score, log entry and token revocation a node
 * acknowledges is also an operation in this queue, and when a data directory is configured, a
 * line of JSON appended to <data_dir>/redis-replay.jsonl and forced to disk before the write is
 * acknowledged, so a crash during the outage loses nothing either. When Redis answers again the
 * prober replays the queue in order, then rewrites the file with whatever is left (atomically:
 * a temporary file and a rename). Replay is at least once: a crash in the middle of a replay
 * replays the head again (a score added twice, a log line twice), which errs towards
 * remembering abuse. The queue is bounded; when it is full a write is refused (an exception),
 * never silently dropped.
 */

/** The writes acknowledged while Redis was down, waiting to be written to Redis. */
final class ReplayQueue {
    static final String FILE_NAME = "redis-replay.jsonl";

    /** One acknowledged write. */
    sealed interface Op {
        void apply(StateStore store);

        Map<String, Object> json();
    }

    record PutBan(Ban ban) implements Op {
        public void apply(StateStore s) {
            s.putBan(ban);
        }

        public Map<String, Object> json() {
            return op("put_ban", "ban", Codec.banJson(ban));
        }
    }

    /**
     * An unban of the ban created at {@code createdUpToMillis} (or earlier): replayed, it lifts
     * only such a ban, never one made after it, whatever the replaying clock says. The field is
     * still written as {@code at_ms}; files from before this carry the unban's instant there,
     * which is the same guard on a steady clock.
     */
    record RemoveBan(String subject, long createdUpToMillis) implements Op {
        public void apply(StateStore s) {
            s.removeBan(subject, createdUpToMillis);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = op("remove_ban", "subject", subject);
            m.put("at_ms", createdUpToMillis);
            return m;
        }
    }

    record AddScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) implements Op {
        public void apply(StateStore s) {
            s.addScore(subject, type, score, nowMillis, halfLifeMillis);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = op("add_score", "subject", subject);
            m.put("type", type);
            m.put("score", score);
            m.put("now_ms", nowMillis);
            m.put("half_life_ms", halfLifeMillis);
            return m;
        }
    }

    record ResetScores(String subject) implements Op {
        public void apply(StateStore s) {
            s.resetScores(subject);
        }

        public Map<String, Object> json() {
            return op("reset_scores", "subject", subject);
        }
    }

    record Append(LogEntry entry) implements Op {
        public void apply(StateStore s) {
            s.append(entry);
        }

        public Map<String, Object> json() {
            return op("append", "entry", Codec.entryJson(entry));
        }
    }

    record RevokeToken(String jti, long expiresAtMillis) implements Op {
        public void apply(StateStore s) {
            s.revokeToken(jti, expiresAtMillis);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = op("revoke_token", "jti", jti);
            m.put("expires_at_ms", expiresAtMillis);
            return m;
        }
    }

    record RevokeUser(String user, long beforeMillis) implements Op {
        public void apply(StateStore s) {
            s.revokeUserTokens(user, beforeMillis);
        }

        public Map<String, Object> json() {
            Map<String, Object> m = op("revoke_user", "user", user);
            m.put("before_ms", beforeMillis);
            return m;
        }
    }

    private static Map<String, Object> op(String name, String key, Object value) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("op", name);
        m.put(key, value);
        return m;
    }

    static Op parse(String line) {
        Map<String, Object> m = Json.object(line);
        String op = Json.str(m, "op");
        return switch (op == null ? "" : op) {
            case "put_ban" -> new PutBan(Codec.banFromJson(Json.obj(m, "ban")));
            case "remove_ban" -> new RemoveBan(Json.str(m, "subject"), m.get("at_ms") == null ? Long.MAX_VALUE : Json.lng(m, "at_ms"));
            case "add_score" -> new AddScore(Json.str(m, "subject"), Json.str(m, "type"), Json.dbl(m, "score"),
                    Json.lng(m, "now_ms"), Json.lng(m, "half_life_ms"));
            case "reset_scores" -> new ResetScores(Json.str(m, "subject"));
            case "append" -> new Append(Codec.entryFromJson(Json.obj(m, "entry")));
            case "revoke_token" -> new RevokeToken(Json.str(m, "jti"), Json.lng(m, "expires_at_ms"));
            case "revoke_user" -> new RevokeUser(Json.str(m, "user"), Json.lng(m, "before_ms"));
            default -> throw new IllegalArgumentException("unknown replay operation '" + op + "'");
        };
    }

    /** A queued operation; an AddScore stays open for merging until it is replayed or a reset closes it. */
    private static final class Entry {
        Op op;

        Entry(Op op) {
            this.op = op;
        }
    }

    private final ArrayDeque<Entry> ops = new ArrayDeque<>();
    /** subject -> type -> the open AddScore entry of that pair. */
    private final Map<String, Map<String, Entry>> openScores = new java.util.HashMap<>();
    private final int capacity;
    private final Path file;
    private FileChannel channel;
    private int damagedLines;

    /** A queue kept in memory only ({@code dataDir} null) or also in {@code dataDir/redis-replay.jsonl}. */
    ReplayQueue(Path dataDir, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("replay capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.file = dataDir == null ? null : dataDir.resolve(FILE_NAME);
        if (file != null) {
            try {
                Files.createDirectories(dataDir);
                if (Files.exists(file)) {
                    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                        if (line.isBlank()) {
                            continue;
                        }
                        try {
                            enqueue(parse(line));
                        } catch (RuntimeException e) {
                            damagedLines++; // a torn last line from a crash mid-write: it was never acknowledged
                        }
                    }
                }
                channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot open the replay file " + file, e);
            }
        }
    }

    /** Queues an acknowledged write; durable on disk (when a data directory is set) on return. */
    synchronized void add(Op op) {
        addAll(List.of(op));
    }

    /**
     * Queues the operations of one acknowledged write (a violation: its score and its log line),
     * all or none: refused as a whole when the queue has no room for every one, and forced to
     * disk together.
     */
    synchronized void addAll(List<? extends Op> batch) {
        requireRoom(batch.size());
        if (channel != null) {
            StringBuilder lines = new StringBuilder();
            for (Op op : batch) {
                lines.append(Json.write(op.json())).append('\n');
            }
            ByteBuffer buf = ByteBuffer.wrap(lines.toString().getBytes(StandardCharsets.UTF_8));
            try {
                while (buf.hasRemaining()) {
                    channel.write(buf);
                }
                channel.force(false);
            } catch (IOException e) {
                throw new StoreFailureException("cannot write the replay file " + file + ": " + e.getMessage(), e);
            }
        }
        for (Op op : batch) {
            enqueue(op);
        }
    }

    /** Refuses (an exception) when fewer than {@code slots} more writes fit. */
    synchronized void requireRoom(int slots) {
        if (ops.size() + slots > capacity) {
            throw new RedisUnavailableException("redis is down and " + ops.size()
                    + " writes already wait to be replayed (at most " + capacity + "): refusing to acknowledge more");
        }
    }

    /**
     * Adds to the queue. Scores of one (subject, type) are merged into one operation (the earlier
     * total decayed to the later instant, plus the new score), which is what replaying them one by
     * one would write: an outage under attack queues one score per offender, not one per request.
     */
    private void enqueue(Op op) {
        if (op instanceof AddScore a) {
            Map<String, Entry> types = openScores.computeIfAbsent(a.subject(), k -> new java.util.HashMap<>());
            Entry open = types.get(a.type());
            if (open != null && open.op instanceof AddScore b && b.halfLifeMillis() == a.halfLifeMillis()) {
                long at = Math.max(a.nowMillis(), b.nowMillis());
                double merged = dev.moat.core.ban.ScoreDecay.decayed(b.score(), b.nowMillis(), at, a.halfLifeMillis())
                        + dev.moat.core.ban.ScoreDecay.decayed(a.score(), a.nowMillis(), at, a.halfLifeMillis());
                open.op = new AddScore(a.subject(), a.type(), merged, at, a.halfLifeMillis());
                return;
            }
            Entry e = new Entry(op);
            types.put(a.type(), e);
            ops.addLast(e);
            return;
        }
        if (op instanceof ResetScores r) {
            openScores.remove(r.subject());
        }
        ops.addLast(new Entry(op));
    }

    synchronized boolean isEmpty() {
        return ops.isEmpty();
    }

    synchronized int size() {
        return ops.size();
    }

    synchronized List<Op> snapshot() {
        List<Op> out = new ArrayList<>(ops.size());
        for (Entry e : ops) {
            out.add(e.op);
        }
        return out;
    }

    int damagedLines() {
        return damagedLines;
    }

    /**
     * Writes the queued operations to {@code target} in order until one fails. Returns true when
     * the queue is empty afterwards. Only one thread (the prober) drains.
     */
    boolean drain(StateStore target) {
        boolean progressed = false;
        try {
            while (true) {
                Entry head;
                synchronized (this) {
                    head = ops.peekFirst();
                    if (head == null) {
                        return true;
                    }
                    if (head.op instanceof AddScore a) {
                        Map<String, Entry> types = openScores.get(a.subject());
                        if (types != null && types.get(a.type()) == head) {
                            types.remove(a.type()); // closed: later scores queue anew
                        }
                    }
                }
                // the head stays queued while it is written: until it has landed, the queue is
                // not empty (pendingReplay, fallbackActive and ban reads still count it)
                head.op.apply(target);
                synchronized (this) {
                    ops.pollFirst(); // still the head: only this thread removes, adds go to the tail
                }
                progressed = true;
            }
        } catch (RuntimeException e) {
            return false;
        } finally {
            if (progressed) {
                rewrite();
            }
        }
    }

    /** Rewrites the file with what is still queued. */
    private synchronized void rewrite() {
        if (file == null) {
            return;
        }
        try {
            Path tmp = file.resolveSibling(FILE_NAME + ".tmp");
            StringBuilder sb = new StringBuilder();
            for (Entry e : ops) {
                sb.append(Json.write(e.op.json())).append('\n');
            }
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buf = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                out.force(true);
            }
            channel.close();
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new StoreFailureException("cannot rewrite the replay file " + file + ": " + e.getMessage(), e);
        }
    }

    synchronized void close() {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing anyway
            }
            channel = null;
        }
    }
}
