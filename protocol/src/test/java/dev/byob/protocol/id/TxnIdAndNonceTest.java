package dev.byob.protocol.id;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TxnIdAndNonceTest {

    @ParameterizedTest
    @ValueSource(strings = {"hs.7Qm2xK9pLr", "12345678", "a-b_c.d~e", "x123456789012345678901234567890123456789012345678901234567890123"})
    void txnId_valid_accepted(String value) {
        assertEquals(value, new TxnId(value).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1234567", "x1234567890123456789012345678901234567890123456789012345678901234",
        "has space", "slash/1234", "plus+1234", "ünicode12"})
    void txnId_invalid_throws(String value) {
        assertThrows(IllegalArgumentException.class, () -> new TxnId(value));
    }

    @Test
    void txnId_random_22CharsAndDistinct() {
        Random random = new Random(1);
        TxnId a = TxnId.random(random);
        assertEquals(22, a.value().length());
        assertNotEquals(a, TxnId.random(random));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "q3Vb0Lh8Zt2wXy_4Ka-9R", "q3Vb0Lh8Zt2wXy_4Ka-9RgX", "q3Vb0Lh8Zt2wXy+4Ka/9Rg", "q3Vb0Lh8Zt2wXy_4Ka-9R="})
    void nonce_invalid_throws(String value) {
        assertThrows(IllegalArgumentException.class, () -> new Nonce(value));
    }

    @Test
    void nonce_sha256_unpaddedStandardBase64OfUtf8() {
        assertEquals("cCaHs4gcOCwHcoKICgsfokavClg8XAEyWQZYR3rHkOk", new Nonce("q3Vb0Lh8Zt2wXy_4Ka-9Rg").sha256());
        assertEquals("+Fw81Akur8RyhVxwnUGAEHcc5z8UoEYo3WnIkL3no8A", new Nonce("Wm5sP1dF7cJ0nTe-Bx3uYA").sha256());
    }

    @Test
    void nonce_toString_redacted() {
        Nonce nonce = new Nonce("q3Vb0Lh8Zt2wXy_4Ka-9Rg");
        assertEquals("Nonce[redacted]", nonce.toString());
        assertFalse(nonce.toString().contains(nonce.value()));
    }

    @Test
    void nonce_random_validAndDistinct() {
        Random random = new Random(7);
        Nonce a = Nonce.random(random);
        assertEquals(a, new Nonce(a.value()));
        assertNotEquals(a, Nonce.random(random));
    }
}
