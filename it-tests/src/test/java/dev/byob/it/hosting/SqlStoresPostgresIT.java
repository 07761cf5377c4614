package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.hosting.store.Database;
import dev.byob.hosting.store.BridgedRoomsContract;
import dev.byob.hosting.store.DatabaseContract;
import dev.byob.hosting.store.Dialect;
import dev.byob.hosting.store.FillInLogContract;
import dev.byob.hosting.store.ProcessedTransactionsContract;
import dev.byob.hosting.store.SqlFillInLogContract;
import dev.byob.hosting.store.SqlHostingJournalContract;
import dev.byob.hosting.store.SqlTrustStoreContract;
import dev.byob.hosting.store.StoreException;
import dev.byob.hosting.store.TestDatabases;
import dev.byob.hosting.store.TransactionSinkContract;
import dev.byob.hosting.store.TrustStoreContract;
import dev.byob.it.harness.PostgresServer;
import dev.byob.it.harness.RealServers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The hosting bridge's stores on a real PostgreSQL: the same contract tests as on SQLite
 * ({@link TrustStoreContract}, {@link FillInLogContract}, {@link ProcessedTransactionsContract},
 * {@link BridgedRoomsContract},
 * {@link TransactionSinkContract},
 * {@link DatabaseContract}), each test in a schema of its own.
 */
@RealServers
class SqlStoresPostgresIT {
    private static String database;
    private PostgresTestDatabases databases;

    @BeforeAll
    static void createDatabase(PostgresServer postgres) {
        database = postgres.createDatabase("stores");
    }

    @BeforeEach
    void databases(PostgresServer postgres) {
        databases = new PostgresTestDatabases(postgres, database);
    }

    @AfterEach
    void closeDatabases() {
        databases.close();
    }

    @Nested
    class TrustStore extends SqlTrustStoreContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class FillInLog extends SqlFillInLogContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class HostingJournal extends SqlHostingJournalContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class ProcessedTransactions extends ProcessedTransactionsContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class BridgedRooms extends BridgedRoomsContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class TransactionSink extends TransactionSinkContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }
    }

    @Nested
    class Schema extends DatabaseContract {
        @Override
        protected TestDatabases databases() {
            return databases;
        }

        @Test
        void open_postgres_dialect() {
            assertEquals(Dialect.POSTGRESQL, databases.openFresh().dialect());
        }

        @Test
        void transaction_connectionTerminated_unavailableThenReconnects(PostgresServer postgres) throws Exception {
            Database store = databases.openFresh();
            int pid = store.transaction(c -> {
                try (Statement s = c.createStatement(); ResultSet row = s.executeQuery("SELECT pg_backend_pid()")) {
                    row.next();
                    return row.getInt(1);
                }
            });
            try (Connection admin = postgres.connect(database);
                 PreparedStatement s = admin.prepareStatement("SELECT pg_terminate_backend(?)")) {
                s.setInt(1, pid);
                s.execute();
            }

            StoreException e = assertThrows(StoreException.class, () -> countDms(store));

            assertEquals(StoreException.Code.UNAVAILABLE, e.code());
            assertEquals(0, countDms(store), "the next transaction connects again");
        }

        private int countDms(Database store) {
            return store.transaction(c -> {
                try (Statement s = c.createStatement(); ResultSet row = s.executeQuery("SELECT COUNT(*) FROM canonical_dm")) {
                    row.next();
                    return row.getInt(1);
                }
            });
        }
    }
}
