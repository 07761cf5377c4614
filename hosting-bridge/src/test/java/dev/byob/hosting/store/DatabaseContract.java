package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.store.Database.Work;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What {@link Database} does on every dialect: migrations, refusing a newer or foreign schema,
 * transactions that commit or roll back as a whole, and the schema's own integrity rules.
 */
public abstract class DatabaseContract {
    private static final String TEST_MIGRATIONS = "db/test-migration";
    private static final List<String> TABLES = List.of("trust_key", "trust_record", "fill_in_epoch", "fill_in",
            "appservice_transaction", "bridged_room", "canonical_dm", "pending_transaction", "lease_heartbeat",
            "pending_message_log");

    /** Where the databases are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    static void execute(Database database, String sql) {
        database.transaction(c -> {
            try (Statement s = c.createStatement()) {
                s.execute(sql);
            }
            return null;
        });
    }

    static List<String> strings(Database database, String sql) {
        return database.transaction(c -> {
            List<String> out = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery(sql)) {
                while (rows.next()) {
                    out.add(rows.getString(1));
                }
            }
            return out;
        });
    }

    private static void insertScratch(Connection c, String value) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO scratch (v) VALUES (?)")) {
            s.setString(1, value);
            s.executeUpdate();
        }
    }

    private Database withScratch() {
        Database database = databases().openFresh();
        execute(database, "CREATE TABLE scratch (v TEXT NOT NULL)");
        return database;
    }

    @Test
    void open_fresh_latestSchemaWithEveryTable() {
        Database database = databases().openFresh();

        assertEquals(Migrations.HOSTING_BRIDGE.latestVersion(), database.schemaVersion());
        assertEquals(List.of("1 trust", "2 fill_in", "3 appservice_transactions", "4 rooms",
                "5 pending_events", "6 hosting_journal", "7 pending_message_log",
                "8 pending_transactions"),
                strings(database, "SELECT version || ' ' || name FROM schema_version ORDER BY version"));
        for (String table : TABLES) {
            assertEquals(List.of("0"), strings(database, "SELECT COUNT(*) FROM " + table), table);
        }
    }

    @Test
    void open_again_appliesNothingTwice() {
        Database database = databases().openFresh();
        execute(database, "INSERT INTO canonical_dm (hb_bot, vb_bot, room_id) VALUES ('@hb:x', '@vb:y', '!dm:y')");
        database.close();

        Database again = databases().open(database.config());

        assertEquals(List.of("1", "2", "3", "4", "5", "6", "7", "8"), strings(again, "SELECT version FROM schema_version ORDER BY version"));
        assertEquals(List.of("!dm:y"), strings(again, "SELECT room_id FROM canonical_dm"));
    }

    @Test
    void open_newerSchema_refusedWithBothVersions() {
        Database database = databases().openFresh();
        int latest = Migrations.HOSTING_BRIDGE.latestVersion();
        execute(database, "INSERT INTO schema_version (version, name, applied_at) VALUES (" + (latest + 1)
                + ", 'from_the_future', 'x')");
        database.close();

        StoreException e = assertThrows(StoreException.class, () -> databases().open(database.config()));

        assertEquals(StoreException.Code.SCHEMA_TOO_NEW, e.code());
        assertTrue(e.getMessage().contains("schema version " + (latest + 1) + " (from_the_future), newer than the "
                + latest), e.getMessage());
    }

    @Test
    void open_anotherProgramsSchema_refused() {
        Database database = databases().openFresh();
        execute(database, "UPDATE schema_version SET name = 'something_else' WHERE version = 1");
        database.close();

        StoreException e = assertThrows(StoreException.class, () -> databases().open(database.config()));

        assertEquals(StoreException.Code.SCHEMA_MISMATCH, e.code());
    }

    @Test
    void open_failingMigration_rolledBackAndEarlierOnesKept() {
        DatabaseConfig config = databases().fresh();

        StoreException e = assertThrows(StoreException.class, () -> databases().open(config,
                Migrations.of(TEST_MIGRATIONS, "V1__first", "V2__broken")));

        assertEquals(StoreException.Code.MIGRATION_FAILED, e.code());
        assertTrue(e.getMessage().contains("V2__broken.sql"), e.getMessage());
        Database database = databases().open(config, Migrations.of(TEST_MIGRATIONS, "V1__first"));
        assertEquals(List.of("1"), strings(database, "SELECT version FROM schema_version"));
        StoreException missing = assertThrows(StoreException.class,
                () -> strings(database, "SELECT n FROM second_table"));
        assertEquals(StoreException.Code.QUERY_FAILED, missing.code());
    }

    @Test
    void open_dialectVariant_usedForItsDialectOnly() {
        Database database = databases().open(databases().fresh(), Migrations.of(TEST_MIGRATIONS, "V1__first"));

        String expected = database.dialect() == Dialect.POSTGRESQL
                ? "postgresql"
                : "shared; with a semicolon -- and no comment";
        assertEquals(List.of(expected), strings(database, "SELECT origin FROM first_table"));
    }

    @Test
    void transaction_returns_committed() {
        Database database = withScratch();

        String result = database.transaction(c -> {
            insertScratch(c, "a");
            return "done";
        });

        assertEquals("done", result);
        assertEquals(List.of("a"), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void transaction_workThrows_rolledBackAndRethrown() {
        Database database = withScratch();
        IllegalStateException failure = new IllegalStateException("boom");

        IllegalStateException thrown = assertThrows(IllegalStateException.class, () -> database.transaction(c -> {
            insertScratch(c, "a");
            throw failure;
        }));

        assertEquals(failure, thrown);
        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void transaction_badStatement_queryFailedAndDatabaseStillUsable() {
        Database database = withScratch();

        StoreException e = assertThrows(StoreException.class, () -> database.transaction(c -> {
            insertScratch(c, "a");
            insertScratch(c, null);
            return null;
        }));

        assertEquals(StoreException.Code.QUERY_FAILED, e.code());
        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
        database.transaction(c -> {
            insertScratch(c, "b");
            return null;
        });
        assertEquals(List.of("b"), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void transaction_workCarriesOnAfterFailedStatement_neverHalfCommittedOnPostgres() {
        Database database = withScratch();

        Work<Void> work = c -> {
            insertScratch(c, "a");
            try {
                insertScratch(c, null);
            } catch (SQLException expected) {
                // carrying on: SQLite undid that statement only, PostgreSQL aborted the transaction
            }
            return null;
        };

        if (database.dialect() == Dialect.POSTGRESQL) {
            StoreException e = assertThrows(StoreException.class, () -> database.transaction(work));
            assertEquals(StoreException.Code.QUERY_FAILED, e.code());
            assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
        } else {
            database.transaction(work);
            assertEquals(List.of("a"), strings(database, "SELECT v FROM scratch"));
        }
    }

    @Test
    void transaction_nested_joinsOuterAndRollsBackWithIt() {
        Database database = withScratch();

        assertThrows(IllegalStateException.class, () -> database.transaction(c -> {
            insertScratch(c, "outer");
            database.transaction(inner -> {
                insertScratch(inner, "inner");
                return null;
            });
            throw new IllegalStateException("after the nested transaction ended");
        }));

        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void transaction_nestedFailureCaught_wholeTransactionRolledBack() {
        Database database = withScratch();

        StoreException e = assertThrows(StoreException.class, () -> database.transaction(c -> {
            insertScratch(c, "outer");
            try {
                database.transaction(inner -> {
                    insertScratch(inner, "inner");
                    throw new IllegalArgumentException("inner failure");
                });
            } catch (IllegalArgumentException expected) {
                // swallowed: the outer transaction must still not commit half of the work
            }
            return null;
        }));

        assertEquals(StoreException.Code.QUERY_FAILED, e.code());
        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void transaction_otherThread_waitsUntilTheFirstEnds() throws Exception {
        Database database = withScratch();
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try {
            Future<?> first = executor.submit(() -> database.transaction(c -> {
                insertScratch(c, "first");
                inside.countDown();
                await(release);
                return null;
            }));
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            Thread second = new Thread(() -> database.transaction(c -> {
                insertScratch(c, "second");
                return null;
            }));
            second.start();
            second.join(200);
            assertTrue(second.isAlive(), "the second transaction waits for the first");
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            second.join(10_000);
            assertFalse(second.isAlive());
        } finally {
            release.countDown();
            executor.shutdownNow();
        }
        assertEquals(List.of("first", "second"), strings(database, "SELECT v FROM scratch ORDER BY v"));
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Work<Void> scratch(String value) {
        return c -> {
            insertScratch(c, value);
            return null;
        };
    }

    @Test
    void defer_invisibleElsewhereUntilFlush_thenCommittedInOrder() {
        Database database = withScratch();
        Database elsewhere = databases().open(database.config());

        database.defer(scratch("a"));
        database.defer(scratch("b"));

        assertTrue(database.hasDeferred());
        assertEquals(List.of(), strings(elsewhere, "SELECT v FROM scratch"));
        database.flush();
        assertFalse(database.hasDeferred());
        assertEquals(List.of("a", "b"), strings(elsewhere, "SELECT v FROM scratch"));
    }

    @Test
    void defer_committedOnItsOwnBeforeTheThreadsNextTransaction() {
        Database database = withScratch();
        database.defer(scratch("deferred"));

        assertThrows(IllegalStateException.class, () -> database.transaction(c -> {
            insertScratch(c, "failing");
            throw new IllegalStateException("boom");
        }));

        assertFalse(database.hasDeferred());
        assertEquals(List.of("deferred"), strings(databases().open(database.config()), "SELECT v FROM scratch"));
    }

    @Test
    void defer_insideATransaction_joinsItAndRollsBackWithIt() {
        Database database = withScratch();

        assertThrows(IllegalStateException.class, () -> database.transaction(c -> {
            database.defer(scratch("inner"));
            throw new IllegalStateException("boom");
        }));

        assertFalse(database.hasDeferred());
        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
    }

    @Test
    void flush_commitsOnlyThisThreadsDeferredWrites() throws Exception {
        Database database = withScratch();
        ExecutorService other = Executors.newSingleThreadExecutor();
        try {
            other.submit(() -> database.defer(scratch("other"))).get(10, TimeUnit.SECONDS);
            database.defer(scratch("mine"));

            database.flush();

            assertEquals(List.of("mine"), strings(database, "SELECT v FROM scratch"));
            other.submit(database::flush).get(10, TimeUnit.SECONDS);
            assertEquals(List.of("mine", "other"), strings(database, "SELECT v FROM scratch ORDER BY v"));
        } finally {
            other.shutdownNow();
        }
    }

    @Test
    void flush_failingDeferredWrite_allDroppedAndThrown() {
        Database database = withScratch();
        database.defer(scratch("a"));
        database.defer(scratch(null));

        StoreException e = assertThrows(StoreException.class, database::flush);

        assertEquals(StoreException.Code.QUERY_FAILED, e.code());
        assertFalse(database.hasDeferred());
        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
        database.flush(); // nothing left, and usable
    }

    /** The setting that says whether a commit waits for the disk, as the connection reports it. */
    private static String syncSetting(Connection c, Dialect dialect) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(dialect == Dialect.SQLITE
                ? "PRAGMA synchronous" : "SHOW synchronous_commit")) {
            r.next();
            return r.getString(1);
        }
    }

    @Test
    void flushWithoutSync_committedWithoutSync_thenSyncedAgain() {
        Database database = withScratch();
        Database elsewhere = databases().open(database.config());
        if (database.dialect() == Dialect.POSTGRESQL) {
            execute(database, "SET synchronous_commit TO on"); // for this session: a test server may run with off
        }
        List<String> before = database.transaction(c -> List.of(syncSetting(c, database.dialect())));
        List<String> during = new ArrayList<>();
        database.defer(scratch("a"));
        database.defer(c -> during.add(syncSetting(c, database.dialect())));

        database.flushWithoutSync();

        assertFalse(database.hasDeferred());
        assertEquals(List.of("a"), strings(elsewhere, "SELECT v FROM scratch"));
        boolean sqlite = database.dialect() == Dialect.SQLITE;
        assertEquals(List.of(sqlite ? "1" : "off"), during, "NORMAL / synchronous_commit off");
        assertEquals(List.of(sqlite ? "2" : "on"), before, "FULL / on");
        assertEquals(before, database.transaction(c -> List.of(syncSetting(c, database.dialect()))),
                "as before for the next transaction");
    }

    @Test
    void flushWithoutSync_failingDeferredWrite_droppedThrownAndSyncedAgain() {
        Database database = withScratch();
        List<String> before = database.transaction(c -> List.of(syncSetting(c, database.dialect())));
        database.defer(scratch("a"));
        database.defer(scratch(null));

        assertThrows(StoreException.class, database::flushWithoutSync);

        assertEquals(List.of(), strings(database, "SELECT v FROM scratch"));
        assertEquals(before, database.transaction(c -> List.of(syncSetting(c, database.dialect()))));
    }

    @Test
    void close_commitsTheDeferredWrites() {
        Database database = withScratch();
        database.defer(scratch("a"));

        database.close();

        assertEquals(List.of("a"), strings(databases().open(database.config()), "SELECT v FROM scratch"));
    }

    @Test
    void prepared_sameSql_oneStatementReusedAcrossTransactions() {
        Database database = withScratch();
        Work<PreparedStatement> insert = c -> {
            PreparedStatement s = database.prepared(c, "INSERT INTO scratch (v) VALUES (?)");
            s.setString(1, "x");
            s.executeUpdate();
            return s;
        };

        PreparedStatement first = database.transaction(insert);
        PreparedStatement second = database.transaction(insert);
        database.defer(c -> insert.run(c));
        database.flush();

        assertTrue(first == second, "prepared once");
        assertEquals(List.of("3"), strings(database, "SELECT COUNT(*) FROM scratch"));
    }

    @Test
    void prepared_outsideItsTransaction_illegalState() throws Exception {
        Database database = withScratch();
        Connection leaked = database.transaction(c -> c);

        assertThrows(IllegalStateException.class, () -> database.prepared(leaked, "SELECT 1"));
    }

    @Test
    void prepared_manyStatements_leastRecentlyUsedClosedAndCacheBounded() {
        Database database = withScratch();
        List<PreparedStatement> statements = new ArrayList<>();
        for (int i = 0; i <= Database.STATEMENT_CACHE_SIZE; i++) {
            String sql = "SELECT COUNT(*) + " + i + " FROM scratch";
            statements.add(database.transaction(c -> database.prepared(c, sql)));
        }

        assertTrue(isClosed(statements.get(0)), "the least recently used is closed");
        assertFalse(isClosed(statements.get(statements.size() - 1)));
        assertTrue(database.cachedStatements() <= Database.STATEMENT_CACHE_SIZE);
    }

    @Test
    void close_closesThePreparedStatements() {
        Database database = withScratch();
        PreparedStatement s = database.transaction(c -> database.prepared(c, "SELECT COUNT(*) FROM scratch"));

        database.close();

        assertTrue(isClosed(s));
        assertEquals(0, database.cachedStatements());
    }

    private static boolean isClosed(Statement s) {
        try {
            return s.isClosed();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void transaction_closedDatabase_illegalState() {
        Database database = databases().openFresh();
        database.close();
        database.close();

        assertThrows(IllegalStateException.class, () -> strings(database, "SELECT 1"));
    }

    @Test
    void schema_recordWithoutKey_refusedByForeignKey() {
        Database database = databases().openFresh();

        StoreException e = assertThrows(StoreException.class, () -> execute(database, "INSERT INTO trust_record ("
                + "hb_bot, user_id, network_protocol, network_id, epoch, remote_account, vb_bot, vb_key_id,"
                + " vb_public_key, matrix_proof_method, remote_proof_method, established_at, txn_id) VALUES"
                + " ('@hb:x', '@u:x', 'irc', 'n', 1, 'u', '@vb:x', 'ed25519:1', 'AAAA', 'dm', 'p', 't', 'txn00000')"));

        assertEquals(StoreException.Code.QUERY_FAILED, e.code());
    }

    @Test
    void schema_twoRecordsInForceForOneKey_refused() {
        Database database = databases().openFresh();
        String insert = "INSERT INTO trust_record (hb_bot, user_id, network_protocol, network_id, epoch,"
                + " remote_account, vb_bot, vb_key_id, vb_public_key, matrix_proof_method, remote_proof_method,"
                + " established_at, txn_id) VALUES ('@hb:x', '@u:x', 'irc', 'n', %d, 'u', '@vb:x', 'ed25519:1', 'AAAA',"
                + " 'dm', 'p', 't', 'txn00000')";
        execute(database, "INSERT INTO trust_key (hb_bot, user_id, network_protocol, network_id, last_epoch)"
                + " VALUES ('@hb:x', '@u:x', 'irc', 'n', 2)");
        execute(database, String.format(insert, 1));

        StoreException e = assertThrows(StoreException.class, () -> execute(database, String.format(insert, 2)));

        assertEquals(StoreException.Code.QUERY_FAILED, e.code());
    }
}
