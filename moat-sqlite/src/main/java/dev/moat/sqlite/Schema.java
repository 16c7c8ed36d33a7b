package dev.moat.sqlite;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The versioned schema of {@code moat.db}.
 *
 * <p>How it works: the database's version is SQLite's {@code PRAGMA user_version} (0 for a new,
 * empty file). {@link #MIGRATIONS} is the ordered list of steps; step {@code i} (0-based) takes
 * the database from version {@code i} to {@code i + 1}. At open, every step above the stored
 * version runs, and the new version is written, in one {@code BEGIN IMMEDIATE} transaction: a
 * failed step leaves the file exactly as it was, and two processes opening the same file cannot
 * both migrate it. A database with a version above the newest step was written by a newer Moat
 * and is refused rather than guessed at. {@code PRAGMA application_id} marks the file as Moat's,
 * so that a foreign SQLite file at the same path is refused too.
 *
 * <p>Rules for new steps: append, never edit or reorder a released step; a step is plain SQL that
 * can run inside a transaction (so no {@code VACUUM}); keep it cheap on large logs.
 */
final class Schema {
    /** {@code 'MOAT'} in ASCII, stored in the SQLite header. */
    static final int APPLICATION_ID = 0x4d4f4154;

    /** One migration step: SQL statements run in order. */
    record Migration(String description, List<String> statements) {
        Migration {
            statements = List.copyOf(statements);
        }
    }

    static final List<Migration> MIGRATIONS = List.of(
            new Migration("bans, ban counts, scores, the violation log, token revocations, link-spam state", List.of(
                    """
                    CREATE TABLE bans (
                      subject TEXT PRIMARY KEY,
                      reason TEXT NOT NULL,
                      type TEXT NOT NULL,
                      source TEXT NOT NULL,
                      created_at INTEGER NOT NULL,
                      expires_at INTEGER NOT NULL,
                      violation_count INTEGER NOT NULL,
                      actor TEXT NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE ban_counts (
                      subject TEXT PRIMARY KEY,
                      count INTEGER NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE scores (
                      subject TEXT NOT NULL,
                      type TEXT NOT NULL,
                      value REAL NOT NULL,
                      at_millis INTEGER NOT NULL,
                      PRIMARY KEY (subject, type)
                    ) WITHOUT ROWID""",
                    // AUTOINCREMENT: a seq is never reused, even after the newest entries are
                    // pruned, so a page cursor can never point at a different entry later.
                    """
                    CREATE TABLE log (
                      seq INTEGER PRIMARY KEY AUTOINCREMENT,
                      subject TEXT NOT NULL,
                      kind TEXT NOT NULL,
                      type TEXT NOT NULL,
                      score REAL NOT NULL,
                      total REAL NOT NULL,
                      at_millis INTEGER NOT NULL,
                      ban_started INTEGER NOT NULL,
                      detail TEXT NOT NULL,
                      actor TEXT NOT NULL,
                      facts TEXT NOT NULL
                    )""",
                    "CREATE INDEX log_subject_seq ON log (subject, seq)",
                    """
                    CREATE TABLE revoked_tokens (
                      jti TEXT PRIMARY KEY,
                      expires_at INTEGER NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE user_revocations (
                      user TEXT PRIMARY KEY,
                      before_millis INTEGER NOT NULL
                    ) WITHOUT ROWID""",
                    """
                    CREATE TABLE link_spam (
                      key TEXT PRIMARY KEY,
                      state TEXT NOT NULL,
                      expires_at INTEGER NOT NULL
                    ) WITHOUT ROWID""")));

    private Schema() {
    }

    /**
     * Brings the database on {@code c} (autocommit, no transaction open) to {@code migrations.size()}
     * and runs {@code andThen} in the same transaction.
     *
     * @return the version the database had before
     * @throws IllegalStateException when the file is newer than {@code migrations} or not Moat's
     */
    static int migrate(Connection c, Path file, List<Migration> migrations, SqlAction andThen) throws SQLException {
        int target = migrations.size();
        try (Statement s = c.createStatement()) {
            s.execute("BEGIN IMMEDIATE");
            boolean done = false;
            try {
                int appId = intPragma(s, "application_id");
                int version = intPragma(s, "user_version");
                if (appId != 0 && appId != APPLICATION_ID) {
                    throw new IllegalStateException("moat-sqlite: " + file + " is not a Moat database (SQLite application_id "
                            + Integer.toHexString(appId) + "); point store.data_dir at a directory of its own");
                }
                if (version == 0 && appId == 0 && hasTables(s)) {
                    throw new IllegalStateException("moat-sqlite: " + file + " already holds tables but no Moat schema version;"
                            + " it is not a Moat database; point store.data_dir at a directory of its own");
                }
                if (version > target) {
                    throw new IllegalStateException("moat-sqlite: " + file + " has schema version " + version
                            + ", but this Moat knows versions up to " + target + ": it was written by a newer Moat."
                            + " Refusing to open it rather than risk damaging it; run the newer Moat, or point"
                            + " store.data_dir elsewhere");
                }
                for (int v = version; v < target; v++) {
                    for (String sql : migrations.get(v).statements()) {
                        s.execute(sql);
                    }
                }
                if (version != target) {
                    s.execute("PRAGMA user_version = " + target);
                }
                if (appId != APPLICATION_ID) {
                    s.execute("PRAGMA application_id = " + APPLICATION_ID);
                }
                andThen.run(c);
                s.execute("COMMIT");
                done = true;
                return version;
            } finally {
                if (!done) {
                    try {
                        s.execute("ROLLBACK");
                    } catch (SQLException ignored) {
                        // SQLite may already have rolled back (I/O errors do); the cause is being thrown
                    }
                }
            }
        }
    }

    static int intPragma(Statement s, String name) throws SQLException {
        try (ResultSet rs = s.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    private static boolean hasTables(Statement s) throws SQLException {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master")) {
            return rs.next() && rs.getInt(1) > 0;
        }
    }

    /** SQL run on a connection. */
    @FunctionalInterface
    interface SqlAction {
        void run(Connection c) throws SQLException;
    }
}
