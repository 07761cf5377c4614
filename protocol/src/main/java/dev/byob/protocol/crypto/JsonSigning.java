package dev.byob.protocol.crypto;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.SignatureVerificationException.Reason;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.json.CanonicalJsonException;
import java.util.Objects;

/**
 * The Matrix "Signing JSON" algorithm (Matrix specification, appendix "Signing Details" and
 * "Checking for a Signature").
 *
 * <p>A signature covers the canonical JSON of the object without its {@code signatures} and
 * {@code unsigned} members, and is stored as unpadded base64 under
 * {@code signatures[<entity>][<key id>]}. Relays may therefore add {@code unsigned} data and further
 * signatures without breaking existing ones.
 *
 * <p>Verify against the JSON you received (parsed with {@link CanonicalJson#parse}), not against an
 * object re-serialized from typed values: fields you do not know about are still covered by the
 * signature.
 */
public final class JsonSigning {

    private static final String SIGNATURES = "signatures";
    private static final String UNSIGNED = "unsigned";

    private JsonSigning() {}

    /**
     * Signs an object and returns a signed copy; the argument is not modified.
     *
     * <p>The copy keeps the original {@code unsigned} member and all existing signatures, and adds or
     * replaces {@code signatures[entity][key id]}.
     *
     * @param object the object to sign
     * @param entity who signs, e.g. the bridge's server name
     * @param key the signing key
     * @return a new object carrying the signature
     * @throws CanonicalJsonException if the signed content is not representable as canonical JSON
     * @throws IllegalArgumentException if {@code entity} is empty, or the existing {@code signatures}
     *     member or the entity's entry in it is not an object
     */
    public static ObjectNode sign(ObjectNode object, String entity, SigningKey key) throws CanonicalJsonException {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(key, "key");
        if (entity.isEmpty()) {
            throw new IllegalArgumentException("entity must not be empty");
        }
        ObjectNode signed = object.deepCopy();
        JsonNode signatures = signed.remove(SIGNATURES);
        JsonNode unsigned = signed.remove(UNSIGNED);
        if (signatures != null && !signatures.isObject()) {
            throw new IllegalArgumentException("existing \"signatures\" member is not an object");
        }
        JsonNode existing = signatures == null ? null : signatures.get(entity);
        if (existing != null && !existing.isObject()) {
            throw new IllegalArgumentException("existing signatures for \"" + entity + "\" are not an object");
        }

        String signature = Base64Unpadded.encode(key.sign(CanonicalJson.encode(signed)));

        ObjectNode allSignatures = signatures == null ? signed.objectNode() : (ObjectNode) signatures;
        ObjectNode entitySignatures = existing == null ? allSignatures.putObject(entity) : (ObjectNode) existing;
        entitySignatures.put(key.keyId().toString(), signature);
        signed.set(SIGNATURES, allSignatures);
        if (unsigned != null) {
            signed.set(UNSIGNED, unsigned);
        }
        return signed;
    }

    /**
     * Checks that {@code entity} signed {@code object} with {@code key}. Returns normally only if
     * {@code signatures[entity][key.keyId()]} is a valid signature; signatures by other entities or
     * keys are ignored.
     *
     * @param object the received object
     * @param entity whose signature is required
     * @param key the entity's public key; its key id selects the signature
     * @throws SignatureVerificationException with the reason the check failed
     */
    public static void verify(ObjectNode object, String entity, VerifyKey key) throws SignatureVerificationException {
        Objects.requireNonNull(object, "object");
        Objects.requireNonNull(entity, "entity");
        Objects.requireNonNull(key, "key");
        JsonNode signatures = object.get(SIGNATURES);
        if (signatures == null || !signatures.isObject()) {
            throw new SignatureVerificationException(Reason.MISSING_SIGNATURES, "object has no \"signatures\" object");
        }
        JsonNode entitySignatures = signatures.get(entity);
        if (entitySignatures == null) {
            throw new SignatureVerificationException(Reason.NO_SIGNATURE_FOR_ENTITY, "no signatures by \"" + entity + "\"");
        }
        if (!entitySignatures.isObject()) {
            throw new SignatureVerificationException(Reason.MALFORMED_SIGNATURE,
                    "signatures by \"" + entity + "\" are not an object");
        }
        String keyId = key.keyId().toString();
        JsonNode signatureNode = entitySignatures.get(keyId);
        if (signatureNode == null) {
            throw new SignatureVerificationException(Reason.NO_SIGNATURE_FOR_KEY,
                    "no signature by \"" + entity + "\" with key " + keyId);
        }
        if (!signatureNode.isTextual()) {
            throw new SignatureVerificationException(Reason.MALFORMED_SIGNATURE,
                    "signature by \"" + entity + "\" with key " + keyId + " is not a string");
        }
        byte[] signature;
        try {
            signature = Base64Unpadded.decode(signatureNode.textValue());
        } catch (IllegalArgumentException e) {
            throw new SignatureVerificationException(Reason.MALFORMED_SIGNATURE,
                    "signature by \"" + entity + "\" with key " + keyId + " is not base64", e);
        }
        byte[] content;
        try {
            content = signingBytes(object);
        } catch (CanonicalJsonException e) {
            throw new SignatureVerificationException(Reason.NOT_CANONICAL,
                    "signed content is not valid canonical JSON: " + e.getMessage(), e);
        }
        key.verify(content, signature);
    }

    /**
     * Returns the bytes a signature covers: the canonical JSON of the object without its
     * {@code signatures} and {@code unsigned} members. The argument is not modified.
     *
     * @param object the object
     * @return the canonical bytes to sign or verify
     * @throws CanonicalJsonException if the remaining content is not representable as canonical JSON
     */
    public static byte[] signingBytes(ObjectNode object) throws CanonicalJsonException {
        Objects.requireNonNull(object, "object");
        // A shallow copy suffices: encoding never modifies nodes.
        ObjectNode content = object.objectNode();
        content.setAll(object);
        content.remove(SIGNATURES);
        content.remove(UNSIGNED);
        return CanonicalJson.encode(content);
    }
}
