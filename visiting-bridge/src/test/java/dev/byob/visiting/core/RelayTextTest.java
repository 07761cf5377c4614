package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
        RelayText.Message text = RelayText.fromMatrix(content("m.text", "hello")).orElseThrow();
        RelayText.Message emote = RelayText.fromMatrix(content("m.emote", "waves")).orElseThrow();
        RelayText.Message notice = RelayText.fromMatrix(content("m.notice", "note")).orElseThrow();
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "hello")), RelayText.toIrc(text, "#c", "alice"));
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "\u0001ACTION waves\u0001")),
                RelayText.toIrc(emote, "#c", "alice"));
        assertEquals(List.of(IrcMessage.of("NOTICE", "#c", "note")), RelayText.toIrc(notice, "#c", "alice"));
    }

    @Test
    void otherContentIsNotRelayed() {
        assertEquals(Optional.empty(), RelayText.fromMatrix(content("m.image", "cat.png")));
        assertEquals(Optional.empty(), RelayText.fromMatrix(content("m.text", "  ")));
        assertEquals(Optional.empty(), RelayText.fromMatrix(JSON.createObjectNode().put("msgtype", "m.text")));
    }

    @Test
    void linesAndLongTextAreSplit_andCutAfterTheLimit() {
        List<IrcMessage> two = RelayText.toIrc(new RelayText.Message(RelayText.Kind.TEXT, "one\ntwo"), "#c", "a");
        assertEquals(List.of("one", "two"), two.stream().map(l -> l.param(1).orElseThrow()).toList());
        String many = String.join("\n", java.util.Collections.nCopies(20, "x"));
        List<IrcMessage> cut = RelayText.toIrc(new RelayText.Message(RelayText.Kind.TEXT, many), "#c", "a");
        assertEquals(RelayText.MAX_LINES, cut.size());
        assertTrue(cut.get(RelayText.MAX_LINES - 1).param(1).orElseThrow().endsWith(RelayText.CUT));
        String longLine = "word ".repeat(300);
        for (IrcMessage l : RelayText.toIrc(new RelayText.Message(RelayText.Kind.TEXT, longLine), "#c", "a")) {
            assertTrue(l.bodyBytes() <= IrcMessage.MAX_BODY_BYTES, l.toString());
        }
    }

    @Test
    void ircLinesBecomeMatrixContent() {
        assertEquals(content("m.text", "hi bold"), RelayText.toMatrix(RelayText.fromIrc(
                IrcMessage.parse(":bob!b@h PRIVMSG #c :hi \u0002bold\u0002")).orElseThrow()));
        assertEquals(content("m.emote", "waves"), RelayText.toMatrix(RelayText.fromIrc(
                IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001ACTION waves\u0001")).orElseThrow()));
        assertEquals(content("m.notice", "n"), RelayText.toMatrix(RelayText.fromIrc(
                IrcMessage.parse(":bob!b@h NOTICE #c :n")).orElseThrow()));
        assertEquals(Optional.empty(), RelayText.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001VERSION\u0001")));
        assertEquals(Optional.empty(), RelayText.fromIrc(IrcMessage.parse(":bob!b@h JOIN #c")));
    }
}
