package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.kit.irc.Formatting;
import org.junit.jupiter.api.Test;

class PortalsTest {
    @Test
    void asRelayBot_showsTheNickAsARelayBotDoes() {
        assertEquals(new Formatting.Message(Formatting.Kind.TEXT, "<bob> hi"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.TEXT, "hi")));
        assertEquals(new Formatting.Message(Formatting.Kind.TEXT, "* bob waves"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.EMOTE, "waves")));
        assertEquals(new Formatting.Message(Formatting.Kind.NOTICE, "-bob- the topic is set"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.NOTICE, "the topic is set")));
    }

    @Test
    void isPortalEvent_onlyWithThePortalField() {
        com.fasterxml.jackson.databind.node.ObjectNode content = new com.fasterxml.jackson.databind.ObjectMapper()
                .createObjectNode().put("bridgebot", "@vb:example.org");
        assertEquals(false, Portals.isPortalEvent(content));
        content.put("org.matrix.msc3647.portal", "@alice:example.org");
        assertEquals(true, Portals.isPortalEvent(content));
    }
}
