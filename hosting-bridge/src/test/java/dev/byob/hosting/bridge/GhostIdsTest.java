package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.hosting.appservice.GhostNamespace;
import org.junit.jupiter.api.Test;

class GhostIdsTest {
    private static final GhostNamespace GHOSTS = GhostNamespace.of("irc_", "example.org");

    @Test
    void userId_lowerCaseNick_asIs() {
        assertEquals("@irc_bob:example.org", GhostIds.userId(GHOSTS, "libera", "bob", false));
    }

    @Test
    void userId_upperCaseUnderscoreAndSymbols_mapped() {
        assertEquals("@irc__bob__x=5b=7c=5d:example.org", GhostIds.userId(GHOSTS, "libera", "Bob_x[|]", false));
    }

    @Test
    void userId_severalNetworks_networkInFront() {
        assertEquals("@irc_libera_bob:example.org", GhostIds.userId(GHOSTS, "libera", "bob", true));
    }
}
