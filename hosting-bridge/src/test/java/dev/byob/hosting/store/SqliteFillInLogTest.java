package dev.byob.hosting.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** {@link SqlFillInLog} on SQLite files. */
class SqliteFillInLogTest extends SqlFillInLogContract {
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
