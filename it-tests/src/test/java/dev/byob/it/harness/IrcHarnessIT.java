package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcSaslException;
import dev.byob.it.fixtures.IrcUserClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The harness's IRC network behaves like a real one with services: accounts, SASL, identity tags. */
@RealServers
class IrcHarnessIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void twoUsers_exchangeMessages_senderAccountVisibleOnlyWhenLoggedIn(IrcNetwork irc) {
        IrcNetwork.IrcAccount alice = irc.newAccount("alice");
        try (IrcUserClient aliceClient = irc.user(alice.name()).sasl(alice.name(), alice.password()).connect();
             IrcUserClient bobClient = irc.user(Names.unique("bob")).connect()) {
            assertEquals(alice.name(), aliceClient.account());
            assertTrue(bobClient.capabilities().contains("account-tag"), bobClient.capabilities().toString());
            String channel = "#" + Names.unique("harness");
            aliceClient.join(channel);
            bobClient.join(channel);

            String hello = "hello " + Names.unique("msg");
            aliceClient.privmsg(channel, hello);
            IrcMessage seenByBob = bobClient.awaitPrivmsg(channel, hello, WAIT);
            assertEquals(aliceClient.nick(), seenByBob.nick());
            assertEquals(alice.name(), seenByBob.account());
            assertNotNull(seenByBob.msgid(), seenByBob.raw());
            assertNotNull(seenByBob.time(), seenByBob.raw());

            String reply = "hi " + Names.unique("msg");
            bobClient.privmsg(aliceClient.nick(), reply);
            IrcMessage seenByAlice = aliceClient.awaitPrivmsg(aliceClient.nick(), reply, WAIT);
            assertEquals(bobClient.nick(), seenByAlice.nick());
            assertNull(seenByAlice.account(), seenByAlice.raw());
        }
    }

    @Test
    void clientTag_sentWithMessage_reachesOtherUsersUnescaped(IrcNetwork irc) {
        try (IrcUserClient sender = irc.user(Names.unique("tagger")).connect();
             IrcUserClient receiver = irc.user(Names.unique("reader")).connect()) {
            String channel = "#" + Names.unique("tags");
            sender.join(channel);
            receiver.join(channel);

            String text = "tagged " + Names.unique("msg");
            sender.privmsg(channel, text, Map.of("+byob/origin", "$room;id with space:localhost"));

            IrcMessage seen = receiver.awaitPrivmsg(channel, text, WAIT);
            assertEquals("$room;id with space:localhost", seen.tag("+byob/origin"));
        }
    }

    @Test
    void sasl_wrongPassword_isRefusedWith904(IrcNetwork irc) {
        IrcNetwork.IrcAccount carol = irc.newAccount("carol");

        IrcSaslException refused = assertThrows(IrcSaslException.class,
                () -> irc.user(Names.unique("mallory")).sasl(carol.name(), "not-" + carol.password()).connect());

        assertEquals("904", refused.numeric());
    }
}
