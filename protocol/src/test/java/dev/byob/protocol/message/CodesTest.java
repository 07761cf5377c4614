package dev.byob.protocol.message;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.protocol.message.DecodeException.Code;
import org.junit.jupiter.api.Test;

class CodesTest {

    @Test
    void cancelCode_knownCodes_carryUnstablePrefix() {
        assertEquals("org.matrix.msc3647.user", CancelCode.USER.value());
        assertEquals("org.matrix.msc3647.key_mismatch", CancelCode.KEY_MISMATCH.value());
    }

    @Test
    void revokeCode_knownCodes_areNotNamespaced() {
        assertEquals("released", RevokeCode.RELEASED.value());
        assertEquals("superseded", RevokeCode.SUPERSEDED.value());
        assertEquals("user_revoked", RevokeCode.USER_REVOKED.value());
        assertEquals("operator", RevokeCode.OPERATOR.value());
    }

    @Test
    void codes_emptyOrOver255_rejected() {
        assertThrows(IllegalArgumentException.class, () -> new CancelCode(""));
        assertThrows(IllegalArgumentException.class, () -> new RevokeCode("x".repeat(256)));
        assertEquals(255, new CancelCode("x".repeat(255)).value().length());
    }

    @Test
    void decodeException_cancelCode_mapsVersionAndSignatureElseInvalidMessage() {
        assertEquals(CancelCode.UNSUPPORTED_VERSION, new DecodeException(Code.UNSUPPORTED_VERSION, "/version", "x").cancelCode());
        assertEquals(CancelCode.BAD_SIGNATURE, new DecodeException(Code.BAD_SIGNATURE, "/signatures", "x").cancelCode());
        for (Code code : new Code[] {Code.MALFORMED_JSON, Code.MISSING_FIELD, Code.WRONG_TYPE, Code.OUT_OF_RANGE,
                Code.INVALID_FORMAT, Code.TOO_LARGE, Code.UNKNOWN_TYPE}) {
            assertEquals(CancelCode.INVALID_MESSAGE, new DecodeException(code, "", "x").cancelCode(), code.name());
        }
    }

    @Test
    void decodeException_wireAndMessage_lowerCaseNameAndPointer() {
        DecodeException e = new DecodeException(Code.MISSING_FIELD, "/network/id", "required field is missing");
        assertEquals("missing_field", e.code().wire());
        assertEquals("/network/id: required field is missing", e.getMessage());
        assertEquals("content: too big", new DecodeException(Code.TOO_LARGE, "", "too big").getMessage());
    }
}
