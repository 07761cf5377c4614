package dev.byob.hosting.store;

/** The {@link ProcessedTransactionsContract} on SQLite files. */
class SqliteProcessedTransactionsTest extends ProcessedTransactionsContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
