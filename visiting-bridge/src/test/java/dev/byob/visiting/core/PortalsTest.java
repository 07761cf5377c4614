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
}
