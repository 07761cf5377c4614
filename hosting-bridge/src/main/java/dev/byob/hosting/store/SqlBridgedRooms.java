package dev.byob.hosting.store;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The bridged rooms (table {@code bridged_room}): one Matrix room per channel. */
public final class SqlBridgedRooms {
    /** One bridged room; {@code channel} in the network's canonical case. */
    public record BridgedRoom(RoomId room, Network network, String channel, UserId createdBy) {
        /** Checks for null. */
        public BridgedRoom {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(createdBy, "createdBy");
        }
    }

    private final Database database;

    /** The bridged rooms in {@code database}. */
    public SqlBridgedRooms(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    /**
     * Records {@code bridged}, replacing what its room or its channel was bridged to before, so that the
     * configuration wins over what an earlier run stored.
     */
    public void put(BridgedRoom bridged) {
        database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM bridged_room WHERE room_id = ?"
                    + " OR (network_protocol = ? AND network_id = ? AND channel = ?)")) {
                s.setString(1, bridged.room().value());
                s.setString(2, bridged.network().protocol());
                s.setString(3, bridged.network().id());
                s.setString(4, bridged.channel());
                s.executeUpdate();
            }
            try (PreparedStatement s = c.prepareStatement("INSERT INTO bridged_room (room_id, network_protocol,"
                    + " network_id, channel, created_by) VALUES (?, ?, ?, ?, ?)")) {
                s.setString(1, bridged.room().value());
                s.setString(2, bridged.network().protocol());
                s.setString(3, bridged.network().id());
                s.setString(4, bridged.channel());
                s.setString(5, bridged.createdBy().value());
                return s.executeUpdate();
            }
        });
    }

    /** Every bridged room. */
    public List<BridgedRoom> all() {
        return database.transaction(c -> {
            List<BridgedRoom> rooms = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT room_id, network_protocol, network_id, channel,"
                    + " created_by FROM bridged_room ORDER BY room_id");
                 ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    rooms.add(new BridgedRoom(RoomId.parse(r.getString(1)), new Network(r.getString(2), r.getString(3)),
                            r.getString(4), UserId.parse(r.getString(5))));
                }
            }
            return rooms;
        });
    }

    /** Forgets {@code room}'s bridge; whether there was one. */
    public boolean remove(RoomId room) {
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement("DELETE FROM bridged_room WHERE room_id = ?")) {
                s.setString(1, room.value());
                return s.executeUpdate() > 0;
            }
        });
    }
}
