package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.T0;
import static dev.byob.hosting.store.StoreFixtures.aliceKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.hosting.HostingJournal.PendingMessage;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease.Direction;
import dev.byob.protocol.trust.TrustKey;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The journal contract for {@link SqlHostingJournal}, on the databases a subclass provides. */
public abstract class SqlHostingJournalContract extends HostingJournalContract {
    private final Map<HostingJournal, Database> databaseOf = new IdentityHashMap<>();

    /** Where the journals are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @Override
    protected HostingJournal newJournal() {
        return journalIn(databases().openFresh());
    }

    @Override
    protected Optional<HostingJournal> reopen(HostingJournal journal) {
        Database database = databaseOf.get(journal);
        database.close();
        return Optional.of(journalIn(databases().open(database.config())));
    }

    private HostingJournal journalIn(Database database) {
        HostingJournal journal = new SqlHostingJournal(database);
        databaseOf.put(journal, database);
        return journal;
    }

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    private static PendingMessage message(String id) {
        return new PendingMessage(Direction.TO_REMOTE, id, new RoomId("!channel:hosting.example"), T0);
    }

    private static List<String> ids(HostingJournal.Snapshot snapshot, TrustKey key) {
        return snapshot.pending().getOrDefault(key, List.of()).stream().map(PendingMessage::messageId).toList();
    }

    @Test
    void pendingAdded_againAfterARestart_storedOnce() {
        DatabaseConfig config = databases().fresh();
        Database first = databases().open(config);
        TrustKey key = aliceKey();
        new SqlHostingJournal(first).pendingAdded(key, 1, message("$a"));
        first.flush();
        // A crash before the event's deletion was committed: the restarted bridge handles it again.
        SqlHostingJournal restarted = new SqlHostingJournal(databases().open(config));
        restarted.load(Map.of(key, 1L));

        restarted.pendingAdded(key, 1, message("$a"));
        restarted.pendingAdded(key, 1, message("$b"));

        assertEquals(List.of("$a", "$b"), ids(restarted.load(Map.of(key, 1L)), key));
        assertEquals(List.of("2"), DatabaseContract.strings(databases().open(config),
                "SELECT COUNT(*) FROM pending_message_log"));
    }

    @Test
    void pendingResolved_deletesThatRowOnly_evenBeforeAnyLoad() {
        DatabaseConfig config = databases().fresh();
        Database first = databases().open(config);
        TrustKey key = aliceKey();
        SqlHostingJournal journal = new SqlHostingJournal(first);
        journal.pendingAdded(key, 1, message("$a"));
        journal.pendingAdded(key, 2, message("$a"));
        journal.pendingAdded(key, 1, message("$b"));
        first.flush();
        SqlHostingJournal restarted = new SqlHostingJournal(databases().open(config)); // never loaded

        restarted.pendingResolved(key, 1, Direction.TO_REMOTE, "$a");
        restarted.pendingAdded(key, 1, message("$c"));

        assertEquals(List.of("$b", "$c"), ids(restarted.load(Map.of(key, 1L)), key));
        assertEquals(List.of("$a"), ids(restarted.load(Map.of(key, 2L)), key));
    }

    @Test
    void pendingAdded_commitFailed_storedAgainWhenRepeated() {
        DatabaseConfig config = databases().fresh();
        Database database = databases().open(config);
        TrustKey key = aliceKey();
        SqlHostingJournal journal = new SqlHostingJournal(database);
        journal.pendingAdded(key, 1, message("$a"));
        database.defer(c -> {
            throw new SQLException("the disk is full");
        });
        assertThrows(StoreException.class, database::flush); // $a's insert is dropped with it

        journal.pendingAdded(key, 1, message("$a")); // its event, handled again
        database.flush();

        assertEquals(List.of("$a"), ids(new SqlHostingJournal(databases().open(config)).load(Map.of(key, 1L)), key));
    }

    @Test
    void migration_pendingMessagesOfTheEarlierTable_keptInTheirOrder() {
        DatabaseConfig config = databases().fresh();
        Database old = databases().open(config, Migrations.of("db/migration", "V1__trust", "V2__fill_in",
                "V3__appservice_transactions", "V4__rooms", "V5__pending_events", "V6__hosting_journal"));
        TrustKey key = aliceKey();
        String[][] rows = {{"$z", "1"}, {"$x", "3"}, {"$y", "2"}};
        for (String[] row : rows) {
            DatabaseContract.execute(old, "INSERT INTO pending_message (hb_bot, user_id, network_protocol, network_id,"
                    + " epoch, direction, message_id, room_id, seen_at, ordinal) VALUES ('" + key.hbBot().value()
                    + "', '" + key.userId().value() + "', '" + key.network().protocol() + "', '" + key.network().id()
                    + "', 1, 'to_remote', '" + row[0] + "', '!channel:hosting.example', '" + T0 + "', " + row[1] + ")");
        }
        old.close();

        SqlHostingJournal journal = new SqlHostingJournal(databases().open(config));

        assertEquals(List.of("$z", "$y", "$x"), ids(journal.load(Map.of(key, 1L)), key));
        journal.pendingAdded(key, 1, message("$w"));
        journal.pendingResolved(key, 1, Direction.TO_REMOTE, "$y");
        assertEquals(List.of("$z", "$x", "$w"), ids(journal.load(Map.of(key, 1L)), key));
    }
}
