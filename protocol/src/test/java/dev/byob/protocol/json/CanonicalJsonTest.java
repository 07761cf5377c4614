package dev.byob.protocol.json;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.DoubleNode;
import com.fasterxml.jackson.databind.node.FloatNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.node.ShortNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.byob.protocol.Vectors;
import dev.byob.protocol.json.CanonicalJsonException.Reason;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CanonicalJsonTest {

    private static final JsonNode SPEC = Vectors.load("matrix-canonical-json.json");

    static Stream<Arguments> specExamples() {
        return StreamSupport.stream(SPEC.get("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), c.get("input").asText(), c.get("canonical").asText()));
    }

    // ---- golden vectors from the Matrix specification ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void encode_specExample_matchesSpecBytes(String name, String input, String canonical) throws Exception {
        assertArrayEquals(canonical.getBytes(StandardCharsets.UTF_8), CanonicalJson.encode(CanonicalJson.parse(input)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void parse_specCanonicalOutput_isFixedPoint(String name, String input, String canonical) throws Exception {
        assertEquals(canonical, CanonicalJson.encodeToString(CanonicalJson.parse(canonical)));
    }

    @Test
    void parse_specNegativeZeroAndExponentExample_rejectsExponentAsFloat() {
        JsonNode example = SPEC.get("rejected").get(0);
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse(example.get("input").asText()));
        assertEquals(Reason.valueOf(example.get("error").asText()), e.reason());
        assertEquals(example.get("path").asText(), e.path());
    }

    @Test
    void encode_specNegativeZeroAndExponentValues_matchesSpecOutput() throws Exception {
        ObjectNode value = (ObjectNode) CanonicalJson.parse("{\"a\":-0}");
        value.put("b", 10_000_000_000L);
        assertEquals(SPEC.get("rejected").get(0).get("canonical").asText(), CanonicalJson.encodeToString(value));
    }

    // ---- key order ----

    @Test
    void encode_supplementaryAndBmpKeys_sortsByCodePointNotUtf16() throws Exception {
        ObjectNode value = CanonicalJson.mapper().createObjectNode();
        value.put("\uD83D\uDE00", 2); // U+1F600, UTF-16 units D83D DE00
        value.put("\uFB01", 1); // U+FB01: after D83D in UTF-16 order, before U+1F600 in code point order
        assertTrue("\uD83D\uDE00".compareTo("\uFB01") < 0, "precondition: UTF-16 order differs");
        assertEquals("{\"\uFB01\":1,\"\uD83D\uDE00\":2}", CanonicalJson.encodeToString(value));
    }

    @Test
    void encode_prefixKeys_sortsShorterFirst() throws Exception {
        assertEquals("{\"\":0,\"a\":1,\"aa\":2,\"b\":3}",
                CanonicalJson.encodeToString(CanonicalJson.parse("{\"b\":3,\"aa\":2,\"a\":1,\"\":0}")));
    }

    @Test
    void codePointOrder_matchesUtf8ByteOrder() {
        String[] samples = {"", "a", "ab", "\u007f", "\u0080", "\u07ff", "\u0800", "\uD7FF", "\uE000", "\uFB01",
            "\uFFFF", "\uD800\uDC00", "\uD83D\uDE00", "\uDBFF\uDFFF", "a\uD83D\uDE00", "a\uFFFF"};
        for (String a : samples) {
            for (String b : samples) {
                int expected = Integer.signum(
                        Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
                assertEquals(expected, Integer.signum(CanonicalJson.CODE_POINT_ORDER.compare(a, b)), a + " vs " + b);
            }
        }
    }

    // ---- strings ----

    @Test
    void encode_controlCharacters_usesShortEscapesElseLowercaseHex() throws Exception {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < 0x20; c++) {
            all.append(c);
        }
        assertEquals("\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r\\u000e\\u000f"
                        + "\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\"",
                CanonicalJson.encodeToString(TextNode.valueOf(all.toString())));
    }

    @Test
    void encode_quoteAndBackslash_escaped() throws Exception {
        assertEquals("\"a\\\"b\\\\c\"", CanonicalJson.encodeToString(TextNode.valueOf("a\"b\\c")));
    }

    @Test
    void encode_slashDeleteAndLineSeparators_writtenLiterally() throws Exception {
        String value = "/\u007f\u2028\u2029";
        byte[] expected = ("\"" + value + "\"").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, CanonicalJson.encode(TextNode.valueOf(value)));
        assertArrayEquals(new byte[] {'"', '/', 0x7f, (byte) 0xe2, (byte) 0x80, (byte) 0xa8, (byte) 0xe2, (byte) 0x80, (byte) 0xa9, '"'},
                expected);
    }

    @Test
    void encode_supplementaryCharacter_writtenAsFourByteUtf8() throws Exception {
        assertArrayEquals(new byte[] {'"', (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, '"'},
                CanonicalJson.encode(TextNode.valueOf("\uD83D\uDE00")));
    }

    @Test
    void parse_redundantEscapes_encodedMinimally() throws Exception {
        assertEquals("{\"k\":\"/\u00e9\uD83D\uDE00\\n\u2028\"}",
                CanonicalJson.encodeToString(CanonicalJson.parse("{\"\\u006b\":\"\\/\\u00E9\\ud83d\\ude00\\u000A\\u2028\"}")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"\uD800", "\uDC00", "a\uDC00\uD800b", "\uD83D"})
    void encode_unpairedSurrogate_throwsInvalidString(String value) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(CanonicalJson.mapper().createObjectNode().put("s", value)));
        assertEquals(Reason.INVALID_STRING, e.reason());
        assertEquals("/s", e.path());
    }

    @Test
    void encode_unpairedSurrogateInKey_throwsInvalidString() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(CanonicalJson.mapper().createObjectNode().put("\uDC00", 1)));
        assertEquals(Reason.INVALID_STRING, e.reason());
    }

    @Test
    void parse_escapedUnpairedSurrogate_throwsInvalidString() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("{\"a\":[\"\\ud800\"]}"));
        assertEquals(Reason.INVALID_STRING, e.reason());
        assertEquals("/a/0", e.path());
    }

    // ---- numbers ----

    @Test
    void encode_integerBounds_accepted() throws Exception {
        assertEquals("9007199254740991", CanonicalJson.encodeToString(LongNode.valueOf((1L << 53) - 1)));
        assertEquals("-9007199254740991", CanonicalJson.encodeToString(LongNode.valueOf(-((1L << 53) - 1))));
        assertEquals("9007199254740991", CanonicalJson.encodeToString(BigIntegerNode.valueOf(BigInteger.TWO.pow(53).subtract(BigInteger.ONE))));
        assertEquals("-7", CanonicalJson.encodeToString(ShortNode.valueOf((short) -7)));
        assertEquals("0", CanonicalJson.encodeToString(IntNode.valueOf(0)));
    }

    @ParameterizedTest
    @ValueSource(longs = {1L << 53, -(1L << 53), Long.MAX_VALUE, Long.MIN_VALUE})
    void encode_integerOutsideSafeRange_throwsOutOfRange(long value) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(CanonicalJson.mapper().createArrayNode().add(value)));
        assertEquals(Reason.INTEGER_OUT_OF_RANGE, e.reason());
        assertEquals("/0", e.path());
    }

    @Test
    void encode_hugeBigInteger_throwsOutOfRange() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(BigIntegerNode.valueOf(BigInteger.TWO.pow(64))));
        assertEquals(Reason.INTEGER_OUT_OF_RANGE, e.reason());
    }

    static Stream<JsonNode> floatNodes() {
        return Stream.of(DoubleNode.valueOf(1.0), DoubleNode.valueOf(0.5), DoubleNode.valueOf(Double.NaN),
                DoubleNode.valueOf(Double.POSITIVE_INFINITY), FloatNode.valueOf(2f),
                DecimalNode.valueOf(new BigDecimal("1")), DecimalNode.valueOf(new BigDecimal("1E+3")));
    }

    @ParameterizedTest
    @MethodSource("floatNodes")
    void encode_floatingPointNode_throwsFloatNotAllowed(JsonNode number) {
        ObjectNode value = CanonicalJson.mapper().createObjectNode();
        value.putObject("a").putArray("b").add(1).add(number);
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class, () -> CanonicalJson.encode(value));
        assertEquals(Reason.FLOAT_NOT_ALLOWED, e.reason());
        assertEquals("/a/b/1", e.path());
    }

    @Test
    void parse_integerBounds_accepted() throws Exception {
        assertEquals(LongNode.valueOf(9007199254740991L), CanonicalJson.parse("9007199254740991"));
        assertEquals(LongNode.valueOf(-9007199254740991L), CanonicalJson.parse("-9007199254740991"));
        assertEquals(IntNode.valueOf(0), CanonicalJson.parse("-0"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"9007199254740992", "-9007199254740992", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "123456789012345678901234567890"})
    void parse_integerOutsideSafeRange_throwsOutOfRange(String number) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("{\"n\":" + number + "}"));
        assertEquals(Reason.INTEGER_OUT_OF_RANGE, e.reason());
        assertEquals("/n", e.path());
        assertTrue(e.getMessage().contains(number), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0", "0.5", "1e3", "1E3", "1e+3", "-1E-3", "-0.0", "1E400", "10000000000e0"})
    void parse_numberWithFractionOrExponent_throwsFloatNotAllowed(String number) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("[0," + number + "]"));
        assertEquals(Reason.FLOAT_NOT_ALLOWED, e.reason());
        assertEquals("/1", e.path());
    }

    // ---- structure ----

    @Test
    void parse_duplicateKey_throwsWithPath() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("{\"a\":{\"b\":1,\"c\":2,\"b\":1}}"));
        assertEquals(Reason.DUPLICATE_KEY, e.reason());
        assertEquals("/a/b", e.path());
        assertTrue(e.getMessage().contains("\"b\""), e.getMessage());
    }

    @Test
    void parse_duplicateKeyWithNullValue_throwsDuplicateKey() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("{\"a\":null,\"a\":null}"));
        assertEquals(Reason.DUPLICATE_KEY, e.reason());
    }

    @Test
    void parse_keysNeedingPointerEscapes_pathEscaped() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse("{\"a/b\":{\"c~d\":1.5}}"));
        assertEquals("/a~1b/c~0d", e.path());
    }

    @Test
    void parse_depthAtLimit_accepted() throws Exception {
        String json = "[".repeat(CanonicalJson.MAX_DEPTH) + "]".repeat(CanonicalJson.MAX_DEPTH);
        JsonNode value = CanonicalJson.parse(json);
        assertEquals(json, CanonicalJson.encodeToString(value));
    }

    @Test
    void parse_depthBeyondLimit_throwsTooDeep() {
        String json = "{\"a\":".repeat(CanonicalJson.MAX_DEPTH) + "[]" + "}".repeat(CanonicalJson.MAX_DEPTH);
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json));
        assertEquals(Reason.TOO_DEEP, e.reason());
        assertEquals("/a".repeat(CanonicalJson.MAX_DEPTH), e.path());
    }

    @Test
    void parse_veryDeepInput_throwsTooDeepWithoutStackOverflow() {
        String json = "[".repeat(100_000);
        assertEquals(Reason.TOO_DEEP, assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json)).reason());
    }

    @Test
    void encode_depthBeyondLimit_throwsTooDeep() throws Exception {
        ArrayNode root = CanonicalJson.mapper().createArrayNode();
        ArrayNode current = root;
        for (int i = 1; i < CanonicalJson.MAX_DEPTH; i++) {
            current = current.addArray();
        }
        assertEquals("[".repeat(CanonicalJson.MAX_DEPTH) + "]".repeat(CanonicalJson.MAX_DEPTH),
                CanonicalJson.encodeToString(root));
        current.addArray();
        assertEquals(Reason.TOO_DEEP, assertThrows(CanonicalJsonException.class, () -> CanonicalJson.encode(root)).reason());
    }

    @ParameterizedTest
    @ValueSource(strings = {"{} {}", "{}x", "{},", "[1]]", "1 2", "null null", "\"a\"\"b\"", "{}\u0000"})
    void parse_trailingContent_throwsTrailingContent(String json) {
        assertEquals(Reason.TRAILING_CONTENT,
                assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json)).reason());
    }

    @Test
    void parse_surroundingWhitespace_accepted() throws Exception {
        assertEquals("{\"a\":[true,false,null]}",
                CanonicalJson.encodeToString(CanonicalJson.parse(" \r\n\t{ \"a\" : [ true , false , null ] }\n ")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "{", "{\"a\"}", "{'a':1}", "{a:1}", "[1,]", "{\"a\":1,}", "NaN", "[Infinity]",
        "{\"a\":01}", "[+1]", "[.5]", "// c\n{}", "{\"a\":\"tab\there\"}", "[\"\\x\"]", "\uFEFF{}", "tru"})
    void parse_malformedJson_throwsMalformed(String json) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json));
        assertEquals(Reason.MALFORMED, e.reason(), e.getMessage());
    }

    @Test
    void parse_malformedJson_wrapsParserExceptionAsCause() {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse("{\"a\":[1,}"));
        assertEquals("/a", e.path());
        assertInstanceOf(JsonProcessingException.class, e.getCause());
        assertTrue(e.getMessage().startsWith("malformed JSON at line 1"), e.getMessage());
    }

    @Test
    void parse_invalidUtf8_throwsMalformed() {
        byte[] json = {'"', (byte) 0xc3, 0x28, '"'};
        assertEquals(Reason.MALFORMED, assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json)).reason());
    }

    @Test
    void parse_utf8EncodedSurrogate_throwsMalformed() {
        byte[] json = {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'}; // CESU-8 style U+D800
        assertEquals(Reason.MALFORMED, assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json)).reason());
    }

    @Test
    void parse_utf16Input_throwsMalformed() {
        byte[] json = "{}".getBytes(StandardCharsets.UTF_16LE);
        assertEquals(Reason.MALFORMED, assertThrows(CanonicalJsonException.class, () -> CanonicalJson.parse(json)).reason());
    }

    @Test
    void parse_bytesAndString_agree() throws Exception {
        String json = "{\"日\":[1,\"\uD83D\uDE00\",{\"x\":null}],\"big\":4294967296}";
        assertEquals(CanonicalJson.parse(json), CanonicalJson.parse(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void parse_sameTreeAsMapperReadTree() throws Exception {
        String json = "{\"a\":[1,-2,4294967296,\"s\",true,null,{}],\"b\":{\"c\":\"d\"}}";
        assertEquals(CanonicalJson.mapper().readTree(json), CanonicalJson.parse(json));
    }

    @Test
    void parse_scalarRoot_accepted() throws Exception {
        assertEquals("\"x\"", CanonicalJson.encodeToString(CanonicalJson.parse("\"x\"")));
        assertEquals("42", CanonicalJson.encodeToString(CanonicalJson.parse("42")));
        assertEquals("null", CanonicalJson.encodeToString(CanonicalJson.parse("null")));
    }

    @Test
    void encode_nodesWithoutJsonForm_throwsUnsupported() {
        assertEquals(Reason.UNSUPPORTED_VALUE, assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(BinaryNode.valueOf(new byte[] {1}))).reason());
        assertEquals(Reason.UNSUPPORTED_VALUE, assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(new POJONode(new Object()))).reason());
        assertEquals(Reason.UNSUPPORTED_VALUE, assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.encode(CanonicalJson.mapper().createObjectNode().path("missing"))).reason());
    }

    @Test
    void encode_doesNotModifyInput() throws Exception {
        JsonNode value = CanonicalJson.mapper().readTree("{\"b\":1,\"a\":2}");
        CanonicalJson.encode(value);
        assertEquals("{\"b\":1,\"a\":2}", value.toString());
    }

    @Test
    void encodeToString_equalsDecodedBytes() throws Exception {
        JsonNode value = CanonicalJson.parse("{\"z\":\"\u2028\uD83D\uDE00\",\"a\":[\"\\u0001\"]}");
        assertEquals(CanonicalJson.encodeToString(value),
                new String(CanonicalJson.encode(value), StandardCharsets.UTF_8));
    }

    // ---- the shared mapper ----

    @Test
    void mapper_readTree_rejectsDuplicateKeysAndTrailingTokens() {
        assertThrows(JsonProcessingException.class, () -> CanonicalJson.mapper().readTree("{\"a\":1,\"a\":2}"));
        assertThrows(JsonProcessingException.class, () -> CanonicalJson.mapper().readTree("{} {}"));
    }

    @Test
    void exception_message_namesPathAndNeverRoot() {
        CanonicalJsonException atRoot = new CanonicalJsonException(Reason.MALFORMED, "", "x");
        CanonicalJsonException nested = new CanonicalJsonException(Reason.MALFORMED, "/a/0", "x");
        assertEquals("x (at the document root)", atRoot.getMessage());
        assertEquals("x (at /a/0)", nested.getMessage());
        assertFalse(nested.getMessage().contains("Jackson"));
    }
}
