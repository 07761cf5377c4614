package dev.byob.protocol.vectors;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.JsonEdit;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.SignedContent;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code messages-valid.json} and {@code messages-invalid.json} against the codec and signature checks. */
class MessageVectorsTest {

    private static final List<JsonNode> VALID = list(VectorFiles.MESSAGES_VALID);
    private static final List<JsonNode> INVALID = list(VectorFiles.MESSAGES_INVALID);

    private static List<JsonNode> list(String file) {
        return StreamSupport.stream(VectorFiles.read(file).get("vectors").spliterator(), false).toList();
    }

    static Stream<Arguments> valid() {
        return VALID.stream().map(v -> Arguments.of(v.get("name").asText(), v));
    }

    static Stream<Arguments> invalid() {
        return INVALID.stream().map(v -> Arguments.of(v.get("name").asText(), v));
    }

    private static MessageType type(JsonNode vector) {
        return MessageType.fromEventType(vector.get("event_type").asText()).orElseThrow();
    }

    private static VerifyKey key(JsonNode signer) {
        return VerifyKey.fromBase64(KeyId.parse(signer.get("key_id").asText()), signer.get("public_key").asText());
    }

    private static UserId entity(JsonNode signer) {
        return new UserId(signer.get("entity").asText());
    }

    // ---- valid

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void decode_validVector_reencodesToExpectedCanonicalJson(String name, JsonNode v) throws Exception {
        ByobMessage message = MessageCodec.decode(v.get("event_type").asText(), v.get("content"));
        assertEquals(type(v), message.type());
        assertEquals(v.get("encoded").asText(), CanonicalJson.encodeToString(MessageCodec.encode(message)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void encoded_validVector_isContentWithoutSignaturesAndIgnoredFields(String name, JsonNode v) throws Exception {
        ObjectNode content = ((ObjectNode) v.get("content")).deepCopy();
        content.remove("signatures");
        for (JsonNode pointer : v.path("ignored_fields")) {
            content = JsonEdit.remove(content, pointer.asText());
        }
        assertEquals(v.get("encoded").asText(), CanonicalJson.encodeToString(content));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("valid")
    void verify_signedValidVector_verifiesAndSeedReproducesSignature(String name, JsonNode v) throws Exception {
        MessageType type = type(v);
        JsonNode signer = v.get("signer");
        ObjectNode content = (ObjectNode) v.get("content");
        if (type.sender() == MessageType.Sender.VISITING) {
            assertTrue(signer != null, "messages the visiting bridge sends are signed");
        }
        if (signer == null) {
            assertFalse(content.has("signatures"));
            return;
        }
        assertDoesNotThrow(() -> SignedContent.verify(content, entity(signer), key(signer)));
        SigningKey seed = SigningKey.fromSeedBase64(KeyId.parse(signer.get("key_id").asText()), signer.get("seed").asText());
        assertEquals(key(signer), seed.verifyKey());
        ByobMessage message = MessageCodec.decode(type.eventType(), content);
        if (!v.has("ignored_fields")) {
            assertEquals(content.get("signatures"), SignedContent.sign(message, entity(signer), seed).get("signatures"));
        }
        if (type == MessageType.REQUEST) {
            assertEquals(signer.get("entity").asText(), content.at("/vb/bot").asText());
            assertEquals(signer.get("key_id").asText(), content.at("/vb/key/key_id").asText());
            assertEquals(signer.get("public_key").asText(), content.at("/vb/key/public_key").asText());
        }
    }

    @Test
    void validVectors_allMessageTypes_covered() {
        Set<MessageType> covered = EnumSet.noneOf(MessageType.class);
        VALID.forEach(v -> covered.add(type(v)));
        assertEquals(EnumSet.allOf(MessageType.class), covered);
    }

    @Test
    void validVectors_everyOptionalField_presentInOneAndAbsentInAnother() {
        // type, the objects holding the field ("/*" = every element of that array), the field
        List<String[]> optional = List.of(
                new String[] {"challenge", "/matrix_proof", "room_id"},
                new String[] {"answer", "/matrix_proof", "event_id"},
                new String[] {"answer", "/matrix_proof", "room_id"},
                new String[] {"answer", "/matrix_proof", "openid"},
                new String[] {"lease", "/filled_in/*", "matrix_event_id"},
                new String[] {"lease", "/filled_in/*", "remote_msgid"},
                new String[] {"lease", "/filled_in/*", "room_id"},
                new String[] {"release", "", "reason"},
                new String[] {"cancel", "", "signatures"});
        for (String[] o : optional) {
            Set<Boolean> seen = new HashSet<>();
            for (JsonNode v : VALID) {
                if (!type(v).suffix().equals(o[0])) {
                    continue;
                }
                JsonNode content = v.get("content");
                Iterable<JsonNode> holders = o[1].endsWith("/*")
                        ? content.at(o[1].substring(0, o[1].length() - 2)) : List.of(content.at(o[1]));
                holders.forEach(h -> seen.add(h.has(o[2])));
            }
            assertEquals(Set.of(true, false), seen, String.join(" ", o));
        }
    }

    // ---- invalid

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalid")
    void check_invalidVector_failsWithExpectedErrorAndPointer(String name, JsonNode v) throws Exception {
        String eventType = v.get("event_type").asText();
        JsonNode content = v.get("content");
        DecodeException e;
        if (v.has("verify_with")) {
            MessageCodec.decode(eventType, content); // decodes fine: only the signature is wrong
            JsonNode signer = v.get("verify_with");
            e = assertThrows(DecodeException.class, () -> SignedContent.verify(content, entity(signer), key(signer)));
        } else {
            e = assertThrows(DecodeException.class, () -> MessageCodec.decode(eventType, content));
        }
        DecodeException thrown = e;
        assertAll(() -> assertEquals(v.get("error").asText(), thrown.code().wire(), thrown.getMessage()),
                () -> assertEquals(v.get("pointer").asText(), thrown.pointer(), thrown.getMessage()));
    }

    @Test
    void invalidVectors_requestSignatureCases_verifyWithTheContentsOwnKey() {
        for (JsonNode v : INVALID) {
            if (v.has("verify_with") && MessageType.fromEventType(v.get("event_type").asText()).orElseThrow() == MessageType.REQUEST) {
                JsonNode signer = v.get("verify_with");
                assertEquals(signer.get("entity").asText(), v.get("content").at("/vb/bot").asText(), v.get("name").asText());
                assertEquals(signer.get("public_key").asText(), v.get("content").at("/vb/key/public_key").asText());
            }
        }
    }

    @Test
    void invalidVectors_everyMessageType_hasEveryApplicableErrorClass() {
        Map<MessageType, Set<String>> errors = new EnumMap<>(MessageType.class);
        for (JsonNode v : INVALID) {
            MessageType.fromEventType(v.get("event_type").asText())
                    .ifPresent(t -> errors.computeIfAbsent(t, k -> new HashSet<>()).add(v.get("error").asText()));
        }
        Set<String> common = Set.of("malformed_json", "unsupported_version", "missing_field", "wrong_type",
                "invalid_format", "too_large");
        for (MessageType type : MessageType.values()) {
            Set<String> expected = new HashSet<>(common);
            if (type != MessageType.MATRIX_PROOF) {
                expected.add("out_of_range");
            }
            if (type.sender() == MessageType.Sender.VISITING || type == MessageType.CANCEL) {
                expected.add("bad_signature");
            }
            assertTrue(errors.get(type).containsAll(expected), type + " has " + errors.get(type));
        }
        assertTrue(INVALID.stream().anyMatch(v -> v.get("error").asText().equals("unknown_type")));
    }
}
