package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The harness's PostgreSQL keeps what a bridge stores. */
@RealServers
class PostgresHarnessIT {

    @Test
    void createDatabase_freshDatabase_storesAndReturnsRows(PostgresServer postgres) throws Exception {
        String database = postgres.createDatabase("store");

        try (Connection connection = postgres.connect(database)) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE portal (room_id TEXT PRIMARY KEY, channel TEXT NOT NULL)");
            }
            try (PreparedStatement insert = connection.prepareStatement("INSERT INTO portal VALUES (?, ?)")) {
                insert.setString(1, "!abc:localhost");
                insert.setString(2, "#byob");
                insert.executeUpdate();
            }
            try (Statement query = connection.createStatement();
                 ResultSet rows = query.executeQuery("SELECT channel FROM portal WHERE room_id = '!abc:localhost'")) {
                assertTrue(rows.next());
                assertEquals("#byob", rows.getString(1));
            }
        }
    }
}
