package dev.byob.hosting.store;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The {@link BridgedRoomsContract} on SQLite files. */
class SqliteBridgedRoomsTest extends BridgedRoomsContract {
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
