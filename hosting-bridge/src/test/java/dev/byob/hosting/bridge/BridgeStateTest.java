package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import org.junit.jupiter.api.Test;

class BridgeStateTest {
    private static final UserId BOT = UserId.parse("@ircbridge:example.org");

    @Test
    void stateKey_slashInChannel_escaped() {
        assertEquals("byob-irc://irc/libera/#a%2Fb", BridgeState.stateKey("byob-irc", Network.irc("libera"), "#a/b"));
    }

    @Test
    void content_readBackByTheProtocol_valid() {
        String key = BridgeState.stateKey("byob-irc", Network.irc("libera"), "#byob");
        for (String type : BridgeState.EVENT_TYPES) {
            BridgeInfo.Reading reading = BridgeInfo.read(type, key, BOT,
                    BridgeState.content(BOT, null, Network.irc("libera"), "#byob"));
            assertEquals(BridgeInfo.Verdict.VALID, reading.verdict(), reading.reason());
            assertEquals("#byob", reading.info().orElseThrow().channel());
            assertEquals(Network.irc("libera"), reading.info().orElseThrow().network());
        }
    }

    @Test
    void content_creator_whenKnown() {
        UserId alice = UserId.parse("@alice:example.org");
        assertEquals(alice.value(), BridgeState.content(BOT, alice, Network.irc("libera"), "#b").path("creator").asText());
        assertEquals(false, BridgeState.content(BOT, null, Network.irc("libera"), "#b").has("creator"));
    }
}
