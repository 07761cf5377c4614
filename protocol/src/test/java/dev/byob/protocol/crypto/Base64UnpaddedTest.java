package dev.byob.protocol.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base64UnpaddedTest {

    // The examples of the Matrix specification, appendix "Unpadded Base64".
    @ParameterizedTest
    @CsvSource({"'',''", "f,Zg", "fo,Zm8", "foo,Zm9v", "foob,Zm9vYg", "fooba,Zm9vYmE", "foobar,Zm9vYmFy"})
    void encode_specExamples_matchSpec(String plain, String encoded) {
        assertEquals(encoded, Base64Unpadded.encode(plain.getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(plain.getBytes(StandardCharsets.US_ASCII), Base64Unpadded.decode(encoded));
    }

    @ParameterizedTest
    @CsvSource({"f,Zg==", "fo,Zm8=", "fooba,Zm9vYmE="})
    void decode_paddedInput_accepted(String plain, String padded) {
        assertArrayEquals(plain.getBytes(StandardCharsets.US_ASCII), Base64Unpadded.decode(padded));
    }

    @Test
    void encode_allByteValues_usesStandardAlphabet() {
        byte[] data = {(byte) 0xfb, (byte) 0xff, (byte) 0xbf};
        assertEquals("+/+/", Base64Unpadded.encode(data));
        assertArrayEquals(data, Base64Unpadded.decode("+/+/"));
    }

    @Test
    void decode_nonZeroTrailingBits_accepted() {
        // The specification's test seed ends in '1', whose low bits fall outside the 32 bytes;
        // other implementations ignore them and so must we.
        assertArrayEquals(Base64Unpadded.decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA0"),
                Base64Unpadded.decode("YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"-_-_", "Zm9v YmFy", "Zm9v\n", "Z", "Zm9vY", "Zg=", "Zg===", "Zm9v=", "=Zg", "Zg==Zg", "Zm9*"})
    void decode_invalidInput_throwsIllegalArgument(String text) {
        assertThrows(IllegalArgumentException.class, () -> Base64Unpadded.decode(text));
    }

    @Test
    void decode_invalidSecret_messageDoesNotRepeatInput() {
        String almostSeed = "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA-";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Base64Unpadded.decode(almostSeed));
        assertFalse(e.getMessage().contains("YJDBA9Xnr2sV"), e.getMessage());
    }
}
