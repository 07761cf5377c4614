package dev.byob.hosting.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.hosting.appservice.Transaction;
import dev.byob.hosting.appservice.TransactionSink;
import dev.byob.hosting.appservice.TransactionSinkException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The durable {@link TransactionSink}: a transaction goes to table {@code pending_transaction} as one row holding
 * its body as received, and its id to {@code appservice_transaction} ({@link ProcessedTransactions}), in one
 * database transaction. Its events (then its to-device events) are numbered on from the last transaction's. The
 * bridge core reads them back with {@link #pending}, in the order received, and marks each {@link #done} once
 * handled, in that order; a row is deleted with its last event, and the count of its events handled is kept
 * until then (committed in batches by {@link #flush}), so what was not finished, or whose progress was not yet
 * committed, when the process died is read again at the next start.
 *
 * <p>The database says which events are pending; their content comes from memory when this sink stored them
 * (up to {@value #IN_MEMORY_LIMIT} events not yet handled), so an event is parsed once, on intake. Transactions an
 * earlier run stored, or stored while the core was far behind, are read back and parsed.
 */
public final class SqlTransactionSink implements TransactionSink {
    /**
     * A to-device event is handed to the core after the transaction's persistent events, wrapped as the only field
     * of an object under this name; {@link #toDevice} unwraps it.
     */
    public static final String TO_DEVICE = "byob.to_device";

    /** How many stored events not yet handled are also kept parsed in memory; more are read back. */
    public static final int IN_MEMORY_LIMIT = 10_000;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long NONE = Long.MIN_VALUE;

    /** One stored event, with its place in the order of arrival. */
    public record PendingEvent(long seq, String txnId, JsonNode event) {
        /** Checks for null. */
        public PendingEvent {
            Objects.requireNonNull(txnId, "txnId");
            Objects.requireNonNull(event, "event");
        }
    }

    /** A transaction stored by this sink, kept in memory: the events it hands to the core, in order. */
    private record Kept(String txnId, List<JsonNode> events) {}

    private final Database database;
    private final ProcessedTransactions processed;
    private final int inMemoryLimit;
    private volatile Runnable onStored = () -> { };
    /**
     * The transactions this sink stored whose events the core has not all {@linkplain #done handled}, by first
     * seq: put in the storing transaction (which holds the database, so the core cannot read the row before it is
     * here) and taken out again if it fails, so every entry is a stored row; {@link #pending} also checks the
     * transaction id.
     */
    private final ConcurrentSkipListMap<Long, Kept> inMemory = new ConcurrentSkipListMap<>();
    /** How many events {@link #inMemory} holds. */
    private final AtomicInteger inMemoryEvents = new AtomicInteger();
    /** The seq after the last one handed out; only under the database's lock. */
    private long nextSeq = 1;
    /** What {@link #pending} returned last, and how many of them {@link #done} was given since. */
    private List<PendingEvent> handedOut = List.of();
    private int doneOfHandedOut;
    /** The last event {@link #done} whose progress is not yet deferred; NONE when there is none. */
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

    /** How many events of stored transactions not yet all handled are kept in memory (for tests). */
    int inMemory() {
        return inMemoryEvents.get();
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

    /** What the core is handed of {@code transaction}: its events, then its to-device events wrapped. */
    private static List<JsonNode> handedOver(Transaction transaction) {
        List<JsonNode> all = new ArrayList<>(transaction.events().size() + transaction.toDevice().size());
        all.addAll(transaction.events());
        for (JsonNode toDevice : transaction.toDevice()) {
            all.add(JSON.createObjectNode().set(TO_DEVICE, toDevice));
        }
        return all;
    }

    /** The body to store: the one received, or the events written out in the same shape. */
    private static String body(Transaction transaction) throws TransactionSinkException {
        if (transaction.body().isPresent()) {
            return transaction.body().get();
        }
        ObjectNode body = JSON.createObjectNode();
        body.putArray("events").addAll(transaction.events());
        body.putArray("to_device").addAll(transaction.toDevice());
        try {
            return JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new TransactionSinkException("cannot serialize the events: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public void accept(Transaction transaction) throws TransactionSinkException {
        List<JsonNode> all = handedOver(transaction);
        String body = all.isEmpty() ? null : body(transaction);
        long[] kept = {NONE};
        boolean stored = false;
        try {
            stored = database.transaction(c -> {
                if (!processed.markProcessed(transaction.txnId())) {
                    return false;
                }
                if (all.isEmpty()) {
                    return true;
                }
                long first = nextSeq(c);
                if (inMemoryEvents.get() + all.size() <= inMemoryLimit) {
                    inMemory.put(first, new Kept(transaction.txnId(), all));
                    inMemoryEvents.addAndGet(all.size());
                    kept[0] = first;
                }
                PreparedStatement s = database.prepared(c, "INSERT INTO pending_transaction"
                        + " (first_seq, txn_id, event_count, handled, body) VALUES (?, ?, ?, 0, ?)");
                s.setLong(1, first);
                s.setString(2, transaction.txnId());
                s.setInt(3, all.size());
                s.setString(4, body);
                s.executeUpdate();
                nextSeq = first + all.size();
                return true;
            });
        } catch (StoreException e) {
            throw new TransactionSinkException("cannot store transaction " + transaction.txnId() + ": " + e.getMessage(),
                    e);
        } finally {
            if (!stored && kept[0] != NONE && inMemory.remove(kept[0]) != null) { // rolled back: not a stored row
                inMemoryEvents.addAndGet(-all.size());
            }
        }
        if (stored && !all.isEmpty()) {
            onStored.run();
        }
    }

    /** The seq of the next transaction's first event: after every stored one, and never one handed out before. */
    private long nextSeq(Connection c) throws SQLException {
        try (ResultSet r = database.prepared(c, "SELECT first_seq + event_count FROM pending_transaction"
                + " ORDER BY first_seq DESC LIMIT 1").executeQuery()) {
            return r.next() ? Math.max(nextSeq, r.getLong(1)) : nextSeq;
        }
    }

    /** The to-device event a stored entry wraps, if it is one. */
    public static Optional<JsonNode> toDevice(JsonNode stored) {
        JsonNode wrapped = stored.get(TO_DEVICE);
        return wrapped != null && wrapped.isObject() && stored.size() == 1 ? Optional.of(wrapped)
                : Optional.empty();
    }

    /** One row of {@code pending_transaction}, without its body. */
    private record Row(long firstSeq, String txnId, int count, int handled) {}

    /**
     * Up to {@code limit} stored events not yet handled, oldest first. The core hands them to {@link #done} in this
     * order.
     */
    public List<PendingEvent> pending(int limit) {
        deferProgress(); // committed before the read, which must not return them again
        return database.transaction(c -> {
            List<Row> rows = new ArrayList<>();
            PreparedStatement s = database.prepared(c, "SELECT first_seq, txn_id, event_count, handled"
                    + " FROM pending_transaction ORDER BY first_seq LIMIT ?");
            s.setInt(1, limit);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rows.add(new Row(r.getLong(1), r.getString(2), r.getInt(3), r.getInt(4)));
                }
            }
            List<PendingEvent> pending = new ArrayList<>();
            for (Row row : rows) {
                Kept known = inMemory.get(row.firstSeq());
                List<JsonNode> events = known != null && known.txnId().equals(row.txnId()) ? known.events()
                        : readBack(c, row);
                for (int i = row.handled(); i < row.count() && pending.size() < limit; i++) {
                    pending.add(new PendingEvent(row.firstSeq() + i, row.txnId(), events.get(i)));
                }
            }
            handedOut = pending;
            doneOfHandedOut = 0;
            return pending;
        });
    }

    private List<JsonNode> readBack(Connection c, Row row) throws SQLException {
        PreparedStatement s = database.prepared(c, "SELECT body FROM pending_transaction WHERE first_seq = ?");
        s.setLong(1, row.firstSeq());
        String body;
        try (ResultSet r = s.executeQuery()) {
            r.next();
            body = r.getString(1);
        }
        List<JsonNode> events;
        try {
            events = handedOver(Transaction.fromJson(row.txnId(), body));
        } catch (IllegalArgumentException e) {
            throw new StoreException(StoreException.Code.INVALID_DATA, "stored transaction " + row.txnId()
                    + " (events from " + row.firstSeq() + ") cannot be read: " + e.getMessage(), e);
        }
        if (events.size() != row.count()) {
            throw new StoreException(StoreException.Code.INVALID_DATA, "stored transaction " + row.txnId()
                    + " (events from " + row.firstSeq() + ") holds " + events.size() + " events, not " + row.count());
        }
        return events;
    }

    /**
     * Marks the stored event {@code seq} handled: the next of those {@link #pending} returned, in their order. Its
     * progress is {@linkplain Database#defer deferred}: committed, after the writes the handling deferred before
     * it, by the next {@link #flush} (or the next {@link #pending}). Until then a crash leaves the event pending,
     * to be handled again at the next start, and with it what its handling deferred. Many events handled one
     * after the other are committed with one statement or two. Called from the one thread that handles the events.
     *
     * @throws IllegalArgumentException if {@code seq} is not the next event {@link #pending} returned
     */
    public void done(long seq) {
        if (doneOfHandedOut == handedOut.size() || handedOut.get(doneOfHandedOut).seq() != seq) {
            throw new IllegalArgumentException("events are handled in the order pending() returned them: expected "
                    + (doneOfHandedOut == handedOut.size() ? "none before the next pending()"
                    : handedOut.get(doneOfHandedOut).seq()) + ", got " + seq);
        }
        doneOfHandedOut++;
        lastDone = seq;
        Map.Entry<Long, Kept> kept = inMemory.floorEntry(seq);
        int size = kept == null ? 0 : kept.getValue().events().size();
        // Its last event: forgotten (should the progress fail to commit, the stored row is read back).
        if (kept != null && seq == kept.getKey() + size - 1 && inMemory.remove(kept.getKey()) != null) {
            inMemoryEvents.addAndGet(-size);
        }
    }

    /** Defers the progress of the events {@link #done} since the last time. */
    private void deferProgress() {
        if (lastDone == NONE) {
            return;
        }
        long next = lastDone + 1;
        lastDone = NONE;
        database.defer(c -> {
            PreparedStatement delete = database.prepared(c, "DELETE FROM pending_transaction"
                    + " WHERE first_seq < ? AND first_seq + event_count <= ?");
            delete.setLong(1, next);
            delete.setLong(2, next);
            delete.executeUpdate();
            PreparedStatement update = database.prepared(c, "UPDATE pending_transaction SET handled = ? - first_seq"
                    + " WHERE first_seq < ? AND first_seq + event_count > ?");
            update.setLong(1, next);
            update.setLong(2, next);
            update.setLong(3, next);
            return update.executeUpdate();
        });
    }

    /**
     * Commits this thread's deferred writes, the progress {@link #done} among them, in one transaction.
     *
     * @throws StoreException if they could not be committed (they are dropped: the events stay pending)
     */
    public void flush() {
        deferProgress();
        database.flush();
    }

    /**
     * Commits like {@link #flush} without waiting for the disk ({@link Database#flushWithoutSync}): for progress on
     * which nothing outside the database was done, since a crash of the machine may then undo it, and the events
     * are handled again.
     *
     * @throws StoreException if they could not be committed (they are dropped: the events stay pending)
     */
    public void flushWithoutSync() {
        deferProgress();
        database.flushWithoutSync();
    }
}
