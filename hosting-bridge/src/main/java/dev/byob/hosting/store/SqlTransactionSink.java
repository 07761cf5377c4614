package dev.byob.hosting.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.hosting.appservice.Transaction;
import dev.byob.hosting.appservice.TransactionSink;
import dev.byob.hosting.appservice.TransactionSinkException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The durable {@link TransactionSink}: a transaction's events go to table {@code pending_event}, in order,
 * and its id to {@code appservice_transaction} ({@link ProcessedTransactions}), in one database transaction.
 * The bridge core reads them back with {@link #pending}, in the order received, and deletes each once
 * handled ({@link #done}, committed in batches by {@link #flush}); what it had not finished, or whose deletion
 * was not yet committed, when the process died is still there at the next start.
 *
 * <p>The database says which events are pending; their content comes from memory when this sink stored them
 * (up to {@value #IN_MEMORY_LIMIT} events not yet handled), so an event is parsed once, on intake. Events an
 * earlier run stored, or stored while the core was far behind, are read back and parsed.
 */
public final class SqlTransactionSink implements TransactionSink {
    /**
     * A to-device event is stored after the transaction's persistent events, wrapped as the only field of an
     * object under this name; {@link #toDevice} unwraps it.
     */
    public static final String TO_DEVICE = "byob.to_device";

    /** How many stored events not yet handled are also kept parsed in memory; more are read back. */
    public static final int IN_MEMORY_LIMIT = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();

    /** One stored event, with its place in the order of arrival. */
    public record PendingEvent(long seq, String txnId, JsonNode event) {
        /** Checks for null. */
        public PendingEvent {
            Objects.requireNonNull(txnId, "txnId");
            Objects.requireNonNull(event, "event");
        }
    }

    private final Database database;
    private final ProcessedTransactions processed;
    private final int inMemoryLimit;
    private volatile Runnable onStored = () -> { };
    /**
     * The events this sink stored and the core has not yet {@linkplain #done handled}, by seq: put in the storing
     * transaction (which holds the database, so the core cannot read the rows before they are here) and taken
     * out again if it fails, so every entry is a stored row; {@link #pending} also checks the transaction id.
     */
    private final Map<Long, PendingEvent> inMemory = new ConcurrentHashMap<>();
    private static final long NONE = Long.MIN_VALUE;
    /** The run of consecutive events {@link #done} whose deletion is not yet deferred; NONE when empty. */
    private long firstDone = NONE;
    private long lastDone = NONE;

    /** A sink storing into {@code database}; {@code clock} dates the processed ids. */
    public SqlTransactionSink(Database database, Clock clock) {
        this(database, clock, IN_MEMORY_LIMIT);
    }

    /** A sink keeping at most {@code inMemoryLimit} unhandled events in memory (for tests). */
    SqlTransactionSink(Database database, Clock clock, int inMemoryLimit) {
        this.database = Objects.requireNonNull(database, "database");
        this.processed = new ProcessedTransactions(database, clock);
        this.inMemoryLimit = inMemoryLimit;
    }

    /** How many stored events are kept in memory for the core (for tests). */
    int inMemory() {
        return inMemory.size();
    }

    /** Runs {@code listener} after each transaction whose events were stored (on the intake thread). */
    public void onStored(Runnable listener) {
        this.onStored = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public boolean isProcessed(String txnId) throws TransactionSinkException {
        try {
            return database.transaction(c -> {
                PreparedStatement s = database.prepared(c,
                        "SELECT 1 FROM appservice_transaction WHERE txn_id = ?");
                s.setString(1, txnId);
                try (ResultSet r = s.executeQuery()) {
                    return r.next();
                }
            });
        } catch (StoreException e) {
            throw new TransactionSinkException("cannot read the processed transactions: " + e.getMessage(), e);
        }
    }

    @Override
    public void accept(Transaction transaction) throws TransactionSinkException {
        List<String> events = new ArrayList<>(transaction.events().size());
        List<JsonNode> all = new ArrayList<>(transaction.events());
        for (JsonNode toDevice : transaction.toDevice()) {
            all.add(JSON.createObjectNode().set(TO_DEVICE, toDevice));
        }
        for (JsonNode event : all) {
            try {
                events.add(JSON.writeValueAsString(event));
            } catch (JsonProcessingException e) {
                throw new TransactionSinkException("cannot serialize an event: " + e.getOriginalMessage(), e);
            }
        }
        List<Long> kept = new ArrayList<>();
        boolean stored = false;
        try {
            stored = database.transaction(c -> {
                if (!processed.markProcessed(transaction.txnId())) {
                    return false;
                }
                long next;
                try (ResultSet r = database.prepared(c, "SELECT COALESCE(MAX(seq), 0) FROM pending_event").executeQuery()) {
                    r.next();
                    next = r.getLong(1) + 1;
                }
                PreparedStatement s = database.prepared(c,
                        "INSERT INTO pending_event (seq, txn_id, event_json) VALUES (?, ?, ?)");
                s.clearBatch(); // what a failed batch may have left
                boolean keep = inMemory.size() + all.size() <= inMemoryLimit;
                for (int i = 0; i < events.size(); i++) {
                    String event = events.get(i);
                    if (keep) {
                        inMemory.put(next, new PendingEvent(next, transaction.txnId(), all.get(i)));
                        kept.add(next);
                    }
                    s.setLong(1, next++);
                    s.setString(2, transaction.txnId());
                    s.setString(3, event);
                    s.addBatch();
                }
                if (!events.isEmpty()) {
                    s.executeBatch();
                }
                return true;
            });
        } catch (StoreException e) {
            throw new TransactionSinkException("cannot store transaction " + transaction.txnId() + ": " + e.getMessage(),
                    e);
        } finally {
            if (!stored) { // rolled back, or stored before: nothing of this call is a stored row
                kept.forEach(inMemory::remove);
            }
        }
        if (stored && !events.isEmpty()) {
            onStored.run();
        }
    }

    /** The to-device event a stored entry wraps, if it is one. */
    public static Optional<JsonNode> toDevice(JsonNode stored) {
        JsonNode wrapped = stored.get(TO_DEVICE);
        return wrapped != null && wrapped.isObject() && stored.size() == 1 ? Optional.of(wrapped)
                : Optional.empty();
    }

    /** Up to {@code limit} stored events not yet handled, oldest first. */
    public List<PendingEvent> pending(int limit) {
        deferDeletion(); // committed before the read, which must not return them again
        return database.transaction(c -> {
            List<PendingEvent> pending = new ArrayList<>();
            PreparedStatement s = database.prepared(c,
                    "SELECT seq, txn_id, event_json FROM pending_event ORDER BY seq LIMIT ?");
            s.setInt(1, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long seq = r.getLong(1);
                    String txnId = r.getString(2);
                    PendingEvent known = inMemory.get(seq);
                    if (known != null && known.txnId().equals(txnId)) {
                        pending.add(known);
                        continue;
                    }
                    JsonNode event;
                    try {
                        event = JSON.readTree(r.getString(3));
                    } catch (JsonProcessingException e) {
                        throw new StoreException(StoreException.Code.QUERY_FAILED,
                                "stored event " + seq + " is not JSON", e);
                    }
                    pending.add(new PendingEvent(seq, txnId, event));
                }
            }
            return pending;
        });
    }

    /**
     * Forgets the stored event {@code seq}: it was handled. The deletion is {@linkplain Database#defer deferred}:
     * it is committed, after the writes the handling deferred before it, by the next {@link #flush} (or the next
     * {@link #pending}). Until then a crash leaves the event stored, to be handled again at the next start, and
     * with it what its handling deferred. Events handled one after the other, as {@link #pending} returned them,
     * are deleted with one statement. Called from the one thread that handles the events.
     */
    public void done(long seq) {
        inMemory.remove(seq); // should the deletion fail, the stored row is read back
        if (firstDone != NONE && seq == lastDone + 1) {
            lastDone = seq;
            return;
        }
        deferDeletion();
        firstDone = seq;
        lastDone = seq;
    }

    /** Defers the deletion of the run of events {@link #done} since the last one. */
    private void deferDeletion() {
        if (firstDone == NONE) {
            return;
        }
        long first = firstDone;
        long last = lastDone;
        firstDone = NONE;
        lastDone = NONE;
        database.defer(c -> {
            PreparedStatement s = database.prepared(c, "DELETE FROM pending_event WHERE seq BETWEEN ? AND ?");
            s.setLong(1, first);
            s.setLong(2, last);
            return s.executeUpdate();
        });
    }

    /**
     * Commits this thread's deferred writes, {@link #done} among them, in one transaction.
     *
     * @throws StoreException if they could not be committed (they are dropped: the events stay stored)
     */
    public void flush() {
        deferDeletion();
        database.flush();
    }
}
