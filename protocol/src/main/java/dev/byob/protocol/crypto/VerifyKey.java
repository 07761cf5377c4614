package dev.byob.protocol.crypto;

import dev.byob.protocol.crypto.SignatureVerificationException.Reason;
import java.util.Arrays;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * An Ed25519 public key with its key id: what a bridge publishes so others can check its
 * signatures, and what it holds for each peer it trusts.
 *
 * <p>Immutable and thread-safe. Equal when key id and public key bytes are equal.
 */
public final class VerifyKey {

    /** Length of an Ed25519 public key in bytes. */
    public static final int PUBLIC_KEY_LENGTH = 32;

    /** Length of an Ed25519 signature in bytes. */
    public static final int SIGNATURE_LENGTH = 64;

    private final KeyId keyId;
    private final byte[] publicKey;
    /** The decoded key; null until the first verification for a {@linkplain #stored stored} key. */
    private volatile Ed25519PublicKeyParameters parameters;
    /** Whether a {@linkplain #stored stored} key turned out invalid at its first use. */
    private volatile boolean invalid;

    private VerifyKey(KeyId keyId, byte[] publicKey, Ed25519.PublicPoint point) {
        this.keyId = keyId;
        this.publicKey = publicKey;
        // Built from the point the validation decoded: decoding a key costs as much as a verification.
        this.parameters = point == null ? null : new Ed25519PublicKeyParameters(point);
    }

    /**
     * Creates a verify key from raw public key bytes.
     *
     * @param keyId the key id signatures are stored under
     * @param publicKey the 32-byte Ed25519 public key; copied
     * @return the key
     * @throws IllegalArgumentException if the key is not 32 bytes, or is not the canonical encoding
     *     of a curve point in the prime-order subgroup (this rejects small-order keys, under which
     *     forged signatures can verify)
     */
    public static VerifyKey create(KeyId keyId, byte[] publicKey) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(publicKey, "publicKey");
        if (publicKey.length != PUBLIC_KEY_LENGTH) {
            throw new IllegalArgumentException(
                    "an Ed25519 public key is 32 bytes, got " + publicKey.length);
        }
        byte[] copy = publicKey.clone();
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(copy, 0);
        if (point == null) {
            throw new IllegalArgumentException("not a valid Ed25519 public key for " + keyId
                    + ": not a canonical encoding of a point in the prime-order subgroup");
        }
        return new VerifyKey(keyId, copy, point);
    }

    /**
     * A key that was {@linkplain #create validated} before and kept, read back from storage: the costly check that
     * it is a point of the prime-order subgroup (about as long as a signature check) waits for its first
     * {@link #verify}, so that loading many keys, most of them not used for a while, stays cheap. Should the stored
     * key be invalid after all, every signature check with it fails ({@code INVALID_SIGNATURE}).
     *
     * @param keyId the key id signatures are stored under
     * @param unpaddedBase64 the public key in base64 (padding tolerated)
     * @return the key
     * @throws IllegalArgumentException if the text is not base64 of 32 bytes
     */
    public static VerifyKey stored(KeyId keyId, String unpaddedBase64) {
        Objects.requireNonNull(keyId, "keyId");
        byte[] publicKey = Base64Unpadded.decode(Objects.requireNonNull(unpaddedBase64, "unpaddedBase64"));
        if (publicKey.length != PUBLIC_KEY_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 public key is 32 bytes, got " + publicKey.length);
        }
        return new VerifyKey(keyId, publicKey, null);
    }

    /**
     * Creates a verify key from its base64 form, as found in key documents.
     *
     * @param keyId the key id signatures are stored under
     * @param unpaddedBase64 the public key in base64 (padding tolerated)
     * @return the key
     * @throws IllegalArgumentException if the text is not base64 or the key is invalid, as for
     *     {@link #create}
     */
    public static VerifyKey fromBase64(KeyId keyId, String unpaddedBase64) {
        return create(keyId, Base64Unpadded.decode(Objects.requireNonNull(unpaddedBase64, "unpaddedBase64")));
    }

    /** {@return the key id} */
    public KeyId keyId() {
        return keyId;
    }

    /** {@return a copy of the 32 public key bytes} */
    public byte[] publicKey() {
        return publicKey.clone();
    }

    /** {@return the public key as unpadded base64, the form used in key documents} */
    public String publicKeyBase64() {
        return Base64Unpadded.encode(publicKey);
    }

    /**
     * Checks an Ed25519 signature over raw bytes. Returns normally only if it is valid.
     *
     * @param message the signed bytes
     * @param signature the 64-byte signature
     * @throws SignatureVerificationException with {@code MALFORMED_SIGNATURE} if the signature is not
     *     64 bytes, or {@code INVALID_SIGNATURE} if it does not match
     */
    public void verify(byte[] message, byte[] signature) throws SignatureVerificationException {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(signature, "signature");
        if (signature.length != SIGNATURE_LENGTH) {
            throw new SignatureVerificationException(Reason.MALFORMED_SIGNATURE,
                    "an Ed25519 signature is 64 bytes, got " + signature.length);
        }
        // A signer instance buffers the message, so each call gets its own.
        Ed25519Signer verifier = new Ed25519Signer();
        verifier.init(false, parameters());
        verifier.update(message, 0, message.length);
        if (!verifier.verifySignature(signature)) {
            throw new SignatureVerificationException(Reason.INVALID_SIGNATURE,
                    "signature does not match the content for key " + keyId + " (" + publicKeyBase64() + ")");
        }
    }

    /** The decoded key, validated now if it was {@linkplain #stored stored}. */
    private Ed25519PublicKeyParameters parameters() throws SignatureVerificationException {
        Ed25519PublicKeyParameters decoded = parameters;
        if (decoded == null && !invalid) {
            Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(publicKey, 0);
            if (point == null) {
                invalid = true;
            } else {
                decoded = new Ed25519PublicKeyParameters(point);
                parameters = decoded;
            }
        }
        if (decoded == null) {
            throw new SignatureVerificationException(Reason.INVALID_SIGNATURE, "the stored key " + keyId + " ("
                    + publicKeyBase64() + ") is not a canonical encoding of a point in the prime-order subgroup");
        }
        return decoded;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof VerifyKey other && keyId.equals(other.keyId) && Arrays.equals(publicKey, other.publicKey);
    }

    @Override
    public int hashCode() {
        return 31 * keyId.hashCode() + Arrays.hashCode(publicKey);
    }

    /** Returns {@code VerifyKey[<key id>, <base64 public key>]}. */
    @Override
    public String toString() {
        return "VerifyKey[" + keyId + ", " + publicKeyBase64() + "]";
    }
}
