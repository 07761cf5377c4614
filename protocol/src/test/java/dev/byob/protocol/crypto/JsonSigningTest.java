package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Vectors;
import dev.byob.protocol.crypto.SignatureVerificationException.Reason;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class JsonSigningTest {

    private static final JsonNode SPEC = Vectors.load("matrix-signing-json.json");
    private static final String ENTITY = SPEC.get("entity").asText();
    private static final SigningKey SPEC_KEY =
            SigningKey.fromSeedBase64(KeyId.parse(SPEC.get("keyId").asText()), SPEC.get("seed").asText());
    private static final SigningKey OTHER_KEY = SigningKey.generate(KeyId.ed25519("2"), new SecureRandom());

    static Stream<Arguments> specExamples() {
        return StreamSupport.stream(SPEC.get("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), c.get("input").asText(), c.get("signed").asText()));
    }

    private static ObjectNode object(String json) throws CanonicalJsonException {
        return (ObjectNode) CanonicalJson.parse(json);
    }

    // ---- golden vectors from the Matrix specification ----

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void sign_specExample_producesSpecSignedObject(String name, String input, String signed) throws Exception {
        assertEquals(object(signed), JsonSigning.sign(object(input), ENTITY, SPEC_KEY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("specExamples")
    void verify_specSignedObject_succeeds(String name, String input, String signed) throws Exception {
        VerifyKey key = VerifyKey.fromBase64(SPEC_KEY.keyId(), SPEC.get("publicKey").asText());
        assertDoesNotThrow(() -> JsonSigning.verify(object(signed), ENTITY, key));
    }

    // ---- sign ----

    @Test
    void sign_input_isNotModified() throws Exception {
        ObjectNode input = object("{\"a\":1,\"signatures\":{\"x\":{\"ed25519:9\":\"c2ln\"}},\"unsigned\":{\"age\":5}}");
        ObjectNode before = input.deepCopy();
        JsonSigning.sign(input, ENTITY, SPEC_KEY);
        assertEquals(before, input);
    }

    @Test
    void sign_existingSignaturesAndUnsigned_keptAndSignatureAdded() throws Exception {
        ObjectNode input = object("{\"one\":1,\"two\":\"Two\",\"unsigned\":{\"age_ts\":922834800000},"
                + "\"signatures\":{\"other.example\":{\"ed25519:x\":\"c2ln\"},\"domain\":{\"ed25519:old\":\"b2xk\"}}}");
        ObjectNode signed = JsonSigning.sign(input, ENTITY, SPEC_KEY);
        assertEquals(input.get("unsigned"), signed.get("unsigned"));
        assertEquals("c2ln", signed.at("/signatures/other.example/ed25519:x").asText());
        assertEquals("b2xk", signed.at("/signatures/domain/ed25519:old").asText());
        // unsigned and other signatures are not covered: same signature as the spec's example
        assertEquals("KqmLSbO39/Bzb0QIYE82zqLwsA+PDzYIpIRA2sRQ4sL53+sN6/fpNSoqE7BP7vBZhG6kYdD13EIMJpvhJI+6Bw",
                signed.at("/signatures/domain/ed25519:1").asText());
    }

    @Test
    void sign_alreadySignedBySameKey_replacesSignature() throws Exception {
        ObjectNode stale = object("{\"one\":1,\"two\":\"Two\",\"signatures\":{\"domain\":{\"ed25519:1\":\"c3RhbGU\"}}}");
        ObjectNode signed = JsonSigning.sign(stale, ENTITY, SPEC_KEY);
        assertEquals(1, signed.get("signatures").get("domain").size());
        assertDoesNotThrow(() -> JsonSigning.verify(signed, ENTITY, SPEC_KEY.verifyKey()));
    }

    @Test
    void sign_twoEntities_bothVerify() throws Exception {
        ObjectNode once = JsonSigning.sign(object("{\"x\":[1,2]}"), "a.example", SPEC_KEY);
        ObjectNode twice = JsonSigning.sign(once, "b.example", OTHER_KEY);
        assertDoesNotThrow(() -> JsonSigning.verify(twice, "a.example", SPEC_KEY.verifyKey()));
        assertDoesNotThrow(() -> JsonSigning.verify(twice, "b.example", OTHER_KEY.verifyKey()));
    }

    @Test
    void sign_floatInContent_throwsCanonicalJsonException() {
        ObjectNode input = CanonicalJson.mapper().createObjectNode().put("ratio", 0.5);
        CanonicalJsonException e = assertThrows(CanonicalJsonException.class, () -> JsonSigning.sign(input, ENTITY, SPEC_KEY));
        assertEquals(CanonicalJsonException.Reason.FLOAT_NOT_ALLOWED, e.reason());
        assertEquals("/ratio", e.path());
    }

    @Test
    void sign_floatInUnsigned_allowedBecauseNotCovered() throws Exception {
        ObjectNode input = object("{\"a\":1}");
        input.putObject("unsigned").put("ratio", 0.5);
        ObjectNode signed = JsonSigning.sign(input, ENTITY, SPEC_KEY);
        assertDoesNotThrow(() -> JsonSigning.verify(signed, ENTITY, SPEC_KEY.verifyKey()));
    }

    @Test
    void sign_signaturesNotAnObject_throwsIllegalArgument() throws Exception {
        assertThrows(IllegalArgumentException.class,
                () -> JsonSigning.sign(object("{\"signatures\":[]}"), ENTITY, SPEC_KEY));
        assertThrows(IllegalArgumentException.class,
                () -> JsonSigning.sign(object("{\"signatures\":{\"domain\":\"x\"}}"), ENTITY, SPEC_KEY));
        assertThrows(IllegalArgumentException.class, () -> JsonSigning.sign(object("{}"), "", SPEC_KEY));
    }

    // ---- verify ----

    @Test
    void verify_unsignedAddedAfterSigning_stillSucceeds() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{\"a\":\"b\"}"), ENTITY, SPEC_KEY);
        signed.putObject("unsigned").put("age", 1234).put("ratio", 1.5);
        assertDoesNotThrow(() -> JsonSigning.verify(signed, ENTITY, SPEC_KEY.verifyKey()));
    }

    @Test
    void verify_contentChanged_throwsInvalidSignature() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{\"a\":\"b\"}"), ENTITY, SPEC_KEY);
        signed.put("a", "c");
        assertReason(Reason.INVALID_SIGNATURE, signed, ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_fieldAdded_throwsInvalidSignature() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{\"a\":\"b\"}"), ENTITY, SPEC_KEY);
        signed.put("extra", true);
        assertReason(Reason.INVALID_SIGNATURE, signed, ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_noSignatures_throwsMissingSignatures() throws Exception {
        assertReason(Reason.MISSING_SIGNATURES, object("{\"a\":1}"), ENTITY, SPEC_KEY.verifyKey());
        assertReason(Reason.MISSING_SIGNATURES, object("{\"a\":1,\"signatures\":\"x\"}"), ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_otherEntity_throwsNoSignatureForEntity() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        assertReason(Reason.NO_SIGNATURE_FOR_ENTITY, signed, "elsewhere.example", SPEC_KEY.verifyKey());
    }

    @Test
    void verify_otherKeyId_throwsNoSignatureForKey() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        assertReason(Reason.NO_SIGNATURE_FOR_KEY, signed, ENTITY, OTHER_KEY.verifyKey());
    }

    @Test
    void verify_sameKeyIdButOtherKey_throwsInvalidSignature() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        VerifyKey impostor = VerifyKey.create(SPEC_KEY.keyId(), OTHER_KEY.verifyKey().publicKey());
        assertReason(Reason.INVALID_SIGNATURE, signed, ENTITY, impostor);
    }

    @Test
    void verify_signatureNotBase64_throwsMalformedSignature() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        ((ObjectNode) signed.get("signatures").get(ENTITY)).put("ed25519:1", "not*base64");
        SignatureVerificationException e = assertReason(Reason.MALFORMED_SIGNATURE, signed, ENTITY, SPEC_KEY.verifyKey());
        assertInstanceOf(IllegalArgumentException.class, e.getCause());
    }

    @Test
    void verify_signatureWrongLength_throwsMalformedSignature() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        ((ObjectNode) signed.get("signatures").get(ENTITY)).put("ed25519:1", Base64Unpadded.encode(new byte[63]));
        assertReason(Reason.MALFORMED_SIGNATURE, signed, ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_signatureNotString_throwsMalformedSignature() throws Exception {
        ObjectNode signed = object("{\"signatures\":{\"domain\":{\"ed25519:1\":42}}}");
        assertReason(Reason.MALFORMED_SIGNATURE, signed, ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_entityEntryNotObject_throwsMalformedSignature() throws Exception {
        assertReason(Reason.MALFORMED_SIGNATURE, object("{\"signatures\":{\"domain\":[]}}"), ENTITY, SPEC_KEY.verifyKey());
    }

    @Test
    void verify_paddedSignature_accepted() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{}"), ENTITY, SPEC_KEY);
        ObjectNode entry = (ObjectNode) signed.get("signatures").get(ENTITY);
        entry.put("ed25519:1", entry.get("ed25519:1").asText() + "==");
        assertDoesNotThrow(() -> JsonSigning.verify(signed, ENTITY, SPEC_KEY.verifyKey()));
    }

    @Test
    void verify_contentNotCanonical_throwsNotCanonical() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{\"a\":1}"), ENTITY, SPEC_KEY);
        signed.put("a", 1.0);
        SignatureVerificationException e = assertReason(Reason.NOT_CANONICAL, signed, ENTITY, SPEC_KEY.verifyKey());
        assertInstanceOf(CanonicalJsonException.class, e.getCause());
    }

    @Test
    void verify_keyOrderAndWhitespaceOfReceivedJson_irrelevant() throws Exception {
        String signed = JsonSigning.sign(object("{\"b\":[1,{\"d\":\"\u2028\",\"c\":null}],\"a\":\"x\"}"), ENTITY, SPEC_KEY).toString();
        ObjectNode reparsed = object(signed.replace(",", " ,\n "));
        assertDoesNotThrow(() -> JsonSigning.verify(reparsed, ENTITY, SPEC_KEY.verifyKey()));
    }

    // ---- signingBytes ----

    @Test
    void signingBytes_stripsSignaturesAndUnsigned() throws Exception {
        // built with the mapper: parse() would refuse the float even where it is not signed
        ObjectNode input = (ObjectNode) CanonicalJson.mapper().readTree("{\"b\":2,\"a\":1,\"signatures\":{},\"unsigned\":{\"x\":1.5}}");
        assertArrayEquals("{\"a\":1,\"b\":2}".getBytes(StandardCharsets.UTF_8), JsonSigning.signingBytes(input));
        assertEquals(4, input.size(), "input untouched");
    }

    @Test
    void signingBytes_nestedSignaturesAndUnsigned_kept() throws Exception {
        ObjectNode input = object("{\"content\":{\"signatures\":1,\"unsigned\":2}}");
        assertArrayEquals("{\"content\":{\"signatures\":1,\"unsigned\":2}}".getBytes(StandardCharsets.UTF_8),
                JsonSigning.signingBytes(input));
    }

    @Test
    void signingBytes_signedObject_verifiesWithRawKey() throws Exception {
        ObjectNode signed = JsonSigning.sign(object("{\"k\":\"v\"}"), ENTITY, SPEC_KEY);
        byte[] signature = Base64Unpadded.decode(signed.at("/signatures/domain/ed25519:1").asText());
        assertDoesNotThrow(() -> SPEC_KEY.verifyKey().verify(JsonSigning.signingBytes(signed), signature));
    }

    private static SignatureVerificationException assertReason(Reason reason, ObjectNode object, String entity, VerifyKey key) {
        SignatureVerificationException e = assertThrows(SignatureVerificationException.class,
                () -> JsonSigning.verify(object, entity, key));
        assertEquals(reason, e.reason(), e.getMessage());
        return e;
    }
}
