package dev.byob.hosting.store;

/** {@link SqlHostingJournal} on SQLite files. */
class SqliteHostingJournalTest extends SqlHostingJournalContract {
    private final TestDatabases databases = SqliteTestDatabases.inTempFolder();

    @Override
    protected TestDatabases databases() {
        return databases;
    }
}
