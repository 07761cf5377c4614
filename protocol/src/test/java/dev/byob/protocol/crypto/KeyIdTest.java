package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"ed25519:1", "ed25519:a_bcd", "ed25519:ABCdef_0123456789abcdefghijkl"})
    void parse_validKeyId_roundTripsThroughToString(String text) {
        KeyId id = KeyId.parse(text);
        assertEquals("ed25519", id.algorithm());
        assertEquals(text.substring("ed25519:".length()), id.version());
        assertEquals(text, id.toString());
    }

    @Test
    void ed25519_version_equalsParsed() {
        assertEquals(KeyId.parse("ed25519:abc"), KeyId.ed25519("abc"));
        assertEquals(KeyId.parse("ed25519:abc").hashCode(), KeyId.ed25519("abc").hashCode());
        assertNotEquals(KeyId.ed25519("abc"), KeyId.ed25519("ABC"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"curve25519:1", "ED25519:1", "signed_curve25519:1", ":1"})
    void parse_otherAlgorithm_throwsNamingAlgorithm(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyId.parse(text));
        assertTrue(e.getMessage().contains("only ed25519"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {"ed25519:", "ed25519:a-b", "ed25519:a:b", "ed25519:a b", "ed25519:\u00e9",
        "ed25519:abcdefghijklmnopqrstuvwxyz0123456"})
    void parse_invalidVersion_throwsNamingVersionRule(String text) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyId.parse(text));
        assertTrue(e.getMessage().contains("1 to 32 characters"), e.getMessage());
    }

    @Test
    void parse_noColon_throwsIllegalArgument() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyId.parse("ed25519"));
        assertTrue(e.getMessage().contains("<algorithm>:<version>"), e.getMessage());
    }

    @Test
    void ed25519_thirtyTwoCharacterVersion_accepted() {
        assertEquals(32, KeyId.ed25519("a".repeat(32)).version().length());
        assertThrows(IllegalArgumentException.class, () -> KeyId.ed25519("a".repeat(33)));
    }

    @Test
    void constructor_null_throwsNullPointer() {
        assertThrows(NullPointerException.class, () -> KeyId.parse(null));
        assertThrows(NullPointerException.class, () -> KeyId.ed25519(null));
    }
}
