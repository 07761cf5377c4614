package dev.byob.visiting.store;

import dev.byob.kit.irc.Formatting;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The durable log of the user's messages and their relays (§10.6, §12.5), one row per message and direction:
 * a message is recorded when it is observed, marked {@link Status#SENDING} before it is handed to the network,
 * and {@link Status#DONE} once the send is confirmed; relays made by others and the hosting bridge's fill-ins
 * are recorded too, so that nothing is relayed twice, even when a relay is observed before its message.
 * After a crash, {@link #unfinished()} says what is still to do and what is in doubt.
 */
public final class RelayLog {

    /** Where a message stands. */
    public enum Status {
        /** Observed, not handed to the network yet: relayed now or held as backlog. */
        OBSERVED,
        /** Handed to the network (perhaps several times): whether it arrived is not known yet. */
        SENDING,
        /** Relayed by this bridge, confirmed. */
        DONE,
        /** A relay of it by someone else (the hosting bridge, another visiting bridge) was observed. */
        SEEN,
        /** The hosting bridge reported it filled in. */
        FILLED,
        /** Left to the hosting bridge: too old to start (§12.7), refused, or in doubt after a crash. */
        LEFT;

        /** Whether nothing more is to be done for the message. */
        public boolean finished() {
            return this != OBSERVED && this != SENDING;
        }
    }

    /**
     * One message.
     *
     * @param room the room it was observed in (or the room of the channel); empty for a relay whose message
     *     was never observed
     * @param message its kind and text; empty likewise
     * @param observedLive whether it was observed while the lease was live (the stuck rule of §12.7 applies)
     */
    public record Entry(Lease.Direction direction, String messageId, Optional<RoomId> room,
                        Optional<Formatting.Message> message, Instant observedAt, boolean observedLive, Status status,
                        int attempts) {}

    private static final String COLUMNS = "direction, message_id, room_id, kind, text, observed_at, observed_live,"
            + " status, attempts";

    private final StateStore store;

    RelayLog(StateStore store) {
        this.store = store;
    }

    /**
     * Records a user message as observed.
     *
     * @return true if it is new; false if it was recorded before (seen again after a restart) or a relay of it
     *     was already observed
     */
    public boolean observed(Lease.Direction direction, String messageId, RoomId room, Formatting.Message message,
                            Instant at, boolean live) {
        boolean[] inserted = {false};
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO relay (" + COLUMNS
                    + ", updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0, ?)")) {
                ps.setString(1, direction.wire());
                ps.setString(2, messageId);
                ps.setString(3, room.value());
                ps.setString(4, message.kind().name());
                ps.setString(5, message.text());
                ps.setLong(6, at.toEpochMilli());
                ps.setInt(7, live ? 1 : 0);
                ps.setString(8, Status.OBSERVED.name());
                ps.setLong(9, at.toEpochMilli());
                inserted[0] = ps.executeUpdate() == 1;
            }
        });
        return inserted[0];
    }

    /** The entry for a message, if recorded. */
    public Optional<Entry> get(Lease.Direction direction, String messageId) {
        List<Entry> out = new ArrayList<>();
        store.read("SELECT " + COLUMNS + " FROM relay WHERE direction = ? AND message_id = ?", ps -> {
            ps.setString(1, direction.wire());
            ps.setString(2, messageId);
        }, rs -> out.add(entry(rs)));
        return out.stream().findFirst();
    }

    /** The message is about to be handed to the network: recorded before the send, one more attempt. */
    public void sending(Lease.Direction direction, String messageId, Instant at) {
        update("UPDATE relay SET status = ?, attempts = attempts + 1, updated_at = ? WHERE direction = ?"
                + " AND message_id = ?", Status.SENDING, null, direction, messageId, at);
    }

    /** This bridge's relay is confirmed; {@code result} names it (the event id on Matrix). */
    public void done(Lease.Direction direction, String messageId, String result, Instant at) {
        update("UPDATE relay SET status = ?, result = ?, updated_at = ? WHERE direction = ? AND message_id = ?",
                Status.DONE, result, direction, messageId, at);
    }

    /** The message goes back to waiting: nothing of it was sent (the lease lapsed first, or no line was written). */
    public void reopen(Lease.Direction direction, String messageId, Instant at) {
        update("UPDATE relay SET status = ?, result = ?, updated_at = ? WHERE direction = ? AND message_id = ?"
                + " AND status = 'SENDING'", Status.OBSERVED, null, direction, messageId, at);
    }

    /** Left to the hosting bridge, for {@code reason}. */
    public void left(Lease.Direction direction, String messageId, String reason, Instant at) {
        update("UPDATE relay SET status = ?, result = ?, updated_at = ? WHERE direction = ? AND message_id = ?",
                Status.LEFT, reason, direction, messageId, at);
    }

    /**
     * A relay of the message was observed ({@link Status#SEEN}) or reported filled in ({@link Status#FILLED}).
     * An entry this bridge relayed stays {@link Status#DONE}; an unknown message gets an entry, so that it is
     * not relayed should it be observed later.
     *
     * @return the status before, if the message was recorded
     */
    public Optional<Status> relayedBy(Status by, Lease.Direction direction, String messageId, Instant at) {
        if (by != Status.SEEN && by != Status.FILLED) {
            throw new IllegalArgumentException("a relay by someone else is SEEN or FILLED, not " + by);
        }
        Optional<Status> before = get(direction, messageId).map(Entry::status);
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO relay (direction, message_id, observed_at,"
                    + " observed_live, status, updated_at) VALUES (?, ?, ?, 0, ?, ?) ON CONFLICT (direction, message_id)"
                    + " DO UPDATE SET status = excluded.status, updated_at = excluded.updated_at"
                    + " WHERE relay.status NOT IN ('DONE', 'FILLED')")) {
                ps.setString(1, direction.wire());
                ps.setString(2, messageId);
                ps.setLong(3, at.toEpochMilli());
                ps.setString(4, by.name());
                ps.setLong(5, at.toEpochMilli());
                ps.executeUpdate();
            }
        });
        return before;
    }

    /** Every message still {@link Status#OBSERVED} or {@link Status#SENDING}, in the order observed. */
    public List<Entry> unfinished() {
        List<Entry> out = new ArrayList<>();
        store.read("SELECT " + COLUMNS + " FROM relay WHERE status IN ('OBSERVED', 'SENDING')"
                + " ORDER BY observed_at, rowid", ps -> { }, rs -> out.add(entry(rs)));
        return out;
    }

    /** Unfinished messages in {@code room} and {@code direction} observed at or after {@code since}, oldest first. */
    public List<Entry> unfinished(RoomId room, Lease.Direction direction, Instant since) {
        List<Entry> out = new ArrayList<>();
        store.read("SELECT " + COLUMNS + " FROM relay WHERE status IN ('OBSERVED', 'SENDING') AND room_id = ?"
                + " AND direction = ? AND observed_at >= ? ORDER BY observed_at, rowid", ps -> {
                    ps.setString(1, room.value());
                    ps.setString(2, direction.wire());
                    ps.setLong(3, since.toEpochMilli());
                }, rs -> out.add(entry(rs)));
        return out;
    }

    /** Forgets finished entries last changed before {@code before}; returns how many. */
    public int prune(Instant before) {
        int[] n = {0};
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM relay WHERE status NOT IN ('OBSERVED',"
                    + " 'SENDING') AND updated_at < ?")) {
                ps.setLong(1, before.toEpochMilli());
                n[0] = ps.executeUpdate();
            }
        });
        return n[0];
    }

    private void update(String sql, Status status, String result, Lease.Direction direction, String messageId,
                        Instant at) {
        boolean withResult = sql.contains("result = ?");
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                ps.setString(i++, status.name());
                if (withResult) {
                    ps.setString(i++, result);
                }
                ps.setLong(i++, at.toEpochMilli());
                ps.setString(i++, direction.wire());
                ps.setString(i, messageId);
                ps.executeUpdate();
            }
        });
    }

    private static Entry entry(java.sql.ResultSet rs) throws java.sql.SQLException {
        String room = rs.getString(3);
        String kind = rs.getString(4);
        String text = rs.getString(5);
        return new Entry(direction(rs.getString(1)), rs.getString(2),
                room == null ? Optional.empty() : Optional.of(RoomId.parse(room)),
                kind == null || text == null ? Optional.empty()
                        : Optional.of(new Formatting.Message(Formatting.Kind.valueOf(kind), text)),
                Instant.ofEpochMilli(rs.getLong(6)), rs.getInt(7) != 0, Status.valueOf(rs.getString(8)), rs.getInt(9));
    }

    private static Lease.Direction direction(String wire) {
        for (Lease.Direction d : Lease.Direction.values()) {
            if (d.wire().equals(wire)) {
                return d;
            }
        }
        throw new IllegalStateException("unknown relay direction in the state database: " + wire);
    }
}
