package dev.moat.sqlite;

import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

import java.sql.SQLException;

/** Small helpers shared by the store's classes. */
final class Sql {
    private Sql() {
    }

    static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception ignored) {
            // closing: nothing useful left to do with the error
        }
    }

    /**
     * True when {@code e} concerns one write only (a constraint, a value SQLite refuses, a bug in
     * that write's code), so the other writes of its batch can be retried without it; false for
     * failures of the file or the disk (I/O error, full disk, read-only, busy, corrupt), which
     * would fail every write alike.
     */
    static boolean concernsOneWrite(Throwable e) {
        if (e instanceof SQLiteException se) {
            SQLiteErrorCode code = se.getResultCode();
            String name = code == null ? "" : code.name();
            return name.startsWith("SQLITE_CONSTRAINT") || name.equals("SQLITE_TOOBIG") || name.equals("SQLITE_MISMATCH")
                    || name.equals("SQLITE_RANGE") || name.equals("SQLITE_ERROR");
        }
        if (e instanceof SQLException) {
            return false;
        }
        return e instanceof RuntimeException;
    }
}
