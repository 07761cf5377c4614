package dev.byob.protocol.vectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spec-notes/vectors/canonical-json.json} against {@link CanonicalJson}. */
class CanonicalJsonVectorsTest {

    private static final JsonNode FILE = VectorFiles.read(VectorFiles.CANONICAL_JSON);

    static Stream<Arguments> valid() {
        return cases("valid");
    }

    static Stream<Arguments> invalid() {
        return cases("invalid");
    }

    private static Stream<Arguments> cases(String list) {
        return StreamSupport.stream(FILE.get(list).spliterator(), false).map(c -> Arguments.of(c.get("name").asText(), c));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void encode_validInput_isExpectedCanonicalBytes(String name, JsonNode c) throws Exception {
        byte[] input = c.get("input").asText().getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(c.get("canonical").asText().getBytes(StandardCharsets.UTF_8),
                CanonicalJson.encode(CanonicalJson.parse(input)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void encode_canonicalOutput_isFixedPoint(String name, JsonNode c) throws Exception {
        String canonical = c.get("canonical").asText();
        assertEquals(canonical, CanonicalJson.encodeToString(CanonicalJson.parse(canonical)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void parse_invalidInput_rejectedWithReasonAndPointer(String name, JsonNode c) {
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class,
                () -> CanonicalJson.parse(c.get("input").asText().getBytes(StandardCharsets.UTF_8)));
        assertEquals(c.get("error").asText(), e.reason().name().toLowerCase(Locale.ROOT), e.getMessage());
        if (c.has("pointer")) {
            assertEquals(c.get("pointer").asText(), e.path());
        }
    }
}
