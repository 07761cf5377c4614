package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.hosting.bridge.MatrixEvents.Decision;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import org.junit.jupiter.api.Test;

class MatrixEventsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UserId BOT = UserId.parse("@ircbridge:example.org");
    private static final GhostNamespace GHOSTS = GhostNamespace.of("irc_", "example.org");
    private static final RoomId ROOM = RoomId.parse("!room:example.org");

    private static Decision decide(JsonNode event) {
        return MatrixEvents.decide(event, BOT, GHOSTS, ROOM::equals);
    }

    private static ObjectNode message(String sender, String room, String msgtype, String body) {
        ObjectNode event = JSON.createObjectNode().put("type", "m.room.message").put("sender", sender)
                .put("room_id", room).put("event_id", "$e");
        event.putObject("content").put("msgtype", msgtype).put("body", body);
        return event;
    }

    private static ObjectNode member(String sender, String target, String membership, String before) {
        ObjectNode event = JSON.createObjectNode().put("type", "m.room.member").put("sender", sender)
                .put("room_id", ROOM.value()).put("state_key", target).put("event_id", "$m");
        event.putObject("content").put("membership", membership);
        if (before != null) {
            event.putObject("unsigned").putObject("prev_content").put("membership", before);
        }
        return event;
    }

    @Test
    void decide_personsMessageInBridgedRoom_relay() {
        Decision d = decide(message("@alice:example.org", ROOM.value(), "m.emote", "waves"));
        MatrixEvents.Relay relay = assertInstanceOf(MatrixEvents.Relay.class, d);
        assertEquals(Formatting.Kind.EMOTE, relay.message().kind());
        assertEquals(UserId.parse("@alice:example.org"), relay.sender());
    }

    @Test
    void decide_botOrGhostMessage_ownEchoIgnored() {
        assertInstanceOf(MatrixEvents.Ignore.class, decide(message(BOT.value(), ROOM.value(), "m.text", "x")));
        assertInstanceOf(MatrixEvents.Ignore.class, decide(message("@irc_bob:example.org", ROOM.value(), "m.text", "x")));
    }

    @Test
    void decide_otherRoomOrFile_ignored() {
        assertInstanceOf(MatrixEvents.Ignore.class, decide(message("@alice:example.org", "!other:example.org", "m.text", "x")));
        assertInstanceOf(MatrixEvents.Ignore.class, decide(message("@alice:example.org", ROOM.value(), "m.file", "f")));
    }

    @Test
    void decide_memberships_joinedLeftOrProfileChange() {
        assertInstanceOf(MatrixEvents.Joined.class, decide(member("@alice:example.org", "@alice:example.org", "join", null)));
        assertInstanceOf(MatrixEvents.Ignore.class, decide(member("@alice:example.org", "@alice:example.org", "join", "join")));
        assertInstanceOf(MatrixEvents.Left.class, decide(member("@alice:example.org", "@alice:example.org", "leave", "join")));
        assertInstanceOf(MatrixEvents.Left.class, decide(member("@mod:example.org", "@alice:example.org", "ban", "join")));
        assertInstanceOf(MatrixEvents.Ignore.class, decide(member("@irc_bob:example.org", "@irc_bob:example.org", "join", null)));
    }

    @Test
    void decide_botInvited_botInvited() {
        assertInstanceOf(MatrixEvents.BotInvited.class, decide(member("@alice:example.org", BOT.value(), "invite", null)));
    }
}
