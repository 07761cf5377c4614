package dev.byob.hosting.store;

/** {@link SqlTrustStore} on SQLite files. */
class SqliteTrustStoreTest extends SqlTrustStoreContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
