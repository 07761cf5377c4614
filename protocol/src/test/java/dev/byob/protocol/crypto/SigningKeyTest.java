package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.Vectors;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SigningKeyTest {

    private static final KeyId ID = KeyId.ed25519("1");
    private static final String SPEC_SEED = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1";
    private static final byte[] RFC_TEST_1_SEED =
            Vectors.hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

    @Test
    void fromSeedBase64_specSeed_derivesKnownPublicKey() {
        SigningKey key = SigningKey.fromSeedBase64(ID, SPEC_SEED);
        assertEquals(Vectors.load("matrix-signing-json.json").get("publicKey").asText(), key.verifyKey().publicKeyBase64());
        assertEquals(ID, key.keyId());
        assertEquals(ID, key.verifyKey().keyId());
    }

    @Test
    void seedBase64_roundTrip_restoresSameKey() {
        SigningKey key = SigningKey.generate(ID, new SecureRandom());
        SigningKey restored = SigningKey.fromSeedBase64(ID, key.seedBase64());
        assertEquals(key.verifyKey(), restored.verifyKey());
        assertEquals(key.seedBase64(), restored.seedBase64());
        assertEquals(43, key.seedBase64().length(), "32 bytes, unpadded");
    }

    @Test
    void seedBase64_specSeedWithNonZeroTrailingBits_writesCanonicalForm() {
        // Same 32 bytes; only the unused low bits of the last character differ.
        assertEquals("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0", SigningKey.fromSeedBase64(ID, SPEC_SEED).seedBase64());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33, 64})
    void fromSeed_wrongLength_throwsIllegalArgument(int length) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SigningKey.fromSeed(ID, new byte[length]));
        assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    }

    @Test
    void fromSeedBase64_notBase64_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> SigningKey.fromSeedBase64(ID, "not base64!"));
    }

    @Test
    void fromSeed_callerMutatesSeedAfterwards_keyUnchanged() {
        byte[] seed = RFC_TEST_1_SEED.clone();
        SigningKey key = SigningKey.fromSeed(ID, seed);
        String before = key.seedBase64();
        byte[] signatureBefore = key.sign(new byte[0]);
        java.util.Arrays.fill(seed, (byte) 0);
        assertEquals(before, key.seedBase64());
        assertArrayEquals(signatureBefore, key.sign(new byte[0]));
    }

    @Test
    void toString_neverContainsSeed() {
        SigningKey key = SigningKey.fromSeedBase64(ID, SPEC_SEED);
        String text = key.toString();
        assertFalse(text.contains(key.seedBase64()), text);
        assertFalse(text.contains("YJDBA9Xnr2sV"), text);
        assertFalse(text.toLowerCase().contains(HexFormat.of().formatHex(Base64Unpadded.decode(SPEC_SEED))), text);
        assertTrue(text.contains("ed25519:1"), text);
        assertTrue(text.contains(key.verifyKey().publicKeyBase64()), text);
    }

    @Test
    void generate_twice_givesDifferentWorkingKeys() throws Exception {
        SigningKey a = SigningKey.generate(ID, new SecureRandom());
        SigningKey b = SigningKey.generate(ID, new SecureRandom());
        assertNotEquals(a.verifyKey(), b.verifyKey());
        byte[] message = "hello".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        a.verifyKey().verify(message, a.sign(message));
        assertThrows(SignatureVerificationException.class, () -> b.verifyKey().verify(message, a.sign(message)));
    }

    @Test
    void sign_sameMessage_isDeterministic() {
        SigningKey key = SigningKey.fromSeed(ID, RFC_TEST_1_SEED);
        assertArrayEquals(key.sign(new byte[] {1, 2, 3}), key.sign(new byte[] {1, 2, 3}));
        assertEquals(VerifyKey.SIGNATURE_LENGTH, key.sign(new byte[] {1, 2, 3}).length);
    }

    @Test
    void sign_concurrentCallers_allProduceValidSignatures() throws Exception {
        SigningKey key = SigningKey.generate(ID, new SecureRandom());
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    for (int i = 0; i < 50; i++) {
                        byte[] message = (thread + ":" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        assertDoesNotThrow(() -> key.verifyKey().verify(message, key.sign(message)));
                    }
                    return null;
                }));
            }
            for (Future<?> result : results) {
                result.get();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
