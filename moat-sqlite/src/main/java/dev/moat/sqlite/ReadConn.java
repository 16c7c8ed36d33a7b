package dev.moat.sqlite;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/**
 * A read-only connection and its cached statements, used by one thread at a time (the store
 * pools them). In autocommit mode each query is its own read transaction, which ends when its
 * result set is closed, so every query sees every commit that happened before it started.
 */
final class ReadConn {
    private final Connection connection;
    private final Map<String, PreparedStatement> statements = new HashMap<>();

    ReadConn(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement p = statements.get(sql);
        if (p == null) {
            p = connection.prepareStatement(sql);
            statements.put(sql, p);
        }
        return p;
    }

    /** Drops the cached statements: sqlite-jdbc quietly finalises a statement whose execution failed. */
    void forgetStatements() {
        statements.values().forEach(Sql::closeQuietly);
        statements.clear();
    }

    void close() {
        statements.values().forEach(Sql::closeQuietly);
        Sql.closeQuietly(connection);
    }
}
