package dev.byob.hosting.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link ProcessedTransactionsContract} on SQLite files. */
class SqliteProcessedTransactionsTest extends ProcessedTransactionsContract {
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
