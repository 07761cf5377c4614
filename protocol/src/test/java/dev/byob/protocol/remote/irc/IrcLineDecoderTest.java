package dev.byob.protocol.remote.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class IrcLineDecoderTest {

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void feed_crlfLfAndCr_allEndLines_emptyLinesSkipped() {
        IrcLineDecoder decoder = new IrcLineDecoder();

        assertEquals(List.of("one", "two", "three", "four"), decoder.feed(bytes("one\r\ntwo\nthree\r\r\n\nfour\r\n")));
        assertEquals(0, decoder.pendingBytes());
    }

    @Test
    void feed_lineSplitAcrossReads_joined() {
        IrcLineDecoder decoder = new IrcLineDecoder();

        assertEquals(List.of(), decoder.feed(bytes("PRIVMSG #a :hel")));
        assertEquals(15, decoder.pendingBytes());
        assertEquals(List.of("PRIVMSG #a :hello"), decoder.feed(bytes("lo\r")));
        assertEquals(List.of("PING x"), decoder.feed(bytes("\nPING x\r\n")));
    }

    @Test
    void feed_multibyteCharacterSplitAcrossReads_decodedWhole() {
        IrcLineDecoder decoder = new IrcLineDecoder();
        byte[] line = bytes("héllo 😀\r\n");
        List<String> lines = new ArrayList<>();
        for (byte b : line) {
            lines.addAll(decoder.feed(new byte[] {b}));
        }

        assertEquals(List.of("héllo 😀"), lines);
    }

    @Test
    void feed_invalidUtf8_decodedAsLatin1() {
        IrcLineDecoder decoder = new IrcLineDecoder();
        byte[] latin1 = "PRIVMSG #a :caf\u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);

        assertEquals(List.of("PRIVMSG #a :caf\u00e9"), decoder.feed(latin1));
    }

    @Test
    void decode_validUtf8_notMistakenForLatin1() {
        assertEquals("caf\u00e9", IrcLineDecoder.decode(bytes("caf\u00e9")));
    }

    @Test
    void feed_overlongLine_droppedWholeAndCounted_nextLineKept() {
        IrcLineDecoder decoder = new IrcLineDecoder(10);

        List<String> lines = new ArrayList<>(decoder.feed(bytes("0123456789")));
        lines.addAll(decoder.feed(bytes("0123456789ABCDEF")));
        assertEquals(0, decoder.pendingBytes());
        lines.addAll(decoder.feed(bytes("still dropped\r\nok\r\n")));

        assertEquals(List.of("ok"), lines);
        assertEquals(1, decoder.droppedLines());
    }

    @Test
    void feed_lineOfExactlyMax_kept() {
        IrcLineDecoder decoder = new IrcLineDecoder(5);

        assertEquals(List.of("12345"), decoder.feed(bytes("12345\r\n")));
        assertEquals(List.of(), decoder.feed(bytes("123456\r\n")));
        assertEquals(1, decoder.droppedLines());
        assertEquals(5, decoder.maxLineBytes());
    }

    @Test
    void defaultLimit_longestValidLine() {
        assertEquals(IrcMessage.MAX_TAGS_BYTES + IrcMessage.MAX_BODY_BYTES, new IrcLineDecoder().maxLineBytes());
        String longest = "@" + "a".repeat(IrcMessage.MAX_TAGS_BYTES - 2) + " " + "B".repeat(IrcMessage.MAX_BODY_BYTES);
        assertEquals(List.of(longest), new IrcLineDecoder().feed(bytes(longest + "\n")));
    }

    @Test
    void feed_offsetAndLength_onlyThatRange() {
        byte[] data = bytes("xxPING a\r\nyy");

        assertEquals(List.of("PING a"), new IrcLineDecoder().feed(data, 2, 8));
        assertThrows(IndexOutOfBoundsException.class, () -> new IrcLineDecoder().feed(data, 10, 5));
    }

    @Test
    void constructor_nonPositiveLimit_throws() {
        assertThrows(IllegalArgumentException.class, () -> new IrcLineDecoder(0));
    }
}
