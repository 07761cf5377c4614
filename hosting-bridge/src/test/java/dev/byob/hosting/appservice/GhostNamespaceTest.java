package dev.byob.hosting.appservice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class GhostNamespaceTest {

    @Test
    void contains_localUserWithThePrefix_isTrue() {
        GhostNamespace ghosts = GhostNamespace.of("irc_", "example.org");
        assertTrue(ghosts.contains("@irc_libera_alice:example.org"));
        assertTrue(ghosts.contains(ghosts.userId("x")));
        assertFalse(ghosts.contains("@irc:example.org"));
        assertFalse(ghosts.contains("@alice:example.org"));
        assertFalse(ghosts.contains("@irc_alice:other.org"));
        assertFalse(ghosts.contains("@irc_alice:example.org:8448"));
        assertFalse(ghosts.contains("irc_alice:example.org"));
        assertFalse(ghosts.contains(null));
    }

    @Test
    void regex_escapesForPythonAndJava_andAgreesWithContainsOnLocalIds() {
        GhostNamespace ghosts = GhostNamespace.of("_irc.x-", "[::1]:8448");
        assertEquals("^@_irc\\.x\\-.*:\\[\\:\\:1\\]\\:8448$", ghosts.regex());
        Pattern regex = Pattern.compile(ghosts.regex());
        for (String id : List.of("@_irc.x-bob:[::1]:8448", "@_irc.x-:[::1]:8448", "@_ircXx-bob:[::1]:8448",
                "@_irc.x-bob:[::1]:8449", "@alice:[::1]:8448")) {
            assertEquals(ghosts.contains(id), regex.matcher(id).matches(), id);
        }
    }

    @Test
    void of_badPrefix_isRefused() {
        assertThrows(IllegalArgumentException.class, () -> GhostNamespace.of("", "example.org"));
        assertThrows(IllegalArgumentException.class, () -> GhostNamespace.of("IRC_", "example.org"));
        assertThrows(IllegalArgumentException.class, () -> GhostNamespace.of("irc_", ""));
    }
}
