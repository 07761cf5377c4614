package dev.byob.protocol.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BridgeStateKeyTest {

    @Test
    void parse_threeParts_protocolNetworkChannel() {
        BridgeStateKey key = BridgeStateKey.parse("hb-irc://irc/irc.example.net/#chat");
        assertEquals(new BridgeStateKey("hb-irc", "irc", Optional.of("irc.example.net"), "#chat"), key);
        assertEquals("hb-irc://irc/irc.example.net/#chat", key.format());
        assertEquals(key.format(), key.toString());
    }

    @Test
    void parse_twoParts_noNetwork() {
        BridgeStateKey key = BridgeStateKey.parse("slackbridge://slack/C0123");
        assertEquals(Optional.empty(), key.network());
        assertEquals("C0123", key.channel());
        assertEquals("slackbridge://slack/C0123", key.format());
    }

    @Test
    void parse_escapedSlash_unescapedInPart() {
        BridgeStateKey key = BridgeStateKey.parse("b://irc/net%2Fone/%23a%2Fb");
        assertEquals(Optional.of("net/one"), key.network());
        assertEquals("%23a/b", key.channel());
        assertEquals("a/b", BridgeStateKey.parse("b://irc/a%2fb").channel());
    }

    @Test
    void format_slashInPart_escapedAs2FAndPercentAs25() {
        assertEquals("b://irc/net%2Fone/a%2Fb", new BridgeStateKey("b", "irc", Optional.of("net/one"), "a/b").format());
        assertEquals("b://irc/50%25", new BridgeStateKey("b", "irc", Optional.empty(), "50%").format());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a%2Fb", "50%", "%25", "%/%2F/%252F", "#chan", "x"})
    void formatThenParse_anyPart_roundTrips(String part) {
        BridgeStateKey key = new BridgeStateKey("b", "irc", Optional.of(part), part);
        assertEquals(key, BridgeStateKey.parse(key.format()));
        BridgeStateKey noNetwork = new BridgeStateKey("b", "irc", Optional.empty(), part);
        assertEquals(noNetwork, BridgeStateKey.parse(noNetwork.format()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "irc/net/chan", "://irc/net/chan", "b://irc", "b://irc/net/chan/extra", "b://irc//chan",
        "b://irc/net/", "b:///net/chan"})
    void parse_malformed_throws(String stateKey) {
        assertThrows(IllegalArgumentException.class, () -> BridgeStateKey.parse(stateKey));
    }
}
