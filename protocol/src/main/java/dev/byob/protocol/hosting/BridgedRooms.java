package dev.byob.protocol.hosting;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.Optional;

/**
 * Which rooms the hosting bridge bridges, as far as the {@code room_event} proof needs: a room on a
 * network in which a user is joined. Without one, that method is never chosen.
 */
@FunctionalInterface
public interface BridgedRooms {

    /** No rooms known: {@code room_event} is never offered. */
    BridgedRooms NONE = (user, network) -> Optional.empty();

    /** A room this bridge bridges on {@code network} in which {@code user} is joined, if any. */
    Optional<RoomId> roomWithUser(UserId user, Network network);
}
