package dev.byob.kit.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.kit.irc.Formatting.Kind;
import dev.byob.kit.irc.Formatting.Message;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FormattingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Optional<Message> matrix(String msgtype, String body) {
        return Formatting.fromMatrix(JSON.createObjectNode().put("msgtype", msgtype).put("body", body));
    }

    @Test
    void fromMatrix_textEmoteNotice_kinds() {
        assertEquals(Optional.of(new Message(Kind.TEXT, "hi")), matrix("m.text", "hi"));
        assertEquals(Optional.of(new Message(Kind.EMOTE, "waves")), matrix("m.emote", "waves"));
        assertEquals(Optional.of(new Message(Kind.NOTICE, "note")), matrix("m.notice", "note"));
    }

    @Test
    void fromMatrix_fileOrEmptyBody_empty() {
        assertEquals(Optional.empty(), matrix("m.image", "cat.png"));
        assertEquals(Optional.empty(), matrix("m.text", "  "));
    }

    @Test
    void toIrc_text_privmsg() {
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "hello")),
                Formatting.toIrc(new Message(Kind.TEXT, "hello"), "#c", "alice[m]", null));
    }

    @Test
    void toIrc_emote_ctcpAction() {
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "\u0001ACTION waves\u0001")),
                Formatting.toIrc(new Message(Kind.EMOTE, "waves"), "#c", "alice[m]", null));
    }

    @Test
    void toIrc_notice_notice() {
        assertEquals(List.of(IrcMessage.of("NOTICE", "#c", "note")),
                Formatting.toIrc(new Message(Kind.NOTICE, "note"), "#c", "alice[m]", null));
    }

    @Test
    void toIrc_relaybot_nameInFront() {
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "<alice> hi"), IrcMessage.of("PRIVMSG", "#c", "<alice> there")),
                Formatting.toIrc(new Message(Kind.TEXT, "hi\nthere"), "#c", "bot", "alice"));
        assertEquals(List.of(IrcMessage.of("PRIVMSG", "#c", "* alice waves")),
                Formatting.toIrc(new Message(Kind.EMOTE, "waves"), "#c", "bot", "alice"));
    }

    @Test
    void toIrc_multiLine_oneLineEach() {
        assertEquals(3, Formatting.toIrc(new Message(Kind.TEXT, "a\nb\r\nc"), "#c", "n", null).size());
    }

    @Test
    void toIrc_longText_splitWithinTheServersLimit() {
        String text = "word ".repeat(300);
        List<IrcMessage> lines = Formatting.toIrc(new Message(Kind.TEXT, text), "#c", "alice[m]", null);
        assertTrue(lines.size() > 1);
        for (IrcMessage line : lines) {
            int relayed = ":alice[m]!".length() + 10 + 1 + 63 + 1 + line.formatAsClient().length();
            assertTrue(relayed <= IrcMessage.MAX_BODY_BYTES, line.toString());
        }
    }

    @Test
    void toIrc_veryLongText_boundedAndMarkedCut() {
        List<IrcMessage> lines = Formatting.toIrc(new Message(Kind.TEXT, "line\n".repeat(50)), "#c", "n", null);
        assertEquals(Formatting.MAX_LINES, lines.size());
        assertTrue(lines.get(Formatting.MAX_LINES - 1).param(1).orElseThrow().endsWith(Formatting.CUT));
    }

    @Test
    void fromIrc_privmsgActionNotice_kinds() {
        assertEquals(Optional.of(new Message(Kind.TEXT, "hi")),
                Formatting.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :hi")));
        assertEquals(Optional.of(new Message(Kind.EMOTE, "nods")),
                Formatting.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001ACTION nods\u0001")));
        assertEquals(Optional.of(new Message(Kind.NOTICE, "note")),
                Formatting.fromIrc(IrcMessage.parse(":bob!b@h NOTICE #c :note")));
    }

    @Test
    void fromIrc_otherCtcpOrFormatting_droppedOrStripped() {
        assertEquals(Optional.empty(), Formatting.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0001VERSION\u0001")));
        assertEquals(Optional.of(new Message(Kind.TEXT, "bold red")),
                Formatting.fromIrc(IrcMessage.parse(":bob!b@h PRIVMSG #c :\u0002bold\u0002 \u000304,01red\u000f")));
    }

    @Test
    void toMatrix_kinds_msgtypes() {
        assertEquals("m.emote", Formatting.toMatrix(new Message(Kind.EMOTE, "x")).path("msgtype").asText());
        assertEquals("m.notice", Formatting.toMatrix(new Message(Kind.NOTICE, "x")).path("msgtype").asText());
        assertEquals("x", Formatting.toMatrix(new Message(Kind.TEXT, "x")).path("body").asText());
    }
}
