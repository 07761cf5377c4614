package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.Vectors;
import dev.byob.protocol.crypto.SignatureVerificationException.Reason;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VerifyKeyTest {

    private static final KeyId ID = KeyId.ed25519("1");
    private static final String RFC_TEST_1_PUBLIC = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

    @Test
    void fromBase64_matchesCreate() {
        byte[] raw = Vectors.hex(RFC_TEST_1_PUBLIC);
        VerifyKey key = VerifyKey.fromBase64(ID, Base64Unpadded.encode(raw));
        assertEquals(VerifyKey.create(ID, raw), key);
        assertEquals(Base64Unpadded.encode(raw), key.publicKeyBase64());
        assertArrayEquals(raw, key.publicKey());
    }

    @Test
    void fromBase64_paddedInput_accepted() {
        byte[] raw = Vectors.hex(RFC_TEST_1_PUBLIC);
        assertEquals(VerifyKey.create(ID, raw), VerifyKey.fromBase64(ID, Base64Unpadded.encode(raw) + "="));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 31, 33, 64})
    void create_wrongLength_throwsIllegalArgument(int length) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VerifyKey.create(ID, new byte[length]));
        assertTrue(e.getMessage().contains("32 bytes"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // y = 2: no x satisfies the curve equation
        "0200000000000000000000000000000000000000000000000000000000000000",
        // y = 3: on the curve but outside the prime-order subgroup
        "0300000000000000000000000000000000000000000000000000000000000000",
        // the neutral element (0, 1): small order, would accept forged signatures
        "0100000000000000000000000000000000000000000000000000000000000000",
        // y = 2^255 - 1 >= p: non-canonical encoding
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"})
    void create_invalidPoint_throwsIllegalArgument(String hex) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VerifyKey.create(ID, Vectors.hex(hex)));
        assertTrue(e.getMessage().contains("not a valid Ed25519 public key"), e.getMessage());
    }

    @Test
    void create_callerMutatesInput_keyUnchanged() {
        byte[] raw = Vectors.hex(RFC_TEST_1_PUBLIC);
        VerifyKey key = VerifyKey.create(ID, raw);
        Arrays.fill(raw, (byte) 0);
        assertArrayEquals(Vectors.hex(RFC_TEST_1_PUBLIC), key.publicKey());
    }

    @Test
    void publicKey_callerMutatesResult_keyUnchanged() {
        VerifyKey key = VerifyKey.create(ID, Vectors.hex(RFC_TEST_1_PUBLIC));
        key.publicKey()[0] ^= 1;
        assertArrayEquals(Vectors.hex(RFC_TEST_1_PUBLIC), key.publicKey());
    }

    @Test
    void equals_differentKeyIdOrBytes_notEqual() {
        byte[] raw = Vectors.hex(RFC_TEST_1_PUBLIC);
        VerifyKey key = VerifyKey.create(ID, raw);
        assertEquals(key, VerifyKey.create(KeyId.ed25519("1"), raw.clone()));
        assertEquals(key.hashCode(), VerifyKey.create(KeyId.ed25519("1"), raw.clone()).hashCode());
        assertNotEquals(key, VerifyKey.create(KeyId.ed25519("2"), raw));
        assertNotEquals(key, SigningKey.fromSeed(ID, new byte[32]).verifyKey());
    }

    @Test
    void toString_showsKeyIdAndPublicKey() {
        VerifyKey key = VerifyKey.create(ID, Vectors.hex(RFC_TEST_1_PUBLIC));
        assertEquals("VerifyKey[ed25519:1, " + key.publicKeyBase64() + "]", key.toString());
    }

    @Test
    void verify_signatureWithScalarNotReduced_throwsInvalidSignature() throws Exception {
        // RFC 8032 TEST 1 with S replaced by S + L: same point arithmetic, but a non-canonical S
        // must be rejected (RFC 8032 section 5.1.7) or signatures become malleable.
        VerifyKey key = VerifyKey.create(ID, Vectors.hex(RFC_TEST_1_PUBLIC));
        byte[] signature = Vectors.hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
        key.verify(new byte[0], signature); // precondition: the original is valid
        byte[] malleated = signature.clone();
        addGroupOrder(malleated);
        assertEquals(Reason.INVALID_SIGNATURE, assertThrows(SignatureVerificationException.class,
                () -> key.verify(new byte[0], malleated)).reason());
    }

    @Test
    void stored_validKey_equalToCreatedAndVerifies() throws Exception {
        VerifyKey stored = VerifyKey.stored(ID, Base64Unpadded.encode(Vectors.hex(RFC_TEST_1_PUBLIC)));
        byte[] signature = Vectors.hex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");

        stored.verify(new byte[0], signature);
        stored.verify(new byte[0], signature); // the decoded key is kept

        assertEquals(VerifyKey.create(ID, Vectors.hex(RFC_TEST_1_PUBLIC)), stored);
    }

    @Test
    void stored_smallOrderKey_everySignatureFails() {
        // The neutral element: accepted when read back, refused at the first check rather than forgeable.
        VerifyKey stored = VerifyKey.stored(ID, Base64Unpadded.encode(
                Vectors.hex("0100000000000000000000000000000000000000000000000000000000000000")));

        for (int i = 0; i < 2; i++) {
            SignatureVerificationException e = assertThrows(SignatureVerificationException.class,
                    () -> stored.verify(new byte[0], new byte[VerifyKey.SIGNATURE_LENGTH]));
            assertEquals(Reason.INVALID_SIGNATURE, e.reason());
            assertTrue(e.getMessage().contains("prime-order subgroup"), e.getMessage());
        }
    }

    @Test
    void stored_wrongLength_throwsIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> VerifyKey.stored(ID, Base64Unpadded.encode(new byte[31])));
    }

    private static void addGroupOrder(byte[] signature) {
        // L = 2^252 + 27742317777372353535851937790883648493, little-endian, added to S = signature[32..64).
        byte[] order = Vectors.hex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
        int carry = 0;
        for (int i = 0; i < 32; i++) {
            int sum = (signature[32 + i] & 0xff) + (order[i] & 0xff) + carry;
            signature[32 + i] = (byte) sum;
            carry = sum >> 8;
        }
    }
}
