package dev.byob.hosting.store;

/** The {@link TransactionSinkContract} on SQLite files. */
class SqliteTransactionSinkTest extends TransactionSinkContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
