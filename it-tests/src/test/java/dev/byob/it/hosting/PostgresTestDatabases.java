package dev.byob.it.hosting;

import dev.byob.hosting.store.DatabaseConfig;
import dev.byob.hosting.store.TestDatabases;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.PostgresServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Each fresh database a new schema in one PostgreSQL database: as empty as a new database, and much
 * quicker to make. The stores see only their schema ({@code currentSchema} in the URL).
 */
final class PostgresTestDatabases extends TestDatabases {
    private final PostgresServer server;
    private final String database;

    /** Schemas in {@code database} on {@code server}. */
    PostgresTestDatabases(PostgresServer server, String database) {
        this.server = server;
        this.database = database;
    }

    @Override
    public DatabaseConfig fresh() {
        String schema = Names.unique("store");
        try (Connection connection = server.connect(database); Statement statement = connection.createStatement()) {
            statement.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create schema " + schema + " in " + server.jdbcUrl(database), e);
        }
        String url = server.jdbcUrl(database);
        return new DatabaseConfig.Postgres(url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema,
                server.user(), server.password());
    }
}
