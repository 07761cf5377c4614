package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@link DatabaseContract} on SQLite files, and what is particular to SQLite. */
class SqliteDatabaseTest extends DatabaseContract {
    @TempDir
    Path folder;
    private SqliteTestDatabases databases;

    @Override
    protected TestDatabases databases() {
        if (databases == null) {
            databases = new SqliteTestDatabases(folder);
        }
        return databases;
    }

    @Test
    void open_sqlite_durableSettings() {
        Database database = databases().openFresh();

        assertEquals(List.of("wal"), strings(database, "PRAGMA journal_mode"));
        assertEquals(List.of("2"), strings(database, "PRAGMA synchronous"), "FULL");
        assertEquals(List.of("1"), strings(database, "PRAGMA foreign_keys"));
        assertEquals(List.of(String.valueOf(Database.BUSY_TIMEOUT_MS)), strings(database, "PRAGMA busy_timeout"));
        assertEquals(List.of(String.valueOf(Database.WAL_CHECKPOINT_PAGES)), strings(database, "PRAGMA wal_autocheckpoint"));
    }

    @Test
    void commits_walCopiedIntoTheDatabaseFileInTheBackground() throws Exception {
        Database database = databases().openFresh();
        Path file = ((DatabaseConfig.Sqlite) database.config()).file();
        execute(database, "CREATE TABLE scratch (v TEXT NOT NULL)");
        long before = Files.size(file);
        String row = "x".repeat(1000);
        database.transaction(c -> {
            try (java.sql.PreparedStatement s = c.prepareStatement("INSERT INTO scratch (v) VALUES (?)")) {
                for (int i = 0; i < 2000; i++) { // 2 MB: far below the WAL_CHECKPOINT_PAGES a commit would copy at
                    s.setString(1, row + i);
                    s.executeUpdate();
                }
            }
            return null;
        });

        long deadline = System.nanoTime() + 10 * Database.CHECKPOINT_INTERVAL.toNanos();
        while (Files.size(file) < before + 2_000_000 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }

        assertTrue(Files.size(file) >= before + 2_000_000, "the database file holds the rows: " + Files.size(file));
        database.close(); // stops the checkpointer
        assertEquals(List.of("2000"), strings(databases().open(database.config()), "SELECT COUNT(*) FROM scratch"));
    }

    @Test
    void open_inDataDirectory_createsFolderAndFile() {
        Path data = folder.resolve("data/hb");

        Database database = databases().open(DatabaseConfig.inDataDirectory(data));

        assertEquals(Dialect.SQLITE, database.dialect());
        assertTrue(Files.isRegularFile(data.resolve(DatabaseConfig.DEFAULT_FILE_NAME)));
    }

    @Test
    void transaction_ended_writeLockReleasedForOtherProcesses() throws Exception {
        Database database = databases().openFresh();
        execute(database, "INSERT INTO canonical_dm (hb_bot, vb_bot, room_id) VALUES ('@hb:x', '@vb:y', '!dm:y')");
        Path file = ((DatabaseConfig.Sqlite) database.config()).file();

        // Another connection, as an operator's sqlite3 shell would be, that does not wait for locks.
        try (Connection other = DriverManager.getConnection("jdbc:sqlite:" + file);
             Statement s = other.createStatement()) {
            s.execute("PRAGMA busy_timeout = 0");
            s.execute("INSERT INTO canonical_dm (hb_bot, vb_bot, room_id) VALUES ('@hb:x', '@vb:z', '!dm:z')");
        }

        assertEquals(List.of("2"), strings(database, "SELECT COUNT(*) FROM canonical_dm"));
    }
}
