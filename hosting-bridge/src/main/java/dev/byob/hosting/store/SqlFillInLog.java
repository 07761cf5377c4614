package dev.byob.hosting.store;

import dev.byob.protocol.hosting.FillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The fill-in log in SQLite or PostgreSQL (tables {@code fill_in_epoch} and {@code fill_in}). Behaves as
 * {@link dev.byob.protocol.hosting.InMemoryFillInLog} does, durably: an entry is committed with its
 * {@code fill_seq} before {@link #append} returns, that is before the relay it records is sent
 * (specification §12.4), and {@code fill_seq} runs 1, 2, ... per epoch without gaps, also after
 * acknowledged entries are dropped and across restarts.
 *
 * <p>Every method joins an enclosing {@link Database#transaction} on the same thread, so a renewal and
 * the fill-in decisions it reports can be one atomic step.
 */
public final class SqlFillInLog implements FillInLog {
    private final Database database;

    /** A log in {@code database}, which must have been opened with the hosting bridge's schema. */
    public SqlFillInLog(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public Lease.FillIn append(TrustKey key, long epoch, Lease.Direction direction, Optional<EventId> matrixEventId,
                               Optional<String> remoteMsgid, Optional<RoomId> roomId, Instant sentAt) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(matrixEventId, "matrixEventId");
        Objects.requireNonNull(remoteMsgid, "remoteMsgid");
        Objects.requireNonNull(roomId, "roomId");
        Objects.requireNonNull(sentAt, "sentAt");
        return database.transaction(c -> {
            long fillSeq = nextFillSeq(c, key, epoch);
            // Validated before anything is written; a rejected entry rolls the sequence back with it.
            Lease.FillIn entry = new Lease.FillIn(fillSeq, direction, matrixEventId, remoteMsgid, roomId,
                    sentAt.toEpochMilli());
            try (PreparedStatement s = c.prepareStatement("INSERT INTO fill_in (" + KeyColumns.NAMES
                    + ", epoch, fill_seq, direction, matrix_event_id, remote_msgid, room_id, sent_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                int i = KeyColumns.bind(s, 1, key);
                s.setLong(i++, epoch);
                s.setLong(i++, fillSeq);
                s.setString(i++, direction.wire());
                setOptional(s, i++, entry.matrixEventId().map(EventId::value));
                setOptional(s, i++, entry.remoteMsgid());
                setOptional(s, i++, entry.roomId().map(RoomId::value));
                s.setLong(i, entry.sentAt());
                s.executeUpdate();
            }
            return entry;
        });
    }

    @Override
    public void acknowledge(TrustKey key, long epoch, long fillAck) {
        Objects.requireNonNull(key, "key");
        database.transaction(c -> {
            // Only entries go; the epoch's last fill_seq stays in fill_in_epoch, so numbering continues.
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM fill_in WHERE " + KeyColumns.MATCH + " AND epoch = ? AND fill_seq <= ?")) {
                int i = KeyColumns.bind(s, 1, key);
                s.setLong(i++, epoch);
                s.setLong(i, fillAck);
                s.executeUpdate();
            }
            return null;
        });
    }

    @Override
    public List<Lease.FillIn> after(TrustKey key, long epoch, long after, int limit) {
        Objects.requireNonNull(key, "key");
        if (limit <= 0) {
            return List.of();
        }
        return database.transaction(c -> {
            List<Lease.FillIn> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT fill_seq, direction, matrix_event_id, remote_msgid,"
                    + " room_id, sent_at FROM fill_in WHERE " + KeyColumns.MATCH + " AND epoch = ? AND fill_seq > ?"
                    + " ORDER BY fill_seq LIMIT ?")) {
                int i = KeyColumns.bind(s, 1, key);
                s.setLong(i++, epoch);
                s.setLong(i++, after);
                s.setInt(i, limit);
                try (ResultSet rows = s.executeQuery()) {
                    while (rows.next()) {
                        out.add(read(rows, key, epoch));
                    }
                }
            }
            return out;
        });
    }

    /** Takes the next {@code fill_seq} of the epoch: one more than the last handed out, or 1. */
    private static long nextFillSeq(Connection c, TrustKey key, long epoch) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO fill_in_epoch (" + KeyColumns.NAMES
                + ", epoch, last_fill_seq) VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT (" + KeyColumns.NAMES
                + ", epoch) DO UPDATE SET last_fill_seq = fill_in_epoch.last_fill_seq + 1")) {
            s.setLong(KeyColumns.bind(s, 1, key), epoch);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement(
                "SELECT last_fill_seq FROM fill_in_epoch WHERE " + KeyColumns.MATCH + " AND epoch = ?")) {
            s.setLong(KeyColumns.bind(s, 1, key), epoch);
            try (ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("fill_in_epoch row of " + key + " vanished in its own transaction");
                }
                return row.getLong(1);
            }
        }
    }

    private static void setOptional(PreparedStatement s, int index, Optional<String> value) throws SQLException {
        if (value.isPresent()) {
            s.setString(index, value.get());
        } else {
            s.setNull(index, Types.VARCHAR);
        }
    }

    private static Lease.FillIn read(ResultSet row, TrustKey key, long epoch) throws SQLException {
        long fillSeq = row.getLong(1);
        String wire = row.getString(2);
        try {
            Lease.Direction direction = Lease.Direction.fromWire(wire)
                    .orElseThrow(() -> new IllegalArgumentException("unknown direction " + wire));
            return new Lease.FillIn(fillSeq, direction,
                    Optional.ofNullable(row.getString(3)).map(EventId::new),
                    Optional.ofNullable(row.getString(4)),
                    Optional.ofNullable(row.getString(5)).map(RoomId::new),
                    row.getLong(6));
        } catch (IllegalArgumentException e) {
            throw new StoreException(StoreException.Code.INVALID_DATA, "fill-in entry " + fillSeq + " of " + key
                    + " at epoch " + epoch + " cannot be read: " + e.getMessage(), e);
        }
    }
}
