package dev.byob.hosting.store;

import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hosting engine's journal in SQLite or PostgreSQL (tables {@code lease_heartbeat} and
 * {@code pending_message}). {@link #heartbeatAccepted} is committed before it returns (a lease reply follows
 * it); {@link #pendingAdded} and {@link #pendingResolved}, which the engine calls for a linked user's every
 * message, are {@linkplain Database#defer deferred}: committed with the calling thread's next
 * {@link Database#flush} or transaction. The bridge core flushes before it relays anything and after every
 * task, and defers the deletion of the stored event that caused them after them, so a crash before the commit
 * loses the event's deletion too and the event is handled, and journaled, again. Inside an enclosing
 * {@link Database#transaction} on the same thread every call joins it.
 */
public final class SqlHostingJournal implements HostingJournal {
    private final Database database;

    /** A journal in {@code database}, which must have been opened with the hosting bridge's schema. */
    public SqlHostingJournal(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public Snapshot load(Map<TrustKey, Long> epochs) {
        return database.transaction(c -> {
            Map<TrustKey, Long> seqs = new HashMap<>();
            Map<TrustKey, List<PendingMessage>> pending = new HashMap<>();
            for (Map.Entry<TrustKey, Long> e : epochs.entrySet()) {
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT last_seq FROM lease_heartbeat WHERE " + KeyColumns.MATCH + " AND epoch = ?")) {
                    s.setLong(KeyColumns.bind(s, 1, e.getKey()), e.getValue());
                    try (ResultSet row = s.executeQuery()) {
                        if (row.next()) {
                            seqs.put(e.getKey(), row.getLong(1));
                        }
                    }
                }
                try (PreparedStatement s = c.prepareStatement("SELECT direction, message_id, room_id, seen_at"
                        + " FROM pending_message WHERE " + KeyColumns.MATCH + " AND epoch = ? ORDER BY ordinal")) {
                    s.setLong(KeyColumns.bind(s, 1, e.getKey()), e.getValue());
                    List<PendingMessage> list = new ArrayList<>();
                    try (ResultSet rows = s.executeQuery()) {
                        while (rows.next()) {
                            list.add(read(rows, e.getKey()));
                        }
                    }
                    if (!list.isEmpty()) {
                        pending.put(e.getKey(), list);
                    }
                }
            }
            return new Snapshot(seqs, pending);
        });
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
    public void pendingAdded(TrustKey key, long epoch, PendingMessage m) {
        database.defer(c -> {
            // The ordinal keeps observation order even for messages seen in the same millisecond.
            PreparedStatement s = database.prepared(c, "INSERT INTO pending_message (" + KeyColumns.NAMES
                    + ", epoch, direction, message_id, room_id, seen_at, ordinal) SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                    + " COALESCE(MAX(ordinal), 0) + 1 FROM pending_message WHERE " + KeyColumns.MATCH
                    + " AND epoch = ? ON CONFLICT DO NOTHING");
            int i = KeyColumns.bind(s, 1, key);
            s.setLong(i++, epoch);
            s.setString(i++, m.direction().wire());
            s.setString(i++, m.messageId());
            s.setString(i++, m.room().value());
            s.setString(i++, m.seenAt().toString());
            i = KeyColumns.bind(s, i, key);
            s.setLong(i, epoch);
            s.executeUpdate();
            return null;
        });
    }

    @Override
    public void pendingResolved(TrustKey key, long epoch, Lease.Direction direction, String messageId) {
        database.defer(c -> {
            PreparedStatement s = database.prepared(c, "DELETE FROM pending_message WHERE " + KeyColumns.MATCH
                    + " AND epoch = ? AND direction = ? AND message_id = ?");
            int i = KeyColumns.bind(s, 1, key);
            s.setLong(i++, epoch);
            s.setString(i++, direction.wire());
            s.setString(i, messageId);
            s.executeUpdate();
            return null;
        });
    }

    private static PendingMessage read(ResultSet row, TrustKey key) throws java.sql.SQLException {
        String wire = row.getString(1);
        try {
            Lease.Direction direction = Lease.Direction.fromWire(wire)
                    .orElseThrow(() -> new IllegalArgumentException("unknown direction " + wire));
            return new PendingMessage(direction, row.getString(2), RoomId.parse(row.getString(3)),
                    Instant.parse(row.getString(4)));
        } catch (IllegalArgumentException | java.time.DateTimeException e) {
            throw new StoreException(StoreException.Code.INVALID_DATA, "a pending message of " + key
                    + " cannot be read: " + e.getMessage(), e);
        }
    }
}
