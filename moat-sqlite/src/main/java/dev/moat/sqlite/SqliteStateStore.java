package dev.moat.sqlite;

import dev.moat.core.Clock;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.ban.ScoreDecay;
import dev.moat.core.store.Cursors;
import dev.moat.core.store.Page;
import dev.moat.core.store.RecordedViolation;
import dev.moat.core.store.StateStore;
import dev.moat.core.store.StoreFailureException;
import org.sqlite.SQLiteConfig;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The embedded default's durable state: bans, scores, the violation log, token revocations and
 * link-spam state in one SQLite file, {@code moat.db} in the configured {@code data_dir}.
 *
 * <h2>How it works, and why</h2>
 *
 * <p><b>Durability.</b> The file is in WAL mode. Every commit appends its pages to
 * {@code moat.db-wal}, and no write is acknowledged before an fsync of the WAL that began after
 * its commit returned. A write that returned therefore survives the process being killed (the
 * next open replays the WAL) and a power loss (the WAL is on the disk, not only in the page
 * cache), as far as the disk honours flushes: the guarantee of {@code synchronous=FULL}. The
 * fsync is not SQLite's, though: the connection runs with {@code synchronous=NORMAL} (SQLite
 * still syncs before and after each checkpoint and when it reuses the WAL) and the writer's
 * {@code WalSyncer} thread flushes the WAL, so the writer runs the next batch while the disk
 * flushes the previous one. The data directory is fsynced after open so that the directory
 * entries of the database and its WAL are durable too.
 *
 * <p><b>Group commit.</b> Every write goes through one writer thread ({@code GroupCommitWriter})
 * that owns the only writing connection: it commits all writes pending at once in one
 * transaction, one fsync for the batch, one fsync in flight at a time, and returns to their
 * callers only after that fsync. A method of this class that writes returns only when its write
 * is durable. Read-modify-write operations ({@link #addScore}, the revocation maxima) run inside
 * the writer's transaction, so they are atomic per key without locks.
 *
 * <p><b>Bytes per write.</b> The writer thread's time per violation (its statements and the
 * WAL frames it writes) bounds how many violations per second can be recorded, so the file is laid out to write few
 * bytes per violation: new files use 1 KiB pages (a violation dirties a few pages at random:
 * its score row and its log index entry; smaller pages mean fewer bytes in the WAL for the same
 * rows), and the WAL is checkpointed into the database every 16,384 pages rather than SQLite's
 * 1,000, so that a score page updated many times is copied into the database once per checkpoint.
 *
 * <p><b>Reads</b> use a small pool of separate read-only connections; WAL lets them read while
 * the writer writes. Each query is its own read transaction, so it sees every write that has
 * returned to any caller (read-your-writes); it may also see a committed write whose fsync has
 * not finished, which a power loss in that millisecond would undo (its caller was never told). Bans are read rarely: the engine keeps them in
 * memory, loaded by {@link #activeBans} at start.
 *
 * <p><b>One process.</b> The store holds an exclusive lock on {@code moat.lock} in the directory
 * while open: a second store on the same directory, in this JVM or another process, is refused
 * (the writer's score cache relies on being the only writer). The operating system releases the
 * lock when the process dies, even by {@code kill -9}.
 *
 * <p><b>Failure.</b> A write or read that fails (disk full, read-only file system, I/O error)
 * throws {@link StoreFailureException} (an {@link UncheckedIOException}; the server answers it 503)
 * naming the file, the operation and SQLite's reason; nothing
 * is silently dropped. {@link #healthy()} turns false and {@link #lastError()} keeps the reason so
 * that the server's {@code /healthz} can report it; the next successful commit turns it true
 * again. Opening a directory that cannot be written, a file written by a newer Moat, or a file
 * that is not Moat's is refused with a message that says which and why.
 *
 * <p><b>Lifecycle.</b> At open the schema is migrated (see {@code Schema}) and expired bans,
 * token revocations and link-spam state are deleted, in one transaction. {@link #close()} waits
 * for every write in flight, then closes; any call after it throws {@link IllegalStateException}.
 */
public final class SqliteStateStore implements StateStore {
    /** The database file's name inside {@code data_dir}. */
    public static final String FILE_NAME = "moat.db";
    /** The lock file's name inside {@code data_dir}. */
    public static final String LOCK_FILE_NAME = "moat.lock";

    private static final int READERS = 2;
    private static final int BUSY_TIMEOUT_MILLIS = 10_000;
    private static final int PAGE_SIZE = 1024;
    private static final int WAL_AUTOCHECKPOINT_PAGES = 16_384;
    private static final long JOURNAL_SIZE_LIMIT_BYTES = 64L << 20;
    private static final int PRUNE_CHUNK = 5_000;

    private final Path file;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Connection writeConnection;
    private final WriteTx tx;
    private final GroupCommitWriter writer;
    /** The write-ahead log, kept open for the writer's syncer to fsync. */
    private final FileChannel wal;
    private final List<ReadConn> allReaders;
    private final BlockingQueue<ReadConn> readers;
    /** Calls hold the read lock; close() takes the write lock, so it waits for calls in flight. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private final LongAdder reads = new LongAdder();
    private volatile boolean closed;
    private volatile boolean healthy = true;
    private volatile String lastError;

    /** Opens (creating if needed) {@code dataDir/moat.db}; expired state is dropped as of the system clock. */
    public static SqliteStateStore open(Path dataDir) {
        return open(dataDir, Clock.SYSTEM);
    }

    /**
     * Opens (creating {@code dataDir} and the file if needed) {@code dataDir/moat.db}, migrates
     * its schema, and drops bans, token revocations and link-spam state expired at
     * {@code clock.nowMillis()}.
     *
     * @throws UncheckedIOException  when the directory or the file cannot be created, opened or written
     * @throws IllegalStateException when the file was written by a newer Moat, is not Moat's, or
     *                               another store has the directory open
     */
    public static SqliteStateStore open(Path dataDir, Clock clock) {
        return new SqliteStateStore(dataDir, clock, Schema.MIGRATIONS);
    }

    SqliteStateStore(Path dataDir, Clock clock, List<Schema.Migration> migrations) {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(clock, "clock");
        Path dir = dataDir.toAbsolutePath().normalize();
        this.file = dir.resolve(FILE_NAME);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("moat-sqlite: cannot create data_dir " + dir + ": " + e, e);
        }
        if (!Files.isWritable(dir)) {
            throw new UncheckedIOException("moat-sqlite: data_dir " + dir + " is not writable; " + FILE_NAME
                    + " and its write-ahead log must be created and written there",
                    new IOException("not writable: " + dir));
        }
        this.lockChannel = openLockFile(dir);
        this.lock = lock(dir, lockChannel);
        Connection w = null;
        WriteTx t = null;
        FileChannel wal = null;
        List<ReadConn> opened = new ArrayList<>();
        try {
            w = connect();
            try (Statement s = w.createStatement()) {
                s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
                s.execute("PRAGMA page_size = " + PAGE_SIZE); // takes effect for a new, empty file only
                try (ResultSet rs = s.executeQuery("PRAGMA journal_mode = WAL")) {
                    String mode = rs.next() ? rs.getString(1) : "?";
                    if (!"wal".equalsIgnoreCase(mode)) {
                        throw new SQLException("could not switch to WAL mode (journal_mode is " + mode + ")");
                    }
                }
                s.execute("PRAGMA synchronous = FULL");
                s.execute("PRAGMA wal_autocheckpoint = " + WAL_AUTOCHECKPOINT_PAGES);
                s.execute("PRAGMA journal_size_limit = " + JOURNAL_SIZE_LIMIT_BYTES);
                s.execute("PRAGMA cache_size = -16384"); // KiB: the pages a busy writer keeps touching
            }
            long now = clock.nowMillis();
            Schema.migrate(w, file, migrations, c -> purgeExpired(c, now)); // FULL: durable when it returns
            fsyncDirectory(dir);
            // from here on commits write the WAL and the writer's syncer flushes it before any
            // caller is acknowledged (see WalSyncer): FULL's durability, the flush off the writer
            try (Statement s = w.createStatement()) {
                s.execute("PRAGMA synchronous = NORMAL");
            }
            wal = FileChannel.open(walFile(), StandardOpenOption.WRITE, StandardOpenOption.CREATE);
            t = new WriteTx(w);
            for (int i = 0; i < READERS; i++) {
                opened.add(new ReadConn(connectReader()));
            }
        } catch (SQLException | IOException | RuntimeException e) {
            if (t != null) {
                t.close();
            }
            Sql.closeQuietly(wal);
            Sql.closeQuietly(w);
            opened.forEach(ReadConn::close);
            releaseLock();
            if (e instanceof SQLException se) {
                throw new UncheckedIOException(describe("open", se), new IOException(se.getMessage(), se));
            }
            if (e instanceof IOException io) {
                throw new UncheckedIOException(describe("open", io), io);
            }
            throw (RuntimeException) e;
        }
        this.writeConnection = w;
        this.tx = t;
        this.allReaders = List.copyOf(opened);
        this.readers = new ArrayBlockingQueue<>(READERS, false, opened);
        this.wal = wal;
        this.writer = new GroupCommitWriter(t, wal, new GroupCommitWriter.Health() {
            @Override
            public void committed() {
                healthy = true;
            }

            @Override
            public void failed(String what, Throwable cause) {
                lastError = describe(what, cause);
                healthy = false;
            }
        }, "moat-sqlite-writer " + dir);
    }

    // ---- health ---------------------------------------------------------------------------------

    /** The database file. */
    public Path file() {
        return file;
    }

    /** False after a write or read failed on the file or the disk, until the next successful commit. */
    public boolean healthy() {
        return healthy;
    }

    /** The most recent failure (file, operation and SQLite's reason), or null if there was none. */
    public String lastError() {
        return lastError;
    }

    // ---- bans -----------------------------------------------------------------------------------

    @Override
    public void putBan(Ban ban) {
        Objects.requireNonNull(ban, "ban");
        write("putBan " + ban.subject(), t -> {
            PreparedStatement p = t.prepare("""
                    INSERT OR REPLACE INTO bans (subject, reason, type, source, created_at, expires_at, violation_count, actor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)""");
            p.setString(1, ban.subject());
            p.setString(2, ban.reason());
            p.setString(3, ban.type());
            p.setString(4, ban.source().wire());
            p.setLong(5, ban.createdAtMillis());
            p.setLong(6, ban.expiresAtMillis());
            p.setLong(7, ban.violationCount());
            p.setString(8, ban.actor());
            p.executeUpdate();
            PreparedStatement c = t.prepare("""
                    INSERT INTO ban_counts (subject, count) VALUES (?, 1)
                    ON CONFLICT (subject) DO UPDATE SET count = count + 1""");
            c.setString(1, ban.subject());
            c.executeUpdate();
            return null;
        });
    }

    @Override
    public boolean removeBan(String subject) {
        Objects.requireNonNull(subject, "subject");
        return write("removeBan " + subject, t -> {
            PreparedStatement p = t.prepare("DELETE FROM bans WHERE subject = ?");
            p.setString(1, subject);
            return p.executeUpdate() > 0;
        });
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        Objects.requireNonNull(subject, "subject");
        return write("removeBan " + subject, t -> {
            PreparedStatement p = t.prepare("DELETE FROM bans WHERE subject = ? AND created_at <= ?");
            p.setString(1, subject);
            p.setLong(2, createdUpToMillis);
            return p.executeUpdate() > 0;
        });
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        return read("activeBans", r -> {
            PreparedStatement p = r.prepare("SELECT " + BAN_COLUMNS + " FROM bans WHERE expires_at > ?");
            p.setLong(1, nowMillis);
            List<Ban> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(ban(rs));
                }
            }
            return out;
        });
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        int size = pageSize(limit);
        long afterCreated = 0;
        String afterSubject = null;
        if (cursor != null && !cursor.isEmpty()) {
            int colon = cursor.indexOf(':', 1);
            if (colon < 0) {
                throw malformedCursor(cursor);
            }
            afterCreated = parseCursorLong(cursor, cursor.substring(0, colon));
            afterSubject = cursor.substring(colon + 1);
        }
        StringBuilder sql = new StringBuilder("SELECT " + BAN_COLUMNS + " FROM bans WHERE expires_at > ?");
        if (subjectFilter != null) {
            sql.append(" AND instr(subject, ?) > 0"); // case-sensitive, like String.contains
        }
        if (source != null) {
            sql.append(" AND source = ?");
        }
        if (afterSubject != null) {
            sql.append(" AND (created_at < ? OR (created_at = ? AND subject > ?))");
        }
        sql.append(" ORDER BY created_at DESC, subject ASC LIMIT ?");
        long created = afterCreated;
        String after = afterSubject;
        List<Ban> rows = read("listBans", r -> {
            try (PreparedStatement p = r.connection().prepareStatement(sql.toString())) {
                int i = 1;
                p.setLong(i++, nowMillis);
                if (subjectFilter != null) {
                    p.setString(i++, subjectFilter);
                }
                if (source != null) {
                    p.setString(i++, source.wire());
                }
                if (after != null) {
                    p.setLong(i++, created);
                    p.setLong(i++, created);
                    p.setString(i++, after);
                }
                p.setInt(i, size + 1);
                List<Ban> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(ban(rs));
                    }
                }
                return out;
            }
        });
        if (rows.size() <= size) {
            return new Page<>(rows, null);
        }
        List<Ban> items = rows.subList(0, size);
        Ban last = items.get(size - 1);
        return new Page<>(items, last.createdAtMillis() + ":" + last.subject());
    }

    @Override
    public int banCount(String subject) {
        return read("banCount", r -> {
            PreparedStatement p = r.prepare("SELECT count FROM ban_counts WHERE subject = ?");
            p.setString(1, subject);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getInt(1) : 0;
            }
        });
    }

    // ---- scores ---------------------------------------------------------------------------------

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(type, "type");
        return write("addScore " + subject, t -> addScore(t, subject, type, score, nowMillis, halfLifeMillis));
    }

    private static ScoreChange addScore(WriteTx t, String subject, String type, double score, long nowMillis,
                                        long halfLifeMillis) throws SQLException {
        Map<String, WriteTx.Score> rows = t.scores(subject);
        WriteTx.Score row = rows.get(type);
        double previous = 0;
        long at = nowMillis;
        if (row != null) {
            previous = ScoreDecay.decayed(row.value, row.atMillis, nowMillis, halfLifeMillis);
            at = Math.max(nowMillis, row.atMillis);
        }
        double current = previous + score;
        PreparedStatement u = t.prepare("""
                INSERT INTO scores (subject, type, value, at_millis) VALUES (?, ?, ?, ?)
                ON CONFLICT (subject, type) DO UPDATE SET value = excluded.value, at_millis = excluded.at_millis""");
        u.setString(1, subject);
        u.setString(2, type);
        u.setDouble(3, current);
        u.setLong(4, at);
        u.executeUpdate();
        if (row == null) {
            rows.put(type, new WriteTx.Score(current, at));
        } else {
            row.value = current;
            row.atMillis = at;
        }
        return new ScoreChange(previous, current);
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        return read("scores", r -> {
            PreparedStatement p = r.prepare("SELECT type, value, at_millis FROM scores WHERE subject = ? ORDER BY type");
            p.setString(1, subject);
            Map<String, Double> out = new LinkedHashMap<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    double v = ScoreDecay.decayed(rs.getDouble(2), rs.getLong(3), nowMillis, halfLifeMillis);
                    if (v != 0) {
                        out.put(rs.getString(1), v);
                    }
                }
            }
            return out;
        });
    }

    @Override
    public void resetScores(String subject) {
        Objects.requireNonNull(subject, "subject");
        write("resetScores " + subject, t -> {
            PreparedStatement p = t.prepare("DELETE FROM scores WHERE subject = ?");
            p.setString(1, subject);
            p.executeUpdate();
            t.scoresReset(subject);
            return null;
        });
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        if (limit <= 0) {
            return List.of();
        }
        if (halfLifeMillis <= 0) {
            return read("topScores", r -> {
                PreparedStatement p = r.prepare("""
                        SELECT subject, max(value) AS best FROM scores GROUP BY subject HAVING best > 0
                        ORDER BY best DESC, subject ASC LIMIT ?""");
                p.setInt(1, limit);
                List<Map.Entry<String, Double>> out = new ArrayList<>();
                try (ResultSet rs = p.executeQuery()) {
                    while (rs.next()) {
                        out.add(Map.entry(rs.getString(1), rs.getDouble(2)));
                    }
                }
                return out;
            });
        }
        // decay depends on each row's age: compute in Java over the rows, best per subject
        Map<String, Double> best = read("topScores", r -> {
            PreparedStatement p = r.prepare("SELECT subject, value, at_millis FROM scores");
            Map<String, Double> out = new HashMap<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    double v = ScoreDecay.decayed(rs.getDouble(2), rs.getLong(3), nowMillis, halfLifeMillis);
                    if (v > 0) {
                        out.merge(rs.getString(1), v, Math::max);
                    }
                }
            }
            return out;
        });
        List<Map.Entry<String, Double>> all = new ArrayList<>();
        best.forEach((subject, v) -> all.add(Map.entry(subject, v)));
        all.sort(Map.Entry.<String, Double>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
        return List.copyOf(all.subList(0, Math.min(limit, all.size())));
    }

    // ---- the violation log ----------------------------------------------------------------------

    @Override
    public LogEntry append(LogEntry entry) {
        Objects.requireNonNull(entry, "entry");
        Objects.requireNonNull(entry.subject(), "entry.subject");
        Objects.requireNonNull(entry.kind(), "entry.kind");
        String facts = Facts.encode(entry.facts());
        return write("append " + entry.subject(), t -> append(t, entry, facts));
    }

    static LogEntry append(WriteTx t, LogEntry entry, String facts) throws SQLException {
        // seq is assigned by the writer (rolled back with the transaction); AUTOINCREMENT still
        // records it in sqlite_sequence, so it is never reused after a prune or a restart
        long seq = t.takeSeq();
        PreparedStatement p = t.prepare("""
                INSERT INTO log (seq, subject, kind, type, score, total, at_millis, ban_started, detail, actor, facts)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""");
        p.setLong(1, seq);
        p.setString(2, entry.subject());
        p.setString(3, entry.kind().wire());
        p.setString(4, entry.type());
        p.setDouble(5, entry.score());
        p.setDouble(6, entry.total());
        p.setLong(7, entry.atMillis());
        p.setInt(8, entry.banStarted() ? 1 : 0);
        p.setString(9, entry.detail());
        p.setString(10, entry.actor());
        p.setString(11, facts);
        p.executeUpdate();
        return entry.withSeq(seq);
    }

    /**
     * Records one violation in one commit: the score change and the log entry that
     * {@code entryFor} makes from it, at half the commit waits of {@code addScore} then
     * {@code append}; the log line and the score can never disagree.
     *
     * @param entryFor runs on the writer thread inside the transaction: it must be quick and must
     *                 not call this store
     */
    @Override
    public RecordedViolation recordViolation(String subject, String type, double score, long nowMillis,
                                             long halfLifeMillis, Function<ScoreChange, LogEntry> entryFor) {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(entryFor, "entryFor");
        return write("recordViolation " + subject, t -> {
            ScoreChange change = addScore(t, subject, type, score, nowMillis, halfLifeMillis);
            LogEntry entry = Objects.requireNonNull(entryFor.apply(change), "entryFor returned null");
            return new RecordedViolation(change, append(t, entry, Facts.encode(entry.facts())));
        });
    }

    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        int size = pageSize(limit);
        long before = cursor == null || cursor.isEmpty() ? Long.MAX_VALUE : parseCursorLong(cursor, cursor);
        long seqBefore = before;
        List<LogEntry> rows = read("log", r -> {
            PreparedStatement p = r.prepare("SELECT " + LOG_COLUMNS + " FROM log WHERE subject = ? AND seq < ? ORDER BY seq DESC LIMIT ?");
            p.setString(1, subject);
            p.setLong(2, seqBefore);
            p.setInt(3, size + 1);
            List<LogEntry> out = new ArrayList<>();
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    out.add(logEntry(rs));
                }
            }
            return out;
        });
        if (rows.size() <= size) {
            return new Page<>(rows, null);
        }
        List<LogEntry> items = rows.subList(0, size);
        return new Page<>(items, Long.toString(items.get(size - 1).seq()));
    }

    /**
     * Deletes in chunks of {@value #PRUNE_CHUNK} rows, each chunk its own commit, so that a large
     * prune never holds up the writes of live traffic for long.
     */
    @Override
    public int pruneLog(long beforeMillis) {
        int total = 0;
        while (true) {
            int n = write("pruneLog", t -> {
                PreparedStatement p = t.prepare("DELETE FROM log WHERE seq IN (SELECT seq FROM log WHERE at_millis < ? LIMIT ?)");
                p.setLong(1, beforeMillis);
                p.setInt(2, PRUNE_CHUNK);
                return p.executeUpdate();
            });
            total += n;
            if (n < PRUNE_CHUNK) {
                return total;
            }
        }
    }

    // ---- token revocation -----------------------------------------------------------------------

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        Objects.requireNonNull(jti, "jti");
        write("revokeToken", t -> {
            PreparedStatement p = t.prepare("""
                    INSERT INTO revoked_tokens (jti, expires_at) VALUES (?, ?)
                    ON CONFLICT (jti) DO UPDATE SET expires_at = max(expires_at, excluded.expires_at)""");
            p.setString(1, jti);
            p.setLong(2, expiresAtMillis);
            p.executeUpdate();
            return null;
        });
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        return read("isTokenRevoked", r -> {
            PreparedStatement p = r.prepare("SELECT expires_at FROM revoked_tokens WHERE jti = ?");
            p.setString(1, jti);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && nowMillis < rs.getLong(1);
            }
        });
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        Objects.requireNonNull(user, "user");
        write("revokeUserTokens " + user, t -> {
            PreparedStatement p = t.prepare("""
                    INSERT INTO user_revocations (user, before_millis) VALUES (?, ?)
                    ON CONFLICT (user) DO UPDATE SET before_millis = max(before_millis, excluded.before_millis)""");
            p.setString(1, user);
            p.setLong(2, beforeMillis);
            p.executeUpdate();
            return null;
        });
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        return read("userTokensRevokedBefore", r -> {
            PreparedStatement p = r.prepare("SELECT before_millis FROM user_revocations WHERE user = ?");
            p.setString(1, user);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() ? rs.getLong(1) : Long.MIN_VALUE;
            }
        });
    }

    // ---- link-spam state ------------------------------------------------------------------------

    @Override
    public String linkSpamState(String key, long nowMillis) {
        return read("linkSpamState", r -> {
            PreparedStatement p = r.prepare("SELECT state, expires_at FROM link_spam WHERE key = ?");
            p.setString(1, key);
            try (ResultSet rs = p.executeQuery()) {
                return rs.next() && nowMillis < rs.getLong(2) ? rs.getString(1) : null;
            }
        });
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(state, "state");
        write("putLinkSpamState", t -> {
            PreparedStatement p = t.prepare("INSERT OR REPLACE INTO link_spam (key, state, expires_at) VALUES (?, ?, ?)");
            p.setString(1, key);
            p.setString(2, state);
            p.setLong(3, expiresAtMillis);
            p.executeUpdate();
            return null;
        });
    }

    /**
     * Deletes bans, token revocations and link-spam state expired at {@code nowMillis} (done at
     * open; a long-running server may call it periodically to keep the file small). Reads never
     * return expired state either way.
     *
     * @return how many rows were deleted
     */
    public int purgeExpired(long nowMillis) {
        return write("purgeExpired", t -> purgeExpired(t.connection, nowMillis));
    }

    private static int purgeExpired(Connection c, long nowMillis) throws SQLException {
        int n = 0;
        for (String table : List.of("bans", "revoked_tokens", "link_spam")) {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM " + table + " WHERE expires_at <= ?")) {
                p.setLong(1, nowMillis);
                n += p.executeUpdate();
            }
        }
        return n;
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    /** Returns once every write submitted before this call has committed (they are durable then). */
    @Override
    public void flush() {
        write("flush", t -> null);
    }

    /** Waits for the calls in flight, commits what they wrote, then closes. Idempotent. */
    @Override
    public void close() {
        Lock l = lifecycle.writeLock();
        l.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            writer.stop();
            Sql.closeQuietly(wal);
            tx.close();
            Sql.closeQuietly(writeConnection);
            allReaders.forEach(ReadConn::close);
            releaseLock();
        } finally {
            l.unlock();
        }
    }

    @Override
    public String toString() {
        return "SqliteStateStore[" + file + (closed ? ", closed" : "") + "]";
    }

    // ---- writes and reads -----------------------------------------------------------------------

    /** Hands {@code work} to the writer and returns once its transaction committed. */
    <T> T write(String what, GroupCommitWriter.Work<T> work) {
        Lock l = lifecycle.readLock();
        l.lock();
        try {
            ensureOpen();
            try {
                return writer.submit(what, work).join();
            } catch (CompletionException e) {
                throw rethrow(what, e.getCause());
            }
        } finally {
            l.unlock();
        }
    }

    /** Writes waiting for the writer thread (tests line up a batch with it). */
    int pendingWrites() {
        return writer.pending();
    }

    /** Transactions committed by the writer so far. */
    public long commits() {
        return writer.commits();
    }

    /** Writes committed by the writer so far; divided by {@link #commits()}, the mean batch size. */
    public long committedWrites() {
        return writer.committedWrites();
    }

    /**
     * Reads run on the read connections so far, each one a query of the file. A decision for a
     * subject that is not banned adds none (bans are served from the engine's memory); tests
     * count on it.
     */
    public long reads() {
        return reads.sum();
    }

    /** A failure from the writer as the caller's exception (with the caller's stack). */
    private RuntimeException rethrow(String what, Throwable cause) {
        if (cause instanceof SQLException e) {
            IOException io = new IOException(e.getMessage(), e);
            // a fault of the file or the disk fails every write alike; one write's own fault is a bug
            return Sql.concernsOneWrite(e) ? new UncheckedIOException(describe(what, e), io)
                    : new StoreFailureException(describe(what, e), io);
        }
        if (cause instanceof RuntimeException e) {
            return e;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("moat-sqlite: " + what + " failed on " + file, cause);
    }

    /** Work done on a read connection. */
    @FunctionalInterface
    interface Read<T> {
        T run(ReadConn r) throws SQLException;
    }

    private <T> T read(String what, Read<T> work) {
        Lock l = lifecycle.readLock();
        l.lock();
        try {
            ensureOpen();
            reads.increment();
            ReadConn r = takeReader();
            try {
                return work.run(r);
            } catch (SQLException e) {
                r.forgetStatements();
                String message = describe(what, e);
                lastError = message;
                healthy = false;
                throw Sql.concernsOneWrite(e) ? new UncheckedIOException(message, new IOException(e.getMessage(), e))
                        : new StoreFailureException(message, new IOException(e.getMessage(), e));
            } finally {
                readers.add(r);
            }
        } finally {
            l.unlock();
        }
    }

    private ReadConn takeReader() {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return readers.take();
                } catch (InterruptedException e) {
                    interrupted = true; // a read is short; finish it and keep the interrupt
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("moat-sqlite: the store on " + file + " is closed");
        }
    }

    private String describe(String what, Throwable e) {
        String reason = e.getMessage();
        String hint = "";
        if (reason != null) {
            if (reason.contains("SQLITE_FULL")) {
                hint = " (the disk or the file system is full)";
            } else if (reason.contains("SQLITE_READONLY") || reason.contains("SQLITE_CANTOPEN")
                    || reason.contains("SQLITE_IOERR") || reason.contains("SQLITE_PERM")) {
                hint = " (check that " + file.getParent() + " and the files in it are writable and the disk is healthy)";
            } else if (reason.contains("SQLITE_BUSY")) {
                hint = " (another process holds a lock on the file)";
            }
        }
        return "moat-sqlite: " + what + " failed on " + file + ": " + reason + hint;
    }

    // ---- rows -----------------------------------------------------------------------------------

    private static final String BAN_COLUMNS = "subject, reason, type, source, created_at, expires_at, violation_count, actor";
    private static final String LOG_COLUMNS = "seq, subject, kind, type, score, total, at_millis, ban_started, detail, actor, facts";

    private static Ban ban(ResultSet rs) throws SQLException {
        return new Ban(rs.getString(1), rs.getString(2), rs.getString(3), BanSource.fromWire(rs.getString(4)),
                rs.getLong(5), rs.getLong(6), rs.getLong(7), rs.getString(8));
    }

    private static LogEntry logEntry(ResultSet rs) throws SQLException {
        return new LogEntry(rs.getLong(1), rs.getString(2), LogEntry.Kind.fromWire(rs.getString(3)), rs.getString(4),
                rs.getDouble(5), rs.getDouble(6), rs.getLong(7), rs.getInt(8) != 0, rs.getString(9), rs.getString(10),
                Facts.decode(rs.getString(11)));
    }

    private static long parseCursorLong(String cursor, String number) {
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw malformedCursor(cursor);
        }
    }

    /** The same refusal as the memory store's: a cursor this store did not hand out is misuse. */
    private static IllegalArgumentException malformedCursor(String cursor) {
        String shown = cursor.length() > 64 ? cursor.substring(0, 64) + "..." : cursor;
        return new IllegalArgumentException("malformed cursor '" + shown + "'");
    }

    private static int pageSize(int limit) {
        return Math.max(1, Math.min(limit, Cursors.MAX_LIMIT));
    }

    // ---- files ----------------------------------------------------------------------------------

    private Path walFile() {
        return file.resolveSibling(FILE_NAME + "-wal");
    }

    private Connection connect() throws SQLException {
        SQLiteConfig config = new SQLiteConfig();
        // otherwise sqlite-jdbc regex-matches every INSERT and runs "SELECT last_insert_rowid()"
        // after it; append() assigns seq itself
        config.setGetGeneratedKeys(false);
        return DriverManager.getConnection("jdbc:sqlite:" + file, config.toProperties());
    }

    private Connection connectReader() throws SQLException {
        Connection c = connect();
        try (Statement s = c.createStatement()) {
            s.execute("PRAGMA busy_timeout = " + BUSY_TIMEOUT_MILLIS);
            s.execute("PRAGMA query_only = 1");
        } catch (SQLException e) {
            Sql.closeQuietly(c);
            throw e;
        }
        return c;
    }

    private static FileChannel openLockFile(Path dir) {
        Path lockFile = dir.resolve(LOCK_FILE_NAME);
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("moat-sqlite: cannot create " + lockFile + ": " + e, e);
        }
    }

    private static FileLock lock(Path dir, FileChannel channel) {
        String inUse = "moat-sqlite: data_dir " + dir + " is in use by another Moat store";
        try {
            FileLock l = channel.tryLock();
            if (l == null) {
                Sql.closeQuietly(channel);
                throw new IllegalStateException(inUse + " (another process holds " + LOCK_FILE_NAME + ")");
            }
            return l;
        } catch (OverlappingFileLockException e) {
            Sql.closeQuietly(channel);
            throw new IllegalStateException(inUse + " in this JVM; close it first", e);
        } catch (IOException e) {
            Sql.closeQuietly(channel);
            throw new UncheckedIOException("moat-sqlite: cannot lock " + dir.resolve(LOCK_FILE_NAME) + ": " + e, e);
        }
    }

    private void releaseLock() {
        Sql.closeQuietly(lock);
        Sql.closeQuietly(lockChannel);
    }

    /** Makes the directory entries of moat.db and its WAL durable (ext4 and others need it after a create). */
    private static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every platform can open a directory; SQLite's own syncs still apply
        }
    }
}
