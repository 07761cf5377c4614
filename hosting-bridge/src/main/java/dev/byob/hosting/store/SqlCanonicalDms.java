package dev.byob.hosting.store;

import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Objects;
import java.util.Optional;

/**
 * The DM of the bridge bot with each peer (specification §3.1), in table {@code canonical_dm}: the canonical DM
 * with a visiting bridge's bot, where all byob messages between the two go, and the DM with a user, where the
 * bot sends notices and the user sends commands and {@code dm} proofs. One room per (bot, peer).
 */
public final class SqlCanonicalDms {
    private final Database database;

    /** The DMs in {@code database}, which must have been opened with the hosting bridge's schema. */
    public SqlCanonicalDms(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    /** The DM of {@code bot} with {@code peer}, if one is known. */
    public Optional<RoomId> find(UserId bot, UserId peer) {
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT room_id FROM canonical_dm WHERE hb_bot = ? AND vb_bot = ?")) {
                s.setString(1, bot.value());
                s.setString(2, peer.value());
                try (ResultSet row = s.executeQuery()) {
                    return row.next() ? Optional.of(new RoomId(row.getString(1))) : Optional.empty();
                }
            }
        });
    }

    /** Makes {@code room} the DM of {@code bot} with {@code peer}, replacing the one known before. */
    public void put(UserId bot, UserId peer, RoomId room) {
        database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM canonical_dm WHERE hb_bot = ? AND vb_bot = ?")) {
                s.setString(1, bot.value());
                s.setString(2, peer.value());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement(
                    "INSERT INTO canonical_dm (hb_bot, vb_bot, room_id) VALUES (?, ?, ?)")) {
                s.setString(1, bot.value());
                s.setString(2, peer.value());
                s.setString(3, room.value());
                s.executeUpdate();
            }
            return null;
        });
    }

    /** Forgets {@code room} as the DM with {@code peer} (the peer left it); true if it was that DM. */
    public boolean forget(UserId bot, UserId peer, RoomId room) {
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "DELETE FROM canonical_dm WHERE hb_bot = ? AND vb_bot = ? AND room_id = ?")) {
                s.setString(1, bot.value());
                s.setString(2, peer.value());
                s.setString(3, room.value());
                return s.executeUpdate() > 0;
            }
        });
    }
}
