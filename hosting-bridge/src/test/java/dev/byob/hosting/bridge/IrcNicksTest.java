package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.config.IrcNetworkConfig;
import org.junit.jupiter.api.Test;

class IrcNicksTest {
    private static IrcNetworkConfig network(String template) {
        return new IrcNetworkConfig("libera", "irc.example.org", 6697, true, "bot", template, false);
    }

    @Test
    void forUser_plainLocalpart_template() {
        assertEquals("alice[m]", IrcNicks.forUser(network("<name>[m]"), "alice"));
    }

    @Test
    void forUser_charactersIrcRefuses_becomeUnderscores() {
        assertEquals("al_ce_x[m]", IrcNicks.forUser(network("<name>[m]"), "al.ce=x"));
    }

    @Test
    void forUser_leadingDigit_getsUnderscore() {
        assertEquals("_1alice[m]", IrcNicks.forUser(network("<name>[m]"), "1alice"));
        assertEquals("m_1alice", IrcNicks.forUser(network("m_<name>"), "1alice"));
    }

    @Test
    void forUser_longLocalpart_fitsThirtyCharacters() {
        String nick = IrcNicks.forUser(network("<name>[m]"), "a".repeat(100));
        assertEquals(IrcNicks.MAX_NICK_LENGTH, nick.length());
        assertTrue(nick.endsWith("[m]"));
    }
}
