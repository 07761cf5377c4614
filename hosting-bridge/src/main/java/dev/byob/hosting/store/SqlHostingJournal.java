package dev.byob.hosting.store;

import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hosting engine's journal in SQLite or PostgreSQL (tables {@code lease_heartbeat} and
 * {@code pending_message_log}). {@link #heartbeatAccepted} is committed before it returns (a lease reply follows
 * it); {@link #pendingAdded} and {@link #pendingResolved}, which the engine calls for a linked user's every
 * message, are {@linkplain Database#defer deferred}: committed with the calling thread's next
 * {@link Database#flush} or transaction. The bridge core flushes before it relays anything and after every
 * task, and defers the deletion of the stored event that caused them after them, so a crash before the commit
 * loses the event's deletion too and the event is handled, and journaled, again. Inside an enclosing
 * {@link Database#transaction} on the same thread every call joins it.
 *
 * <p>Waiting messages are appended in the order observed, each under a row id this journal hands out, and it keeps
 * in memory the row of every message waiting: a resolution deletes that row, and a message added again (its event
 * handled again after a crash) is known without a look at the table. So the database must have one writer of
 * waiting messages, one bridge, as it has anyway. Should deferred writes be dropped (a commit failed), the rows
 * are read again before the next call.
 */
public final class SqlHostingJournal implements HostingJournal {
    private static final String COLUMNS = "id, " + KeyColumns.NAMES + ", epoch, direction, message_id, room_id, seen_at";

    /** A waiting message as the engine names it. */
    private record Entry(TrustKey key, long epoch, Lease.Direction direction, String messageId) {}

    private final Database database;
    /** The row of every waiting message, as far as this journal wrote or read them. Guarded by this. */
    private final Map<Entry, Long> rows = new HashMap<>();
    /** The next row id to hand out. Guarded by this. */
    private long nextRow = 1;
    /** Whether {@link #rows} must be read from the table before it is used again. */
    private volatile boolean stale = true;

    /** A journal in {@code database}, which must have been opened with the hosting bridge's schema. */
    public SqlHostingJournal(Database database) {
        this.database = Objects.requireNonNull(database, "database");
        database.onDeferredDropped(() -> stale = true); // not synchronized: called under the database's lock
    }

    /** Reads every waiting message, in order, into {@link #rows}; with one query, whatever the number of records. */
    @Override
    public synchronized Snapshot load(Map<TrustKey, Long> epochs) {
        Map<String, TrustKey> keys = new HashMap<>();
        for (TrustKey key : epochs.keySet()) {
            keys.put(columns(key.hbBot().value(), key.userId().value(), key.network().protocol(),
                    key.network().id()), key);
        }
        return database.transaction(c -> {
            Map<TrustKey, Long> seqs = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + KeyColumns.NAMES + ", epoch, last_seq"
                    + " FROM lease_heartbeat"); ResultSet row = s.executeQuery()) {
                while (row.next()) {
                    TrustKey key = key(row, 1, keys);
                    Long inForce = epochs.get(key);
                    if (inForce != null && inForce == row.getLong(5)) {
                        seqs.put(key, row.getLong(6));
                    }
                }
            }
            Map<TrustKey, List<PendingMessage>> pending = new HashMap<>();
            readRows(c, keys, (key, epoch, message) -> {
                Long inForce = epochs.get(key);
                if (inForce != null && inForce == epoch) {
                    pending.computeIfAbsent(key, k -> new ArrayList<>()).add(message);
                }
            });
            return new Snapshot(seqs, pending);
        });
    }

    /** What {@link #readRows} finds, row by row in order. */
    @FunctionalInterface
    private interface RowVisitor {
        void row(TrustKey key, long epoch, PendingMessage message);
    }

    private void readRows(Connection c, Map<String, TrustKey> keys, RowVisitor visitor) throws SQLException {
        rows.clear();
        long last = 0;
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM pending_message_log ORDER BY id");
             ResultSet row = s.executeQuery()) {
            while (row.next()) {
                long id = row.getLong(1);
                TrustKey key = key(row, 2, keys);
                long epoch = row.getLong(6);
                PendingMessage message = read(row, key);
                rows.put(new Entry(key, epoch, message.direction(), message.messageId()), id);
                last = id;
                visitor.row(key, epoch, message);
            }
        }
        nextRow = Math.max(nextRow, last + 1);
        stale = false;
    }

    private synchronized void refreshIfStale() {
        if (stale) {
            database.transaction(c -> {
                readRows(c, Map.of(), (key, epoch, message) -> { });
                return null;
            });
        }
    }

    private static String columns(String hbBot, String userId, String protocol, String networkId) {
        return hbBot + '\n' + userId + '\n' + protocol + '\n' + networkId;
    }

    /** The key in the four columns from {@code index}: one of {@code keys} if it is there, parsed otherwise. */
    private static TrustKey key(ResultSet row, int index, Map<String, TrustKey> keys) throws SQLException {
        TrustKey known = keys.get(columns(row.getString(index), row.getString(index + 1), row.getString(index + 2),
                row.getString(index + 3)));
        return known != null ? known : KeyColumns.read(row, index);
    }

    @Override
    public void heartbeatAccepted(TrustKey key, long epoch, long seq) {
        database.transaction(c -> {
            PreparedStatement s = database.prepared(c, "INSERT INTO lease_heartbeat (" + KeyColumns.NAMES
                    + ", epoch, last_seq) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (" + KeyColumns.NAMES
                    + ", epoch) DO UPDATE SET last_seq = excluded.last_seq");
            int i = KeyColumns.bind(s, 1, key);
            s.setLong(i++, epoch);
            s.setLong(i, seq);
            s.executeUpdate();
            return null;
        });
    }

    @Override
    public synchronized void pendingAdded(TrustKey key, long epoch, PendingMessage m) {
        refreshIfStale();
        Entry entry = new Entry(key, epoch, m.direction(), m.messageId());
        if (rows.containsKey(entry)) {
            return; // journaled before the crash that made its event handled again
        }
        long id = nextRow++;
        rows.put(entry, id);
        database.defer(c -> {
            PreparedStatement s = database.prepared(c, "INSERT INTO pending_message_log (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
            s.setLong(1, id);
            int i = KeyColumns.bind(s, 2, key);
            s.setLong(i++, epoch);
            s.setString(i++, m.direction().wire());
            s.setString(i++, m.messageId());
            s.setString(i++, m.room().value());
            s.setString(i, m.seenAt().toString());
            s.executeUpdate();
            return null;
        });
    }

    @Override
    public synchronized void pendingResolved(TrustKey key, long epoch, Lease.Direction direction, String messageId) {
        refreshIfStale();
        Long id = rows.remove(new Entry(key, epoch, direction, messageId));
        if (id == null) {
            return; // not waiting: nothing to delete
        }
        database.defer(c -> {
            PreparedStatement s = database.prepared(c, "DELETE FROM pending_message_log WHERE id = ?");
            s.setLong(1, id);
            s.executeUpdate();
            return null;
        });
    }

    private static PendingMessage read(ResultSet row, TrustKey key) throws SQLException {
        String wire = row.getString(7);
        try {
            Lease.Direction direction = Lease.Direction.fromWire(wire)
                    .orElseThrow(() -> new IllegalArgumentException("unknown direction " + wire));
            return new PendingMessage(direction, row.getString(8), RoomId.parse(row.getString(9)),
                    Instant.parse(row.getString(10)));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new StoreException(StoreException.Code.INVALID_DATA, "a pending message of " + key
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
