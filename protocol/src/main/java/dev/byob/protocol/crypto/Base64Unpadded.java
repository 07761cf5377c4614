package dev.byob.protocol.crypto;

import java.util.Base64;
import java.util.Objects;

/**
 * The base64 form Matrix uses for keys, signatures and hashes: the standard RFC 4648 alphabet
 * ({@code +} and {@code /}) without {@code =} padding (Matrix specification, appendix "Unpadded
 * Base64").
 */
public final class Base64Unpadded {

    private static final Base64.Encoder ENCODER = Base64.getEncoder().withoutPadding();
    // The JDK decoder accepts input with or without padding (as the specification advises) and
    // rejects any other character, including whitespace and the URL-safe alphabet.
    private static final Base64.Decoder DECODER = Base64.getDecoder();

    private Base64Unpadded() {}

    /**
     * Encodes bytes as unpadded standard base64.
     *
     * @param data the bytes to encode
     * @return the encoding, e.g. {@code "Zm9vYg"} for {@code "foob"}
     */
    public static String encode(byte[] data) {
        return ENCODER.encodeToString(Objects.requireNonNull(data, "data"));
    }

    /**
     * Decodes standard base64 with or without {@code =} padding.
     *
     * @param text the encoded value
     * @return the decoded bytes
     * @throws IllegalArgumentException if {@code text} contains characters outside the standard
     *     alphabet, has a length that no byte sequence encodes to, or has incorrect padding; the
     *     message does not repeat the input, which may be secret
     */
    public static byte[] decode(String text) {
        Objects.requireNonNull(text, "text");
        try {
            return DECODER.decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "not valid base64 (standard alphabet, padding optional): " + e.getMessage(), e);
        }
    }
}
