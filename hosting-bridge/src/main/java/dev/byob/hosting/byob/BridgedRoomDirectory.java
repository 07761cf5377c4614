package dev.byob.hosting.byob;

import dev.byob.protocol.hosting.BridgedRooms;
import dev.byob.protocol.id.RoomId;

/**
 * What the core tells byob about the rooms it bridges: a room on a network with a given user in it (for
 * the {@code room_event} proof), and whether a room is bridged at all (where a {@code room_event} proof
 * may be observed). Called on the core thread.
 */
public interface BridgedRoomDirectory extends BridgedRooms {

    /** No bridged rooms: {@code room_event} is never offered nor accepted. */
    BridgedRoomDirectory NONE = new BridgedRoomDirectory() {
        @Override
        public java.util.Optional<RoomId> roomWithUser(dev.byob.protocol.id.UserId user,
                                                       dev.byob.protocol.id.Network network) {
            return java.util.Optional.empty();
        }

        @Override
        public boolean bridges(RoomId room) {
            return false;
        }
    };

    /** Whether {@code room} is a room this bridge bridges to a remote channel. */
    boolean bridges(RoomId room);
}
