package dev.byob.hosting.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqlHostingJournal} on SQLite files. */
class SqliteHostingJournalTest extends SqlHostingJournalContract {
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
}
