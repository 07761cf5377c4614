package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.hosting.appservice.Transaction;
import java.time.Clock;
import java.util.List;
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
