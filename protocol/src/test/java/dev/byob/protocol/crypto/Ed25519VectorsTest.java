package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.Vectors;
import dev.byob.protocol.crypto.SignatureVerificationException.Reason;
import java.util.Arrays;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** RFC 8032 section 7.1 test vectors, through the public key API. */
class Ed25519VectorsTest {

    private static final KeyId ID = KeyId.ed25519("rfc");

    static Stream<Arguments> vectors() {
        return StreamSupport.stream(Vectors.load("rfc8032-ed25519.json").get("cases").spliterator(), false)
                .map(c -> Arguments.of(c.get("name").asText(), c));
    }

    private static byte[] hex(JsonNode vector, String field) {
        return Vectors.hex(vector.get(field).asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void fromSeed_rfc8032Vector_derivesPublicKey(String name, JsonNode vector) {
        SigningKey key = SigningKey.fromSeed(ID, hex(vector, "secretKey"));
        assertArrayEquals(hex(vector, "publicKey"), key.verifyKey().publicKey());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void sign_rfc8032Vector_producesExpectedSignature(String name, JsonNode vector) {
        SigningKey key = SigningKey.fromSeed(ID, hex(vector, "secretKey"));
        assertArrayEquals(hex(vector, "signature"), key.sign(hex(vector, "message")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verify_rfc8032Vector_succeeds(String name, JsonNode vector) {
        VerifyKey key = VerifyKey.create(ID, hex(vector, "publicKey"));
        assertDoesNotThrow(() -> key.verify(hex(vector, "message"), hex(vector, "signature")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verify_rfc8032VectorTamperedMessage_throwsInvalidSignature(String name, JsonNode vector) {
        VerifyKey key = VerifyKey.create(ID, hex(vector, "publicKey"));
        byte[] message = hex(vector, "message");
        byte[] tampered = message.length == 0 ? new byte[] {0} : message.clone();
        if (message.length > 0) {
            tampered[message.length / 2] ^= 0x01;
        }
        SignatureVerificationException e = assertThrows(SignatureVerificationException.class,
                () -> key.verify(tampered, hex(vector, "signature")));
        assertEquals(Reason.INVALID_SIGNATURE, e.reason());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verify_rfc8032VectorTamperedSignature_throwsInvalidSignature(String name, JsonNode vector) {
        VerifyKey key = VerifyKey.create(ID, hex(vector, "publicKey"));
        byte[] signature = hex(vector, "signature");
        for (int index : new int[] {0, 31, 32, 63}) { // both halves: R and S
            byte[] tampered = signature.clone();
            tampered[index] ^= 0x40;
            SignatureVerificationException e = assertThrows(SignatureVerificationException.class,
                    () -> key.verify(hex(vector, "message"), tampered), "byte " + index);
            assertEquals(Reason.INVALID_SIGNATURE, e.reason());
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verify_rfc8032VectorTruncatedSignature_throwsMalformedSignature(String name, JsonNode vector) {
        VerifyKey key = VerifyKey.create(ID, hex(vector, "publicKey"));
        byte[] truncated = Arrays.copyOf(hex(vector, "signature"), 63);
        assertEquals(Reason.MALFORMED_SIGNATURE, assertThrows(SignatureVerificationException.class,
                () -> key.verify(hex(vector, "message"), truncated)).reason());
    }
}
