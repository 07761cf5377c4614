package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.visiting.store.StateStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserDmTest {
    static final UserId ALICE = UserId.parse("@alice:example.org");
    static final UserId BOT = UserId.parse("@vbbot:example.org");
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    static JsonNode event(String sender, String type, String body) throws Exception {
        return JSON.readTree("{\"type\": \"" + type + "\", \"sender\": \"" + sender
                + "\", \"content\": {\"msgtype\": \"m.text\", \"body\": \"" + body + "\"}}");
    }

    @Test
    void command_onlyTheUsersMessagesAreCommands() throws Exception {
        try (StateStore store = StateStore.open(dir)) {
            UserDm dm = new UserDm(Optional.empty(), BOT, ALICE, store);
            assertEquals(Optional.of(new Commands.Command.Logout()), dm.command(event(ALICE.value(), "m.room.message",
                    "logout")));
            assertEquals(Optional.empty(), dm.command(event("@mallory:example.org", "m.room.message", "logout")));
            assertEquals(Optional.empty(), dm.command(event(ALICE.value(), "m.reaction", "logout")));
        }
    }

    @Test
    void withoutABot_noticesAreKeptAndLogged_andInvitesIgnored() throws Exception {
        try (StateStore store = StateStore.open(dir)) {
            UserDm dm = new UserDm(Optional.empty(), BOT, ALICE, store);
            dm.tell("trust established");
            dm.say("status text");
            assertEquals(List.of("trust established", "status text"), dm.told());
            RoomId room = RoomId.parse("!dm:example.org");
            dm.invited(room, JSON.readTree("[{\"type\": \"m.room.member\", \"state_key\": \"" + BOT.value()
                    + "\", \"sender\": \"" + ALICE.value() + "\", \"content\": {\"membership\": \"invite\"}}]"));
            assertFalse(dm.is(room));
            assertTrue(store.dms(StateStore.DmOwner.CONTROL).isEmpty());
        }
    }

    @Test
    void theRememberedDm_isTheUsersDm() throws Exception {
        try (StateStore store = StateStore.open(dir);
             MatrixClient bot = MatrixClient.builder(URI.create("http://127.0.0.1:9"), "token").build()) {
            RoomId room = RoomId.parse("!dm:example.org");
            store.dm(StateStore.DmOwner.CONTROL, ALICE, room);
            assertTrue(new UserDm(Optional.of(bot), BOT, ALICE, store).is(room));
            assertFalse(new UserDm(Optional.empty(), BOT, ALICE, store).is(room));
        }
    }
}
