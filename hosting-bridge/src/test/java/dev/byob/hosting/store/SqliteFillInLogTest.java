package dev.byob.hosting.store;

/** {@link SqlFillInLog} on SQLite files. */
class SqliteFillInLogTest extends SqlFillInLogContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
