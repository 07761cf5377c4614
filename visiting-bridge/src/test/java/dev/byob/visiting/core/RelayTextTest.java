package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RelayTextTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ObjectNode content(String msgtype, String body) {
        return JSON.createObjectNode().put("msgtype", msgtype).put("body", body);
    }

    @Test
    void matrixKindsBecomePrivmsgActionAndNotice_withoutAPrefix() {
        Formatting.Message text = RelayText.fromMatrix(content("m.text", "hello")).orElseThrow();
        Formatting.Message emote = RelayText.fromMatrix(content("m.emote", "waves")).orElseThrow();
        Formatting.Message notice = RelayText.fromMatrix(content("m.notice", "note")).orElseThrow();
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "hello")), Formatting.toIrc(text, "#c", "alice", null));
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "\u0001ACTION waves\u0001")),
                Formatting.toIrc(emote, "#c", "alice", null));
        assertEquals(List.of(IrcMessage.of("NOTICE", "#c", "note")), Formatting.toIrc(notice, "#c", "alice", null));
    }

    @Test
    void otherContentIsNotRelayed() {
        assertEquals(Optional.empty(), RelayText.fromMatrix(content("m.image", "cat.png")));
        assertEquals(Optional.empty(), RelayText.fromMatrix(content("org.example.custom", "text")),
                "only the three text types, where the hosting bridge relays other text types too");
        assertEquals(Optional.empty(), RelayText.fromMatrix(content("m.text", "  ")));
        assertEquals(Optional.empty(), RelayText.fromMatrix(JSON.createObjectNode().put("msgtype", "m.text")));
    }

    @Test
    void linesAndLongTextAreSplit_andCutAfterTheLimit() {
        List<IrcMessage> two = Formatting.toIrc(new Formatting.Message(Formatting.Kind.TEXT, "one\ntwo"), "#c", "a",
                null);
        assertEquals(List.of("one", "two"), two.stream().map(l -> l.param(1).orElseThrow()).toList());
        String many = String.join("\n", java.util.Collections.nCopies(20, "x"));
        List<IrcMessage> cut = Formatting.toIrc(new Formatting.Message(Formatting.Kind.TEXT, many), "#c", "a", null);
        assertEquals(Formatting.MAX_LINES, cut.size());
        assertTrue(cut.get(Formatting.MAX_LINES - 1).param(1).orElseThrow().endsWith(Formatting.CUT));
        String longLine = "word ".repeat(300);
        for (IrcMessage l : Formatting.toIrc(new Formatting.Message(Formatting.Kind.TEXT, longLine), "#c", "a", null)) {
            assertTrue(l.bodyBytes() <= IrcMessage.MAX_BODY_BYTES, l.toString());
        }
    }

    @Test
    void ircLinesBecomeMatrixContent() {
        assertEquals(content("m.text", "hi bold"), Formatting.toMatrix(Formatting.fromIrc(
                IrcMessage.parse(":bob!b@h PRIVMSG #c :hi \u0002bold\u0002")).orElseThrow()));
        assertEquals(content("m.emote", "waves"), Formatting.toMatrix(Formatting.fromIrc(
                IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001ACTION waves\u0001")).orElseThrow()));
        assertEquals(content("m.notice", "n"), Formatting.toMatrix(Formatting.fromIrc(
                IrcMessage.parse(":bob!b@h NOTICE #c :n")).orElseThrow()));
        assertEquals(Optional.empty(), Formatting.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001VERSION\u0001")));
        assertEquals(Optional.empty(), Formatting.fromIrc(IrcMessage.parse(":bob!b@h JOIN #c")));
    }

    @Test
    void sameText_wholeTextOrFirstLine_andPrefixOnlyWhenAllowed() {
        assertTrue(RelayText.sameText("hello", "hello", false));
        assertTrue(RelayText.sameText("line one\nline two", "line one", false));
        assertTrue(RelayText.sameText("hello", "<alice> hello", true));
        assertFalse(RelayText.sameText("hello", "<alice> hello", false));
        assertFalse(RelayText.sameText("hello", "hello there", true));
        assertFalse(RelayText.sameText("hello", "shello", true));
        assertFalse(RelayText.sameText("  ", "  ", true));
    }
}
