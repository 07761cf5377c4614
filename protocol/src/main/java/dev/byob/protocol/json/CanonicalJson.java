package dev.byob.protocol.json;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.byob.protocol.json.CanonicalJsonException.Reason;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * Matrix canonical JSON (Matrix specification, appendix "Canonical JSON") and the strict JSON parser
 * used throughout byob.
 *
 * <p>{@link #encode(JsonNode)} yields the exact bytes that Matrix signs and hashes: UTF-8, no
 * insignificant whitespace, object keys sorted by Unicode code point, integers only (within
 * &plusmn;(2<sup>53</sup>&minus;1)), and the minimal string escaping of the specification's grammar.
 * Two implementations that follow the specification produce the same bytes for the same value, so a
 * bridge never signs or verifies anything other than these bytes.
 *
 * <p>{@link #parse(byte[])} accepts exactly the JSON that can be canonicalized: it rejects duplicate
 * keys, fractions and exponents (even {@code 1.0} or {@code 1e3}), out-of-range integers, unpaired
 * surrogates, nesting deeper than {@link #MAX_DEPTH} and trailing content. Incoming protocol JSON
 * should go through it before anything else looks at it.
 *
 * <p>All methods are thread-safe.
 */
public final class CanonicalJson {

    /** Deepest nesting of objects and arrays that {@link #parse} and {@link #encode} accept. */
    public static final int MAX_DEPTH = 64;

    /** Largest integer allowed in canonical JSON: 2<sup>53</sup>&minus;1. */
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;

    /** Smallest integer allowed in canonical JSON: &minus;(2<sup>53</sup>&minus;1). */
    public static final long MIN_SAFE_INTEGER = -MAX_SAFE_INTEGER;

    /**
     * Orders strings by Unicode code point, which is also the order of their UTF-8 bytes. It differs
     * from {@link String#compareTo}, which compares UTF-16 units and so puts supplementary
     * characters (surrogate pairs, 0xD800..0xDFFF) before U+E000..U+FFFF.
     */
    public static final Comparator<String> CODE_POINT_ORDER = CanonicalJson::compareCodePoints;

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    // parse() does its own checks so it can report a reason and a path; Jackson's depth limit sits
    // one level above ours so that ours fires first. The factory is private so no caller can loosen it.
    private static final JsonFactory PARSE_FACTORY = factory(MAX_DEPTH + 1, false);

    private static final ObjectMapper MAPPER = JsonMapper.builder(factory(MAX_DEPTH, true))
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private CanonicalJson() {}

    private static JsonFactory factory(int maxDepth, boolean strictDuplicates) {
        var builder = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth).build());
        if (strictDuplicates) {
            builder.enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION);
        }
        return builder.build();
    }

    /**
     * Returns the shared, strictly configured mapper: duplicate keys and trailing tokens fail, and
     * nesting is limited to {@link #MAX_DEPTH}. Use it to build trees ({@code createObjectNode()},
     * {@code valueToTree}) and to bind trees to types. It is shared: do not reconfigure it; use
     * {@code mapper().copy()} or {@code mapper().reader().with(...)} for variations.
     *
     * <p>Unlike {@link #parse}, {@code mapper().readTree} does not reject floats; parse untrusted
     * input with {@link #parse}.
     *
     * @return the shared mapper
     */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /**
     * Encodes a value as Matrix canonical JSON.
     *
     * @param value any JSON value (object, array, string, integer, boolean or null)
     * @return the UTF-8 bytes of the canonical encoding
     * @throws CanonicalJsonException if the value holds a non-integer number, an integer outside
     *     &plusmn;(2<sup>53</sup>&minus;1), an unpaired surrogate, a non-JSON node, or nesting deeper
     *     than {@link #MAX_DEPTH}
     */
    public static byte[] encode(JsonNode value) throws CanonicalJsonException {
        // Exact: writeString has rejected unpaired surrogates, the only thing UTF-8 cannot encode.
        return encodeToString(value).getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Encodes a value as Matrix canonical JSON, returned as a string (for logs, tests and text
     * transports; sign and hash the bytes from {@link #encode}).
     *
     * @param value any JSON value
     * @return the canonical encoding
     * @throws CanonicalJsonException as for {@link #encode}
     */
    public static String encodeToString(JsonNode value) throws CanonicalJsonException {
        Objects.requireNonNull(value, "value");
        StringBuilder out = new StringBuilder();
        write(value, out, new ArrayList<>(), 0);
        return out.toString();
    }

    /**
     * Parses UTF-8 JSON strictly: the result is guaranteed to be encodable by {@link #encode}.
     *
     * <p>Integers come back as {@code IntNode} when they fit in an {@code int} and as
     * {@code LongNode} otherwise, the same node types {@code mapper().readTree} produces.
     *
     * @param json the document, UTF-8 without byte order mark
     * @return the parsed value
     * @throws CanonicalJsonException if the input is not valid UTF-8 or not a single well-formed
     *     JSON value, or if it has duplicate keys, non-integer numbers, integers outside
     *     &plusmn;(2<sup>53</sup>&minus;1), unpaired surrogates or nesting deeper than
     *     {@link #MAX_DEPTH}
     */
    public static JsonNode parse(byte[] json) throws CanonicalJsonException {
        Objects.requireNonNull(json, "json");
        String text;
        try {
            // Decode ourselves: Jackson would guess UTF-16/32 from the byte pattern and could
            // substitute malformed sequences; Matrix JSON is UTF-8 only.
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(json))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, "", "input is not valid UTF-8", e);
        }
        return parse(text);
    }

    /**
     * Parses JSON text strictly; see {@link #parse(byte[])}.
     *
     * @param json the document
     * @return the parsed value
     * @throws CanonicalJsonException as for {@link #parse(byte[])}
     */
    public static JsonNode parse(String json) throws CanonicalJsonException {
        Objects.requireNonNull(json, "json");
        List<String> path = new ArrayList<>();
        try (JsonParser parser = PARSE_FACTORY.createParser(json)) {
            JsonToken first = next(parser, path);
            if (first == null) {
                throw new CanonicalJsonException(Reason.MALFORMED, "", "empty document");
            }
            JsonNode root = read(parser, first, path, 0);
            JsonToken extra;
            try {
                extra = parser.nextToken();
            } catch (JsonProcessingException e) {
                throw new CanonicalJsonException(
                        Reason.TRAILING_CONTENT, "", "unexpected content after the JSON value", e);
            }
            if (extra != null) {
                throw new CanonicalJsonException(
                        Reason.TRAILING_CONTENT, "", "unexpected content after the JSON value");
            }
            return root;
        } catch (IOException e) {
            // Only creating or closing a parser over a String can get here; neither does I/O.
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "cannot read JSON", e);
        }
    }

    private static JsonToken next(JsonParser parser, List<String> path) throws CanonicalJsonException {
        try {
            return parser.nextToken();
        } catch (StreamConstraintsException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path),
                    "input exceeds parser limits: " + e.getOriginalMessage(), e);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path),
                    "malformed JSON" + where + ": " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "cannot read JSON", e);
        }
    }

    private static JsonNode read(JsonParser parser, JsonToken token, List<String> path, int depth)
            throws CanonicalJsonException {
        switch (token) {
            case START_OBJECT: {
                checkDepth(depth, path);
                ObjectNode object = NODES.objectNode();
                while (next(parser, path) == JsonToken.FIELD_NAME) {
                    String key = currentName(parser, path);
                    path.add(key);
                    checkString(key, path);
                    if (object.has(key)) {
                        throw new CanonicalJsonException(Reason.DUPLICATE_KEY, pointer(path),
                                "duplicate key \"" + key + "\"");
                    }
                    object.set(key, read(parser, next(parser, path), path, depth + 1));
                    path.remove(path.size() - 1);
                }
                return object; // the parser guarantees the loop ended on END_OBJECT
            }
            case START_ARRAY: {
                checkDepth(depth, path);
                ArrayNode array = NODES.arrayNode();
                JsonToken element;
                while ((element = next(parser, path)) != JsonToken.END_ARRAY) {
                    path.add(Integer.toString(array.size()));
                    array.add(read(parser, element, path, depth + 1));
                    path.remove(path.size() - 1);
                }
                return array;
            }
            case VALUE_STRING: {
                String text = text(parser, path);
                checkString(text, path);
                return TextNode.valueOf(text);
            }
            case VALUE_NUMBER_INT:
                return integer(parser, path);
            case VALUE_NUMBER_FLOAT:
                throw new CanonicalJsonException(Reason.FLOAT_NOT_ALLOWED, pointer(path),
                        "number " + text(parser, path) + " has a fraction or exponent; only integers are allowed");
            case VALUE_TRUE:
                return BooleanNode.TRUE;
            case VALUE_FALSE:
                return BooleanNode.FALSE;
            case VALUE_NULL:
                return NullNode.instance;
            default:
                throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "unexpected token " + token);
        }
    }

    private static JsonNode integer(JsonParser parser, List<String> path) throws CanonicalJsonException {
        try {
            if (parser.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
                long value = parser.getLongValue();
                if (value >= MIN_SAFE_INTEGER && value <= MAX_SAFE_INTEGER) {
                    // Same node types as ObjectMapper.readTree, so trees compare equal.
                    return value == (int) value ? IntNode.valueOf((int) value) : LongNode.valueOf(value);
                }
            }
            throw outOfRange(parser.getText(), path);
        } catch (IOException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "cannot read number", e);
        }
    }

    private static String currentName(JsonParser parser, List<String> path) throws CanonicalJsonException {
        try {
            return parser.currentName();
        } catch (IOException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "cannot read key", e);
        }
    }

    private static String text(JsonParser parser, List<String> path) throws CanonicalJsonException {
        try {
            return parser.getText();
        } catch (IOException e) {
            throw new CanonicalJsonException(Reason.MALFORMED, pointer(path), "cannot read value", e);
        }
    }

    private static void checkDepth(int depth, List<String> path) throws CanonicalJsonException {
        if (depth >= MAX_DEPTH) {
            throw new CanonicalJsonException(Reason.TOO_DEEP, pointer(path),
                    "objects and arrays are nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private static CanonicalJsonException outOfRange(String number, List<String> path) {
        return new CanonicalJsonException(Reason.INTEGER_OUT_OF_RANGE, pointer(path),
                "integer " + number + " is outside [-(2^53-1), 2^53-1]");
    }

    private static void checkString(String s, List<String> path) throws CanonicalJsonException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (!Character.isHighSurrogate(c) || i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw unpairedSurrogate(i, path);
                }
                i++;
            }
        }
    }

    private static CanonicalJsonException unpairedSurrogate(int index, List<String> path) {
        return new CanonicalJsonException(Reason.INVALID_STRING, pointer(path),
                "unpaired UTF-16 surrogate at index " + index + " cannot be encoded as UTF-8");
    }

    private static void write(JsonNode node, StringBuilder out, List<String> path, int depth)
            throws CanonicalJsonException {
        switch (node.getNodeType()) {
            case OBJECT: {
                checkDepth(depth, path);
                List<String> keys = new ArrayList<>(node.size());
                node.fieldNames().forEachRemaining(keys::add);
                keys.sort(CODE_POINT_ORDER);
                out.append('{');
                for (int i = 0; i < keys.size(); i++) {
                    String key = keys.get(i);
                    if (i > 0) {
                        out.append(',');
                    }
                    path.add(key);
                    writeString(key, out, path);
                    out.append(':');
                    write(node.get(key), out, path, depth + 1);
                    path.remove(path.size() - 1);
                }
                out.append('}');
                return;
            }
            case ARRAY: {
                checkDepth(depth, path);
                out.append('[');
                Iterator<JsonNode> elements = node.elements();
                for (int i = 0; elements.hasNext(); i++) {
                    if (i > 0) {
                        out.append(',');
                    }
                    path.add(Integer.toString(i));
                    write(elements.next(), out, path, depth + 1);
                    path.remove(path.size() - 1);
                }
                out.append(']');
                return;
            }
            case STRING:
                writeString(node.textValue(), out, path);
                return;
            case NUMBER:
                if (!node.isIntegralNumber()) {
                    // Double, float and BigDecimal nodes, even 1.0 or 1E+3: the grammar has no
                    // fractions or exponents and callers must not rely on silent conversion.
                    throw new CanonicalJsonException(Reason.FLOAT_NOT_ALLOWED, pointer(path),
                            "number " + node.asText() + " is not an integer node; only integers are allowed");
                }
                if (!node.canConvertToLong()) {
                    throw outOfRange(node.asText(), path);
                }
                long value = node.longValue();
                if (value < MIN_SAFE_INTEGER || value > MAX_SAFE_INTEGER) {
                    throw outOfRange(Long.toString(value), path);
                }
                out.append(value);
                return;
            case BOOLEAN:
                out.append(node.booleanValue());
                return;
            case NULL:
                out.append("null");
                return;
            default:
                throw new CanonicalJsonException(Reason.UNSUPPORTED_VALUE, pointer(path),
                        node.getNodeType() + " node has no JSON representation");
        }
    }

    // The escaping of the specification's grammar: '"', '\\' and U+0000..U+001F only, using the
    // two-character forms where they exist and lowercase \\u00XX otherwise. Everything else,
    // including '/', U+007F, U+2028/U+2029 and supplementary characters, is written literally.
    private static void writeString(String s, StringBuilder out, List<String> path) throws CanonicalJsonException {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                default:
                    if (c < 0x20) {
                        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else if (Character.isSurrogate(c)) {
                        if (!Character.isHighSurrogate(c) || i + 1 >= s.length()
                                || !Character.isLowSurrogate(s.charAt(i + 1))) {
                            throw unpairedSurrogate(i, path);
                        }
                        out.append(c).append(s.charAt(++i));
                    } else {
                        out.append(c);
                    }
            }
        }
        out.append('"');
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    }

    /** Builds an RFC 6901 JSON pointer, escaping '~' and '/' in segments. */
    private static String pointer(List<String> path) {
        StringBuilder sb = new StringBuilder();
        for (String segment : path) {
            sb.append('/').append(segment.replace("~", "~0").replace("/", "~1"));
        }
        return sb.toString();
    }
}
