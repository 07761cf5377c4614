package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.protocol.id.UserId;
import java.util.List;
import org.junit.jupiter.api.Test;

class PowerLevelsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UserId ALICE = UserId.parse("@alice:hs");
    private static final UserId BOB = UserId.parse("@bob:hs");
    private static final UserId BOT = UserId.parse("@bot:hs");

    private static JsonNode event(String json) {
        try {
            return JSON.readTree(json);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static JsonNode create(String version) {
        return event("{\"type\":\"m.room.create\",\"state_key\":\"\",\"sender\":\"@alice:hs\","
                + "\"content\":{\"room_version\":\"" + version + "\"}}");
    }

    @Test
    void withLevels_usersAndStateFollowTheEventAndItsDefaults() {
        PowerLevels levels = PowerLevels.of(List.of(create("10"), event("{\"type\":\"m.room.power_levels\","
                + "\"state_key\":\"\",\"content\":{\"users\":{\"@alice:hs\":100,\"@bot:hs\":\"50\"},"
                + "\"events\":{\"m.bridge\":100}}}")));
        assertEquals(100, levels.of(ALICE));
        assertEquals(50, levels.of(BOT), "old rooms store levels as strings");
        assertEquals(0, levels.of(BOB));
        assertEquals(100, levels.toSendState("m.bridge"));
        assertEquals(50, levels.toSendState("uk.half-shot.bridge"), "state_default is 50 when not given");
        assertTrue(levels.maySendState(ALICE, "m.bridge"));
        assertFalse(levels.maySendState(BOT, "m.bridge"));
        assertTrue(levels.maySendState(BOT, "uk.half-shot.bridge"));
    }

    @Test
    void withoutLevels_theCreatorHas100AndStateNeedsNothing() {
        PowerLevels levels = PowerLevels.of(List.of(create("10")));
        assertEquals(100, levels.of(ALICE));
        assertEquals(0, levels.of(BOB));
        assertTrue(levels.maySendState(BOB, "m.bridge"));
    }

    @Test
    void fromVersion12_creatorsOutrankEveryone_evenWhenNotListed() {
        JsonNode withAdditional = event("{\"type\":\"m.room.create\",\"state_key\":\"\",\"sender\":\"@alice:hs\","
                + "\"content\":{\"room_version\":\"12\",\"additional_creators\":[\"@bob:hs\"]}}");
        JsonNode levels = event("{\"type\":\"m.room.power_levels\",\"state_key\":\"\",\"content\":{"
                + "\"users\":{\"@bot:hs\":100},\"state_default\":100}}");
        PowerLevels v12 = PowerLevels.of(List.of(withAdditional, levels));
        assertEquals(Long.MAX_VALUE, v12.of(ALICE));
        assertTrue(v12.maySendState(BOB, "m.bridge"));
        PowerLevels v11 = PowerLevels.of(List.of(create("11"), levels));
        assertFalse(v11.maySendState(ALICE, "m.bridge"), "before 12 a creator has only what the event gives");
    }
}
