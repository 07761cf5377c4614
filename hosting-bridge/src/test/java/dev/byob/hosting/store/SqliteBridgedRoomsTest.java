package dev.byob.hosting.store;

/** The {@link BridgedRoomsContract} on SQLite files. */
class SqliteBridgedRoomsTest extends BridgedRoomsContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
