package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class WhoisLookupsTest {
    private final WhoisLookups lookups = new WhoisLookups(CaseMapping.RFC1459);

    private static IrcMessage proof(String nick, String text) {
        return IrcMessage.parse(":" + nick + "!u@host PRIVMSG hbbot :" + text);
    }

    @Test
    void loggedInSender_linesGoOnWithTheAccountFrom330() {
        IrcMessage line = proof("Alice[pi]", "byob-proof n1");
        WhoisLookups.Step step = lookups.ask(line);
        assertEquals("WHOIS Alice[pi]", assertInstanceOf(WhoisLookups.Step.Send.class, step).whois().formatAsClient());
        assertInstanceOf(WhoisLookups.Step.Wait.class, lookups.ask(proof("alice{pi}", "byob-proof n2")),
                "one WHOIS for a nick, whatever its case");

        assertTrue(lookups.onReply(IrcMessage.parse(":irc 311 hbbot alice{pi} u host * :Alice")).isEmpty());
        assertTrue(lookups.onReply(IrcMessage.parse(":irc 330 hbbot alice{pi} alice :is logged in as")).isEmpty());
        List<IrcMessage> out = lookups.onReply(IrcMessage.parse(":irc 318 hbbot alice{pi} :End of /WHOIS list."));

        assertEquals(2, out.size());
        assertEquals(Optional.of("alice"), out.get(0).account());
        assertEquals(Optional.of("byob-proof n2"), out.get(1).param(1));
    }

    @Test
    void senderNotLoggedIn_linesGoOnWithoutAnAccount_evenIfTheyForgedTheTag() {
        IrcMessage forged = IrcMessage.parse("@account=alice :mallory!u@host PRIVMSG hbbot :byob-proof n1");
        lookups.ask(forged);
        lookups.onReply(IrcMessage.parse(":irc 401 hbbot mallory :No such nick"));
        List<IrcMessage> out = lookups.onReply(IrcMessage.parse(":irc 318 hbbot mallory :End of /WHOIS list."));
        assertEquals(Optional.empty(), out.get(0).account());
    }

    @Test
    void repliesForNobodyWaiting_areIgnored_andALookupEndsOnce() {
        assertTrue(lookups.onReply(IrcMessage.parse(":irc 318 hbbot bob :End of /WHOIS list.")).isEmpty());
        lookups.ask(proof("bob", "x"));
        assertEquals(1, lookups.onReply(IrcMessage.parse(":irc 318 hbbot bob :End")).size());
        assertTrue(lookups.onReply(IrcMessage.parse(":irc 318 hbbot bob :End")).isEmpty());
    }

    @Test
    void tooManyWaiting_newSendersGoOnAsTheyAre() {
        for (int i = 0; i < WhoisLookups.MAX_PENDING; i++) {
            assertInstanceOf(WhoisLookups.Step.Send.class, lookups.ask(proof("n" + i, "x")));
        }
        assertInstanceOf(WhoisLookups.Step.AsIs.class, lookups.ask(proof("late", "x")));
    }
}
