package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.hosting.appservice.Transaction;
import dev.byob.hosting.appservice.TransactionSinkException;
import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link SqlTransactionSink} does on every dialect. */
public abstract class TransactionSinkContract {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where the databases are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    private static JsonNode event(String id) {
        return JSON.createObjectNode().put("event_id", id).put("type", "m.room.message");
    }

    private static List<String> ids(List<SqlTransactionSink.PendingEvent> pending) {
        return pending.stream().map(p -> p.event().path("event_id").asText()).toList();
    }

    @Test
    void accept_twoTransactions_pendingInOrderOfArrival() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());

        sink.accept(new Transaction("1", List.of(event("$a"), event("$b")), List.of()));
        sink.accept(new Transaction("2", List.of(event("$c")), List.of()));

        assertEquals(List.of("$a", "$b", "$c"), ids(sink.pending(10)));
        assertTrue(sink.isProcessed("1"));
        assertFalse(sink.isProcessed("3"));
    }

    @Test
    void accept_toDeviceEvents_storedWrappedAfterTheRoomEvents() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());
        JsonNode toDevice = JSON.createObjectNode().put("type", "org.matrix.msc3647.matrix_proof")
                .put("sender", "@alice:example.org");

        sink.accept(new Transaction("1", List.of(event("$a")), List.of(), List.of(toDevice)));

        List<SqlTransactionSink.PendingEvent> pending = sink.pending(10);
        assertEquals(2, pending.size());
        assertTrue(SqlTransactionSink.toDevice(pending.get(0).event()).isEmpty());
        assertEquals(toDevice, SqlTransactionSink.toDevice(pending.get(1).event()).orElseThrow());
    }

    @Test
    void accept_repeatedTxnId_storesNothingMoreAndDoesNotNotify() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());
        AtomicInteger notified = new AtomicInteger();
        sink.onStored(notified::incrementAndGet);

        sink.accept(new Transaction("1", List.of(event("$a")), List.of()));
        sink.accept(new Transaction("1", List.of(event("$a")), List.of()));

        assertEquals(List.of("$a"), ids(sink.pending(10)));
        assertEquals(1, notified.get());
    }

    @Test
    void done_removesOnlyThatEvent_andOrderGoesOnAfterIt() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());
        sink.accept(new Transaction("1", List.of(event("$a"), event("$b")), List.of()));

        sink.done(sink.pending(1).get(0).seq());
        sink.accept(new Transaction("2", List.of(event("$c")), List.of()));

        assertEquals(List.of("$b", "$c"), ids(sink.pending(10)));
    }

    @Test
    void done_notTheNextInOrder_refused() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());
        sink.accept(new Transaction("1", List.of(event("$a"), event("$b"), event("$c")), List.of()));
        List<SqlTransactionSink.PendingEvent> pending = sink.pending(10);

        sink.done(pending.get(0).seq());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> sink.done(pending.get(2).seq()));

        assertTrue(e.getMessage().contains("in the order"), e.getMessage());
        sink.flush();
        assertEquals(List.of("$b", "$c"), ids(sink.pending(10)));
    }

    @Test
    void done_partOfATransaction_anotherRunResumesAfterTheHandledOnes() throws Exception {
        DatabaseConfig config = databases().fresh();
        SqlTransactionSink sink = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        sink.accept(new Transaction("1", List.of(event("$a"), event("$b"), event("$c")), List.of()));
        sink.accept(new Transaction("2", List.of(event("$d")), List.of()));
        List<SqlTransactionSink.PendingEvent> pending = sink.pending(2);

        sink.done(pending.get(0).seq());
        sink.done(pending.get(1).seq());
        sink.flush();

        SqlTransactionSink restarted = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        List<SqlTransactionSink.PendingEvent> left = restarted.pending(10);
        assertEquals(List.of("$c", "$d"), ids(left));
        assertEquals(pending.get(1).seq() + 1, left.get(0).seq());
        restarted.done(left.get(0).seq());
        restarted.done(left.get(1).seq());
        restarted.flush();
        assertEquals(List.of("0"), DatabaseContract.strings(databases().open(config),
                "SELECT COUNT(*) FROM pending_transaction"), "each row deleted with its last event");
    }

    @Test
    void accept_parsedFromABody_thatBodyStoredOnceAndReadBack() throws Exception {
        DatabaseConfig config = databases().fresh();
        String json = "{\"events\": [{\"event_id\": \"$a\", \"type\": \"m.room.message\"},"
                + " {\"event_id\": \"$b\", \"type\": \"m.room.message\"}], \"ephemeral\": [],"
                + " \"de.sorunome.msc2409.to_device\": [{\"type\": \"m.dummy\", \"sender\": \"@a:x\"}]}";
        JsonNode root = JSON.readTree(json);
        Transaction received = new Transaction("1", List.of(root.get("events").get(0), root.get("events").get(1)),
                List.of(), List.of(root.get("de.sorunome.msc2409.to_device").get(0)), java.util.Optional.of(json));

        new SqlTransactionSink(databases().open(config), Clock.systemUTC()).accept(received);

        Database database = databases().open(config);
        assertEquals(List.of(json), DatabaseContract.strings(database, "SELECT body FROM pending_transaction"));
        List<SqlTransactionSink.PendingEvent> pending = new SqlTransactionSink(database, Clock.systemUTC()).pending(10);
        assertEquals(List.of("$a", "$b", ""), ids(pending));
        assertEquals(root.get("de.sorunome.msc2409.to_device").get(0),
                SqlTransactionSink.toDevice(pending.get(2).event()).orElseThrow());
    }

    @Test
    void migration_eventsOfTheEarlierTable_keptInTheirOrder() throws Exception {
        DatabaseConfig config = databases().fresh();
        Database old = databases().open(config, Migrations.of("db/migration", "V1__trust", "V2__fill_in",
                "V3__appservice_transactions", "V4__rooms", "V5__pending_events", "V6__hosting_journal",
                "V7__pending_message_log"));
        DatabaseContract.execute(old, "INSERT INTO pending_event (seq, txn_id, event_json) VALUES"
                + " (7, 't1', '{\"event_id\":\"$b\"}'), (3, 't1', '{\"event_id\":\"$a\"}'),"
                + " (9, 't2', '{\"byob.to_device\":{\"type\":\"m.dummy\"}}')");
        old.close();

        SqlTransactionSink sink = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        List<SqlTransactionSink.PendingEvent> pending = sink.pending(10);

        assertEquals(List.of("$a", "$b", ""), ids(pending));
        assertEquals(List.of(3L, 7L, 9L), pending.stream().map(SqlTransactionSink.PendingEvent::seq).toList());
        assertEquals("m.dummy", SqlTransactionSink.toDevice(pending.get(2).event()).orElseThrow().path("type").asText());
        sink.done(3);
        sink.done(7);
        sink.done(9);
        sink.accept(new Transaction("t3", List.of(event("$c")), List.of()));
        assertEquals(List.of(10L), sink.pending(10).stream().map(SqlTransactionSink.PendingEvent::seq).toList());
    }

    @Test
    void done_notFlushed_committedBeforeTheNextPendingRead() throws Exception {
        DatabaseConfig config = databases().fresh();
        SqlTransactionSink sink = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        sink.accept(new Transaction("1", List.of(event("$a"), event("$b"), event("$c")), List.of()));
        List<SqlTransactionSink.PendingEvent> pending = sink.pending(2);

        sink.done(pending.get(0).seq());
        sink.done(pending.get(1).seq());

        assertEquals(List.of("$c"), ids(sink.pending(10)), "never read again once handled");
        SqlTransactionSink elsewhere = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        assertEquals(List.of("$c"), ids(elsewhere.pending(10)), "and the deletion committed");
    }

    @Test
    void done_committedByFlush_togetherWithWhatTheHandlingJournaledBefore() throws Exception {
        DatabaseConfig config = databases().fresh();
        Database database = databases().open(config);
        SqlTransactionSink sink = new SqlTransactionSink(database, Clock.systemUTC());
        SqlHostingJournal journal = new SqlHostingJournal(database);
        sink.accept(new Transaction("1", List.of(event("$a"), event("$b")), List.of()));
        // What a bridge started after a crash would find.
        Database elsewhere = databases().open(config);
        SqlTransactionSink restartedSink = new SqlTransactionSink(elsewhere, Clock.systemUTC());
        SqlHostingJournal restartedJournal = new SqlHostingJournal(elsewhere);
        TrustKey key = new TrustKey(UserId.parse("@hb:example.org"), UserId.parse("@alice:example.org"),
                Network.irc("libera"));
        long first = sink.pending(1).get(0).seq(); // as the core reads a batch, then handles it

        journal.pendingAdded(key, 1, new HostingJournal.PendingMessage(Lease.Direction.TO_REMOTE, "$a",
                RoomId.parse("!room:example.org"), Instant.parse("2026-01-01T00:00:00Z")));
        sink.done(first);

        assertEquals(List.of("$a", "$b"), ids(restartedSink.pending(10)), "a crash now: $a is handled again");
        assertEquals(Map.of(), restartedJournal.load(Map.of(key, 1L)).pending());
        sink.flush();
        assertEquals(List.of("$b"), ids(restartedSink.pending(10)));
        assertEquals(List.of("$a"), restartedJournal.load(Map.of(key, 1L)).pending().get(key).stream()
                .map(HostingJournal.PendingMessage::messageId).toList());
    }

    @Test
    void pending_storedByThisSink_handedOverInMemoryNotParsedAgain() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC());
        JsonNode a = event("$a");
        JsonNode b = event("$b");
        sink.accept(new Transaction("1", List.of(a, b), List.of()));

        List<SqlTransactionSink.PendingEvent> pending = sink.pending(10);

        assertSame(a, pending.get(0).event());
        assertSame(b, pending.get(1).event());
        assertEquals("1", pending.get(0).txnId());
        sink.done(pending.get(0).seq());
        assertEquals(2, sink.inMemory(), "kept while the transaction has events to handle");
        sink.done(pending.get(1).seq());
        assertEquals(0, sink.inMemory(), "forgotten once all are handled");
    }

    @Test
    void pending_beyondTheInMemoryLimit_readBackFromTheStore() throws Exception {
        SqlTransactionSink sink = new SqlTransactionSink(databases().openFresh(), Clock.systemUTC(), 2);
        JsonNode a = event("$a");
        JsonNode c = event("$c");
        sink.accept(new Transaction("1", List.of(a, event("$b")), List.of()));
        sink.accept(new Transaction("2", List.of(c), List.of())); // the core is behind: not kept

        List<SqlTransactionSink.PendingEvent> pending = sink.pending(10);

        assertEquals(List.of("$a", "$b", "$c"), ids(pending));
        assertSame(a, pending.get(0).event());
        assertNotSame(c, pending.get(2).event());
        assertEquals(c, pending.get(2).event());
    }

    @Test
    void pending_storedByAnEarlierRun_readBackFromTheStore() throws Exception {
        DatabaseConfig config = databases().fresh();
        JsonNode a = event("$a");
        new SqlTransactionSink(databases().open(config), Clock.systemUTC())
                .accept(new Transaction("1", List.of(a), List.of()));

        SqlTransactionSink restarted = new SqlTransactionSink(databases().open(config), Clock.systemUTC());
        List<SqlTransactionSink.PendingEvent> pending = restarted.pending(10);

        assertNotSame(a, pending.get(0).event());
        assertEquals(a, pending.get(0).event());
        assertEquals("1", pending.get(0).txnId());
    }

    @Test
    void accept_failedToStore_keepsNothingInMemory() throws Exception {
        Database database = databases().openFresh();
        SqlTransactionSink sink = new SqlTransactionSink(database, Clock.systemUTC());
        DatabaseContract.execute(database, "DROP TABLE pending_transaction"); // every insert now fails

        assertThrows(TransactionSinkException.class,
                () -> sink.accept(new Transaction("1", List.of(event("$a")), List.of())));

        assertEquals(0, sink.inMemory());
        assertFalse(sink.isProcessed("1"), "rolled back with the events");
    }

    @Test
    void pending_afterReopening_keepsWhatWasNotDone() throws Exception {
        DatabaseConfig config = databases().fresh();
        Database first = databases().open(config);
        new SqlTransactionSink(first, Clock.systemUTC())
                .accept(new Transaction("1", List.of(event("$a"), event("$b")), List.of()));
        first.close();

        SqlTransactionSink reopened = new SqlTransactionSink(databases().open(config), Clock.systemUTC());

        assertEquals(List.of("$a", "$b"), ids(reopened.pending(10)));
        assertTrue(reopened.isProcessed("1"));
    }
}
