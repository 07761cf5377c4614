package dev.byob.protocol.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.discovery.BridgeInfo.Reading;
import dev.byob.protocol.discovery.BridgeInfo.Verdict;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BridgeInfoTest {

    private static final UserId HB_BOT = new UserId("@ircbot:hb.example");
    private static final String STATE_KEY = "hb-irc://irc/irc.example.net/#chat";

    private static ObjectNode content(String json) {
        try {
            return (ObjectNode) CanonicalJson.parse(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final ObjectNode VALID = content("""
            {"bridgebot": "@ircbot:hb.example", "creator": "@ircbot:hb.example",
             "protocol": {"id": "irc", "displayname": "IRC"},
             "network": {"id": "irc.example.net", "displayname": "Example"},
             "channel": {"id": "#chat"}}""");

    private static Reading read(String eventType, UserId sender, JsonNode content) {
        return BridgeInfo.read(eventType, STATE_KEY, sender, content);
    }

    @ParameterizedTest
    @ValueSource(strings = {BridgeInfo.M_BRIDGE, BridgeInfo.HALF_SHOT_BRIDGE})
    void read_bridgeEventFromItsBridgebot_valid(String eventType) {
        Reading reading = read(eventType, HB_BOT, VALID);
        assertEquals(Verdict.VALID, reading.verdict(), reading.reason());
        BridgeInfo info = reading.info().orElseThrow();
        assertEquals(eventType, info.eventType());
        assertEquals(HB_BOT, info.hbBot());
        assertEquals(Network.irc("irc.example.net"), info.network());
        assertEquals("#chat", info.channel());
        assertEquals(BridgeStateKey.parse(STATE_KEY), info.stateKey());
        assertTrue(info.active());
    }

    @Test
    void read_otherEventType_notABridgeEvent() {
        assertEquals(Verdict.NOT_A_BRIDGE_EVENT, read("m.room.topic", HB_BOT, VALID).verdict());
        assertFalse(BridgeInfo.isBridgeEventType("m.bridge.extra"));
    }

    @Test
    void read_senderIsNotBridgebot_forged() {
        Reading reading = read(BridgeInfo.M_BRIDGE, new UserId("@mallory:evil.example"), VALID);
        assertEquals(Verdict.FORGED, reading.verdict());
        assertTrue(reading.info().isEmpty());
    }

    @Test
    void read_noBridgebot_isNotUsable_evenFromTheBot() {
        ObjectNode content = VALID.deepCopy();
        content.remove("bridgebot");
        Reading reading = read(BridgeInfo.M_BRIDGE, HB_BOT, content);
        assertEquals(Verdict.MALFORMED, reading.verdict());
        assertTrue(reading.reason().contains("bridgebot"), reading.reason());
    }

    @Test
    void read_ids_copiedExactly_andAProtocolIdOutsideTheGrammarIsNotUsable() {
        ObjectNode content = VALID.deepCopy();
        content.putObject("network").put("id", "Irc.Example.NET");
        content.putObject("channel").put("id", "#Chat");
        BridgeInfo info = read(BridgeInfo.HALF_SHOT_BRIDGE, HB_BOT, content).info().orElseThrow();
        assertEquals(Network.irc("Irc.Example.NET"), info.network(), "byte for byte (spec §2.2)");
        assertEquals("#Chat", info.channel());
        content.putObject("protocol").put("id", "IRC");
        assertEquals(Verdict.MALFORMED, read(BridgeInfo.HALF_SHOT_BRIDGE, HB_BOT, content).verdict());
    }

    @Test
    void read_statusDisabled_inactive() {
        ObjectNode content = VALID.deepCopy().put("status", "disabled");
        assertFalse(read(BridgeInfo.M_BRIDGE, HB_BOT, content).info().orElseThrow().active());
        ObjectNode other = VALID.deepCopy().put("status", "something-else");
        assertTrue(read(BridgeInfo.M_BRIDGE, HB_BOT, other).info().orElseThrow().active());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{}",
        "{\"bridgebot\": 5, \"protocol\": {\"id\": \"irc\"}, \"network\": {\"id\": \"n\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": {\"id\": \"irc\"}, \"network\": {\"id\": \"n\"}}",
        "{\"network\": {\"id\": \"n\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": {\"id\": \"irc\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": \"irc\", \"network\": {\"id\": \"n\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": {\"id\": \"\"}, \"network\": {\"id\": \"n\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": {\"id\": \"irc\"}, \"network\": {\"id\": \"irc example\"}, \"channel\": {\"id\": \"#c\"}}",
        "{\"protocol\": {\"id\": \"i/rc\"}, \"network\": {\"id\": \"n\"}, \"channel\": {\"id\": \"#c\"}}"})
    void read_incompleteOrInvalidContent_malformed(String json) {
        Reading reading = read(BridgeInfo.M_BRIDGE, HB_BOT, content(json));
        assertEquals(Verdict.MALFORMED, reading.verdict(), json);
        assertFalse(reading.reason().isEmpty());
    }

    @Test
    void read_contentNotAnObjectOrNull_malformed() {
        assertEquals(Verdict.MALFORMED, read(BridgeInfo.M_BRIDGE, HB_BOT, null).verdict());
        assertEquals(Verdict.MALFORMED, read(BridgeInfo.M_BRIDGE, HB_BOT, VALID.arrayNode()).verdict());
    }

    @Test
    void read_badStateKey_malformed() {
        assertEquals(Verdict.MALFORMED, BridgeInfo.read(BridgeInfo.M_BRIDGE, "not-a-key", HB_BOT, VALID).verdict());
    }
}
