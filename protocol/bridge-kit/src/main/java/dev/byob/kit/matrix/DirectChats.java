package dev.byob.kit.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.discovery.CanonicalDm;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;

/**
 * What both bridges do with direct chats between bots (spec §3): the {@code m.direct} account data, and a DM as a
 * {@link CanonicalDm.Candidate} for choosing between duplicates.
 */
public final class DirectChats {
    private DirectChats() {
    }

    /**
     * Puts {@code add} in the {@code m.direct} of {@code self} under {@code peer} and takes {@code remove} out (when
     * not {@code null}); other rooms and peers stay. Written only when it changes.
     *
     * @throws MatrixRequestException when the account data cannot be read or written
     */
    public static void update(MatrixClient client, UserId self, UserId peer, RoomId add, RoomId remove) {
        ObjectNode direct = client.getAccountData(self, "m.direct").filter(JsonNode::isObject)
                .map(n -> ((ObjectNode) n).deepCopy()).orElseGet(JsonNodeFactory.instance::objectNode);
        JsonNode rooms = direct.get(peer.value());
        ArrayNode before = rooms != null && rooms.isArray() ? (ArrayNode) rooms : JsonNodeFactory.instance.arrayNode();
        ArrayNode after = direct.putArray(peer.value());
        for (JsonNode r : before) {
            if (!r.asText().equals(add == null ? null : add.value())
                    && (remove == null || !r.asText().equals(remove.value()))) {
                after.add(r);
            }
        }
        if (add != null) {
            after.add(add.value());
        }
        if (!after.equals(before)) {
            client.putAccountData(self, "m.direct", direct);
        }
    }

    /**
     * {@code room} with its {@code m.room.create} event's {@code origin_server_ts}; a room whose state cannot be read
     * sorts last ({@link Long#MAX_VALUE}), so a known room is never given up for one that cannot be seen.
     */
    public static CanonicalDm.Candidate candidate(MatrixClient client, RoomId room) {
        try {
            for (JsonNode event : client.getRoomState(room)) {
                if ("m.room.create".equals(event.path("type").asText())
                        && event.path("origin_server_ts").canConvertToLong()) {
                    return new CanonicalDm.Candidate(room, event.path("origin_server_ts").asLong());
                }
            }
        } catch (MatrixRequestException e) {
            // unreadable: sorts last
        }
        return new CanonicalDm.Candidate(room, Long.MAX_VALUE);
    }
}
