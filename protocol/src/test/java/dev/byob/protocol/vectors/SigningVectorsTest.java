package dev.byob.protocol.vectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Vectors;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.crypto.VerifyKey;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spec-notes/vectors/signing.json} against the Ed25519 keys and {@link JsonSigning}. */
class SigningVectorsTest {

    private static final JsonNode FILE = VectorFiles.read(VectorFiles.SIGNING);
    private static final KeyId ANY_ID = KeyId.ed25519("1");

    static Stream<Arguments> ed25519() {
        return cases("ed25519");
    }

    static Stream<Arguments> json() {
        return cases("json");
    }

    private static Stream<Arguments> cases(String list) {
        return StreamSupport.stream(FILE.get(list).spliterator(), false).map(c -> Arguments.of(c.get("name").asText(), c));
    }

    private static byte[] hex(JsonNode c, String field) {
        return Vectors.hex(c.get(field).asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ed25519")
    void sign_ed25519Vector_derivesKeyAndSignature(String name, JsonNode c) throws Exception {
        SigningKey key = SigningKey.fromSeed(ANY_ID, hex(c, "seed"));
        assertArrayEquals(hex(c, "public_key"), key.verifyKey().publicKey());
        assertArrayEquals(hex(c, "signature"), key.sign(hex(c, "message")));
        VerifyKey.create(ANY_ID, hex(c, "public_key")).verify(hex(c, "message"), hex(c, "signature"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("json")
    void sign_jsonVector_signingBytesAndSignedObject(String name, JsonNode c) throws Exception {
        SigningKey key = SigningKey.fromSeedBase64(KeyId.parse(c.get("key_id").asText()), c.get("seed").asText());
        assertEquals(c.get("public_key").asText(), key.verifyKey().publicKeyBase64());
        ObjectNode input = (ObjectNode) c.get("input");
        assertEquals(c.get("signing_bytes").asText(), new String(JsonSigning.signingBytes(input), StandardCharsets.UTF_8));
        assertEquals(c.get("signed"), JsonSigning.sign(input, c.get("entity").asText(), key));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("json")
    void verify_jsonVectorSignedObject_succeeds(String name, JsonNode c) {
        VerifyKey key = VerifyKey.fromBase64(KeyId.parse(c.get("key_id").asText()), c.get("public_key").asText());
        assertDoesNotThrow(() -> JsonSigning.verify((ObjectNode) c.get("signed"), c.get("entity").asText(), key));
    }
}
