package dev.moat.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The writing connection and what the writer thread keeps next to it: cached statements, the next
 * log seq, and a cache of scores. Touched only by the writer thread (and by open, before it
 * starts), so nothing here is synchronised.
 *
 * <p>The score cache holds, for recently scored subjects, every score row of the subject as the
 * open transaction sees it, so that {@code addScore} needs no {@code SELECT} for a subject that
 * keeps offending. It is correct only because this connection is the only writer of the file (the
 * store holds {@code moat.lock}) and because a rollback clears it.
 */
final class WriteTx {
    /** Subjects whose scores stay cached; least recently scored ones are dropped first. */
    static final int SCORE_CACHE_SUBJECTS = 50_000;

    /** A score row: its value and the instant it was last written. */
    static final class Score {
        double value;
        long atMillis;

        Score(double value, long atMillis) {
            this.value = value;
            this.atMillis = atMillis;
        }
    }

    final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final Map<String, Map<String, Score>> scores = new LinkedHashMap<>(1024, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Score>> eldest) {
            return size() > SCORE_CACHE_SUBJECTS;
        }
    };
    /** The next log seq. Assigned here so that an INSERT needs no RETURNING round trip. */
    private long nextSeq;
    private long nextSeqAtBegin;

    WriteTx(Connection connection) throws SQLException {
        this.connection = connection;
        try (Statement s = connection.createStatement();
             ResultSet rs = s.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'log'")) {
            nextSeq = (rs.next() ? rs.getLong(1) : 0) + 1;
        }
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = connection.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    /** Takes the next log seq (given back by a rollback). */
    long takeSeq() {
        return nextSeq++;
    }

    /** The subject's score rows as this transaction sees them (loaded on a miss), mutable. */
    Map<String, Score> scores(String subject) throws SQLException {
        Map<String, Score> m = scores.get(subject);
        if (m == null) {
            m = new HashMap<>(4);
            PreparedStatement q = prepare("SELECT type, value, at_millis FROM scores WHERE subject = ?");
            q.setString(1, subject);
            try (ResultSet rs = q.executeQuery()) {
                while (rs.next()) {
                    m.put(rs.getString(1), new Score(rs.getDouble(2), rs.getLong(3)));
                }
            }
            scores.put(subject, m);
        }
        return m;
    }

    /** Records that the subject has no score rows any more. */
    void scoresReset(String subject) {
        scores.put(subject, new HashMap<>(4));
    }

    void begin() throws SQLException {
        nextSeqAtBegin = nextSeq;
        prepare("BEGIN IMMEDIATE").execute();
    }

    void commit() throws SQLException {
        prepare("COMMIT").execute();
    }

    /**
     * Rolls back, forgetting everything cached: the transaction's scores and seqs, and the
     * statements too, because sqlite-jdbc quietly finalises a statement whose execution failed
     * (it then throws "statement is not executing" while {@code isClosed()} still says false).
     */
    void rollbackQuietly() {
        nextSeq = nextSeqAtBegin;
        scores.clear();
        statements.values().forEach(Sql::closeQuietly);
        statements.clear();
        try (Statement s = connection.createStatement()) {
            s.execute("ROLLBACK");
        } catch (SQLException ignored) {
            // SQLite rolls back by itself after some errors (I/O, full disk); the cause is reported
        }
    }

    void close() {
        statements.values().forEach(Sql::closeQuietly);
    }
}
