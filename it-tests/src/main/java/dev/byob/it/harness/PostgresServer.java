package dev.byob.it.harness;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/** A real PostgreSQL server for the bridges' durable stores: started by the harness or already running. */
public interface PostgresServer {

    /** The JDBC URL of {@code database} on this server. */
    String jdbcUrl(String database);

    /** The JDBC URL of the server's default database. */
    String jdbcUrl();

    /** The user to connect as. */
    String user();

    /** That user's password (any for a server the harness started, which trusts loopback). */
    String password();

    /** The server's log files, for failure messages; none for a server the harness did not start. */
    List<Path> logs();

    /** Opens a connection to {@code database}. */
    default Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), user(), password());
    }

    /** Creates an empty database with a unique name starting with {@code nameHint}; returns its name. */
    default String createDatabase(String nameHint) {
        String name = Names.unique(nameHint);
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user(), password());
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " on " + jdbcUrl(), e);
        }
        return name;
    }
}
