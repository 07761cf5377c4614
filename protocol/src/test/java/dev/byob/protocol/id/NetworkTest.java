package dev.byob.protocol.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkTest {

    @Test
    void irc_networkId_protocolIrcAndSlashToString() {
        Network network = Network.irc("irc.example.net");
        assertEquals(new Network("irc", "irc.example.net"), network);
        assertEquals("irc/irc.example.net", network.toString());
    }

    @Test
    void constructor_limits_acceptedAtBoundary() {
        new Network("a".repeat(32), "A-z.0_9~".repeat(8));
        assertThrows(IllegalArgumentException.class, () -> new Network("a".repeat(33), "x"));
        assertThrows(IllegalArgumentException.class, () -> new Network("irc", "x".repeat(65)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "IRC", "ir c", "irc/x", "irc~"})
    void checkProtocol_invalid_throws(String protocol) {
        assertThrows(IllegalArgumentException.class, () -> Network.checkProtocol(protocol));
        assertThrows(IllegalArgumentException.class, () -> new Network(protocol, "libera"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "irc example", "irc/example", "libera:chat", "ïrc"})
    void checkId_invalid_throws(String id) {
        assertThrows(IllegalArgumentException.class, () -> Network.checkId(id));
        assertThrows(IllegalArgumentException.class, () -> new Network("irc", id));
    }
}
