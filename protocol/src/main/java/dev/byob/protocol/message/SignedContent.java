package dev.byob.protocol.message;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.SignatureVerificationException;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.DecodeException.Code;

/**
 * Signing of the messages a visiting bridge sends, in Matrix's format: {@code signatures} keyed by the
 * VB's bot user id and {@code ed25519:<version>}, over the canonical JSON of the content without
 * {@code signatures} and {@code unsigned}. Verification works on the content as received, never on a
 * re-encoding, so fields this version does not know are covered too.
 */
public final class SignedContent {
    private SignedContent() {}

    /** The content of {@code message}, signed as {@code entity} with {@code key}. */
    public static ObjectNode sign(ByobMessage message, UserId entity, SigningKey key) {
        try {
            return JsonSigning.sign(MessageCodec.encode(message), entity.value(), key);
        } catch (CanonicalJsonException e) {
            // Encoded messages hold only strings, booleans and safe integers.
            throw new IllegalStateException("an encoded message is always canonical", e);
        }
    }

    /**
     * Checks that {@code content} carries a valid signature by {@code entity} with {@code key}.
     *
     * @throws DecodeException with {@link Code#BAD_SIGNATURE} and a reason naming what is wrong
     */
    public static void verify(JsonNode content, UserId entity, VerifyKey key) throws DecodeException {
        if (!(content instanceof ObjectNode)) {
            throw new DecodeException(Code.MALFORMED_JSON, "", "content must be a JSON object");
        }
        try {
            JsonSigning.verify((ObjectNode) content, entity.value(), key);
        } catch (SignatureVerificationException e) {
            throw new DecodeException(Code.BAD_SIGNATURE, "/signatures", e.getMessage(), e);
        }
    }
}
