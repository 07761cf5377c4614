package dev.byob.protocol.remote.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.remote.irc.IrcMessage.Source;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IrcMessageTest {

    @Test
    void parse_fullLine_givesTagsSourceCommandAndParams() {
        IrcMessage m = IrcMessage.parse("@account=alice;msgid=abc;time=2026-01-02T03:04:05.678Z;+byob.dev/origin=$ev:hs "
                + ":alice!ali@host.example PRIVMSG #byob :hello there");

        assertEquals(List.of("account", "msgid", "time", "+byob.dev/origin"), List.copyOf(m.tags().keySet()));
        assertEquals(Optional.of("alice"), m.account());
        assertEquals(Optional.of("abc"), m.msgid());
        assertEquals(Optional.of(Instant.parse("2026-01-02T03:04:05.678Z")), m.time());
        assertEquals(Optional.of("$ev:hs"), m.tag("+byob.dev/origin"));
        assertEquals(Source.of("alice", "ali", "host.example"), m.source().orElseThrow());
        assertEquals(Optional.of("alice"), m.nick());
        assertEquals("PRIVMSG", m.command());
        assertEquals(List.of("#byob", "hello there"), m.params());
        assertEquals(Optional.of("hello there"), m.trailing());
    }

    @Test
    void parse_specExample_unescapesTagValue() {
        IrcMessage m = IrcMessage.parse("@+example=raw+:=,escaped\\:\\s\\\\ :irc.example.com NOTICE #channel :Message");

        assertEquals("raw+:=,escaped; \\", m.tag("+example").orElseThrow());
        assertTrue(m.source().orElseThrow().isServer());
    }

    @Test
    void unescapeTagValue_loneTrailingBackslashAndUnknownEscape_droppedAsSpecified() {
        assertEquals("test", IrcMessage.unescapeTagValue("test\\"));
        assertEquals("b", IrcMessage.unescapeTagValue("\\b"));
        assertEquals("a\r\nb", IrcMessage.unescapeTagValue("a\\r\\nb"));
    }

    @Test
    void escapeTagValue_everyEscapedCharacter_roundTrips() {
        String value = "a;b c\\d\re\nf=+:,";
        String escaped = IrcMessage.escapeTagValue(value);

        assertEquals("a\\:b\\sc\\\\d\\re\\nf=+:,", escaped);
        assertEquals(value, IrcMessage.unescapeTagValue(escaped));
    }

    @Test
    void parse_tagWithoutValueOrEmptyValue_mapsToEmptyString() {
        IrcMessage m = IrcMessage.parse("@a;b=;c=x CMD");

        assertEquals(Map.of("a", "", "b", "", "c", "x"), m.tags());
        assertTrue(m.hasTag("a"));
        assertFalse(m.hasTag("d"));
        assertEquals(Optional.empty(), m.account());
    }

    @Test
    void parse_repeatedTagKey_lastOccurrenceWins() {
        assertEquals(Optional.of("2"), IrcMessage.parse("@k=1;k=2 CMD").tag("k"));
    }

    @Test
    void parse_unusualTagKey_acceptedAsOpaque() {
        IrcMessage m = IrcMessage.parse("@Vendor.Example/Some_Key!=v CMD");

        assertEquals(Optional.of("v"), m.tag("Vendor.Example/Some_Key!"));
    }

    @Test
    void clientTags_onlyPlusPrefixed() {
        IrcMessage m = IrcMessage.parse("@msgid=1;+a=x;account=bob;+b CMD");

        assertEquals(Map.of("+a", "x", "+b", ""), m.clientTags());
        assertTrue(IrcMessage.isClientTag("+byob.dev/origin"));
        assertFalse(IrcMessage.isClientTag("account"));
    }

    @ParameterizedTest
    @CsvSource({
        "alice!ali@host, alice, ali, host",
        "alice@host, alice, , host",
        "alice!ali, alice, ali, ",
        "alice, alice, , ",
        "irc.test, irc.test, , ",
    })
    void sourceParse_variants(String text, String name, String user, String host) {
        Source source = Source.parse(text);

        assertEquals(name, source.name());
        assertEquals(Optional.ofNullable(user), source.user());
        assertEquals(Optional.ofNullable(host), source.host());
        assertEquals(text, source.toString());
    }

    @Test
    void sourceIsServer_onlyForDottedBareName() {
        assertTrue(Source.parse("irc.test").isServer());
        assertFalse(Source.parse("alice").isServer());
        assertFalse(Source.parse("alice!a@host.example").isServer());
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice!@host", "alice!ali@", "!ali@host", "@host"})
    void sourceParse_emptyPart_throwsNamingSource(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Source.parse(text));
        assertTrue(e.getMessage().contains("in source '" + text + "'"), e.getMessage());
    }

    @Test
    void parse_lowerCaseCommand_upperCased_numericKept() {
        assertEquals("PRIVMSG", IrcMessage.parse("privmsg #a :b").command());
        IrcMessage welcome = IrcMessage.parse(":irc.test 001 alice :Welcome");
        assertEquals("001", welcome.command());
        assertTrue(welcome.isNumeric());
        assertTrue(welcome.is("001"));
        assertFalse(IrcMessage.parse("PING x").isNumeric());
    }

    @Test
    void parse_extraSpaces_tolerated() {
        IrcMessage m = IrcMessage.parse("@a=b  :src   CMD   p1  p2   :trailing  text ");

        assertEquals("CMD", m.command());
        assertEquals(List.of("p1", "p2", "trailing  text "), m.params());
    }

    @Test
    void parse_trailingOnlyColon_givesEmptyLastParam() {
        IrcMessage m = IrcMessage.parse(":irc.test CAP * LS :");

        assertEquals(List.of("*", "LS", ""), m.params());
    }

    @Test
    void parse_colonInsideMiddleParam_keptInParam() {
        IrcMessage m = IrcMessage.parse("CMD a:b :c d");

        assertEquals(List.of("a:b", "c d"), m.params());
    }

    @Test
    void parse_noParams_empty() {
        assertEquals(List.of(), IrcMessage.parse("QUIT").params());
        assertEquals(Optional.empty(), IrcMessage.parse("QUIT").trailing());
        assertEquals(Optional.empty(), IrcMessage.parse("QUIT").param(0));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "''|an empty IRC line",
        "@a=b|tags without a command",
        "'@a=b '|no command",
        "@ CMD|an empty tag section",
        "@a;;b CMD|a tag without a key",
        "@=v CMD|a tag without a key",
        ":alice|a source without a command",
        ": CMD|an empty source",
        "':alice '|no command",
        "PRIV-MSG #a :b|not an IRC command",
        "12 x|not an IRC command",
        "1234 x|not an IRC command",
        "0a1 x|not an IRC command",
    })
    void parse_malformed_throwsSayingWhat(String line, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IrcMessage.parse(line));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PRIVMSG #a :b\r\n", "PRIVMSG #a :b\nQUIT", "PRIVMSG #a :b\0c"})
    void parse_lineBreakOrNul_throws(String line) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IrcMessage.parse(line));
        assertTrue(e.getMessage().contains("line break") || e.getMessage().contains("NUL"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "PRIVMSG #byob :hello there",
        "PRIVMSG #byob hello",
        ":alice!ali@host PRIVMSG #byob :hi there",
        "@account=alice;msgid=x :alice!ali@host PRIVMSG #byob ::-)",
        "@+byob.dev/origin=$ev\\:hs\\s1;flag :irc.test NOTICE * :",
        ":irc.test 005 alice CASEMAPPING=rfc1459 NETWORK=ByobTest :are supported by this server",
        "CAP REQ :message-tags account-tag",
        "AUTHENTICATE +",
        "QUIT",
    })
    void format_parsedLine_roundTrips(String line) {
        IrcMessage m = IrcMessage.parse(line);

        assertEquals(line, m.format());
        assertEquals(m, IrcMessage.parse(m.format()));
    }

    @Test
    void format_lastParam_colonOnlyWhenNeeded() {
        assertEquals("PRIVMSG #a hello", IrcMessage.of("PRIVMSG", "#a", "hello").format());
        assertEquals("PRIVMSG #a :hello there", IrcMessage.of("PRIVMSG", "#a", "hello there").format());
        assertEquals("PRIVMSG #a ::)", IrcMessage.of("PRIVMSG", "#a", ":)").format());
        assertEquals("TOPIC #a :", IrcMessage.of("TOPIC", "#a", "").format());
    }

    @Test
    void format_clientTag_escapesValue() {
        IrcMessage m = IrcMessage.of("PRIVMSG", "#byob", "hi").withTag("+byob.dev/origin", "$ev;1 x:hs");

        assertEquals("@+byob.dev/origin=$ev\\:1\\sx:hs PRIVMSG #byob hi", m.format());
        assertEquals("$ev;1 x:hs", IrcMessage.parse(m.format()).tag("+byob.dev/origin").orElseThrow());
    }

    @Test
    void format_emptyTagValue_writtenAsBareKey() {
        assertEquals("@flag CMD", IrcMessage.of("CMD").withTag("flag", "").format());
    }

    @Test
    void format_bodyAtLimit_accepted_overLimit_throws() {
        String prefix = "PRIVMSG #a :a ";
        String fits = prefix + "x".repeat(IrcMessage.MAX_BODY_BYTES - prefix.length());
        assertEquals(fits, IrcMessage.parse(fits).format());
        assertEquals(510, IrcMessage.parse(fits).bodyBytes());

        IrcMessage tooLong = IrcMessage.of("PRIVMSG", "#a", "é".repeat(250));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, tooLong::format);
        assertTrue(e.getMessage().contains("at most 510"), e.getMessage());
    }

    @Test
    void format_tagsOverLimit_throws_clientLimitStricter() {
        Map<String, String> big = new LinkedHashMap<>();
        big.put("+a", "x".repeat(4092)); // "+a=" + 4092 = 4095 bytes of tag data
        IrcMessage client = IrcMessage.of("TAGMSG", "#a").withTags(big);
        assertEquals(4095, client.tagDataBytes());
        client.format();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, client::formatAsClient);
        assertTrue(e.getMessage().contains("at most 4094"), e.getMessage());

        IrcMessage huge = IrcMessage.of("TAGMSG", "#a").withTag("+a", "x".repeat(8190));
        e = assertThrows(IllegalArgumentException.class, huge::format);
        assertTrue(e.getMessage().contains("at most 8191"), e.getMessage());
    }

    @Test
    void constructor_middleParamWithSpaceOrColonOrEmpty_throws() {
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("PRIVMSG", "#a b", "x"));
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("PRIVMSG", ":a", "x"));
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("PRIVMSG", "", "x"));
    }

    @Test
    void constructor_lineBreakInParam_throws() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> IrcMessage.of("PRIVMSG", "#a", "x\r\nQUIT"));
        assertTrue(e.getMessage().contains("line break"), e.getMessage());
    }

    @Test
    void constructor_badTagKeyOrNulValue_throws() {
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("CMD").withTag("a;b", "x"));
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("CMD").withTag("a b", "x"));
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("CMD").withTag("", "x"));
        assertThrows(IllegalArgumentException.class, () -> IrcMessage.of("CMD").withTag("a", "x\0"));
    }

    @Test
    void time_malformed_empty() {
        assertEquals(Optional.empty(), IrcMessage.parse("@time=yesterday CMD").time());
        assertEquals(Optional.empty(), IrcMessage.parse("CMD").time());
    }

    @Test
    void withSource_formatsWithPrefix() {
        IrcMessage m = IrcMessage.of("PRIVMSG", "#a", "hi").withSource(Source.of("alice", "a", "h"));

        assertEquals(":alice!a@h PRIVMSG #a hi", m.format());
    }

    @Test
    void splitText_longLine_splitsAtSpacesWithinBudget() {
        String text = "lorem ipsum dolor sit amet consectetur adipiscing elit";
        List<String> pieces = IrcMessage.splitText(text, 20);

        assertEquals(List.of("lorem ipsum dolor", "sit amet consectetur", "adipiscing elit"), pieces);
        pieces.forEach(p -> assertTrue(IrcMessage.utf8Length(p) <= 20, p));
    }

    @Test
    void splitText_multibyteWithoutSpaces_neverSplitsCodePoint() {
        String text = "é".repeat(5) + "😀".repeat(3);
        List<String> pieces = IrcMessage.splitText(text, 7);

        assertEquals(text, String.join("", pieces));
        pieces.forEach(p -> assertTrue(IrcMessage.utf8Length(p) <= 7, p));
        assertEquals(List.of("ééé", "éé", "😀", "😀", "😀"), pieces);
    }

    @Test
    void splitText_lineBreaks_onePiecePerLine_emptyLinesDropped() {
        assertEquals(List.of("one", "two", "three", "four"), IrcMessage.splitText("one\r\ntwo\n\nthree\rfour\n", 100));
        assertEquals(List.of(), IrcMessage.splitText("", 100));
    }

    @Test
    void textBudget_fullPrivmsgFitsExactly() {
        String source = "alice[m]!alice@host.example";
        int budget = IrcMessage.textBudget("PRIVMSG", "#byob", source.length());
        String text = "a " + "x".repeat(budget - 2);

        IrcMessage relayed = IrcMessage.of("PRIVMSG", "#byob", text).withSource(Source.parse(source));
        assertEquals(IrcMessage.MAX_BODY_BYTES, relayed.bodyBytes());
    }
}
