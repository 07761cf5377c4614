package dev.byob.protocol.crypto;

import java.security.SecureRandom;
import java.util.Objects;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;

/**
 * An Ed25519 private key with its key id: what a bridge signs with.
 *
 * <p>The key is its 32-byte seed (RFC 8032 private key); persist it with {@link #seedBase64()} and
 * restore it with {@link #fromSeedBase64}. {@link #toString()} never shows the seed.
 *
 * <p>Immutable and thread-safe: one instance may sign from many threads.
 */
public final class SigningKey {

    /** Length of an Ed25519 seed in bytes. */
    public static final int SEED_LENGTH = 32;

    private final KeyId keyId;
    private final Ed25519PrivateKeyParameters privateKey;
    private final VerifyKey verifyKey;

    private SigningKey(KeyId keyId, Ed25519PrivateKeyParameters privateKey) {
        this.keyId = Objects.requireNonNull(keyId, "keyId");
        this.privateKey = privateKey;
        this.verifyKey = VerifyKey.create(keyId, privateKey.generatePublicKey().getEncoded());
    }

    /**
     * Generates a new key.
     *
     * @param keyId the key id to sign under
     * @param random the randomness source, normally {@code new SecureRandom()}
     * @return a fresh key
     */
    public static SigningKey generate(KeyId keyId, SecureRandom random) {
        Objects.requireNonNull(random, "random");
        return new SigningKey(keyId, new Ed25519PrivateKeyParameters(random));
    }

    /**
     * Restores a key from its seed.
     *
     * @param keyId the key id to sign under
     * @param seed the 32-byte seed; copied, so the caller may wipe it afterwards
     * @return the key
     * @throws IllegalArgumentException if the seed is not 32 bytes
     */
    public static SigningKey fromSeed(KeyId keyId, byte[] seed) {
        Objects.requireNonNull(seed, "seed");
        if (seed.length != SEED_LENGTH) {
            throw new IllegalArgumentException("an Ed25519 seed is 32 bytes, got " + seed.length);
        }
        // The parameters object copies the bytes into its own array.
        return new SigningKey(keyId, new Ed25519PrivateKeyParameters(seed, 0));
    }

    /**
     * Restores a key from its seed in base64, as written by {@link #seedBase64()}.
     *
     * @param keyId the key id to sign under
     * @param seedBase64 the seed in base64 (padding tolerated)
     * @return the key
     * @throws IllegalArgumentException if the text is not base64 or does not decode to 32 bytes
     */
    public static SigningKey fromSeedBase64(KeyId keyId, String seedBase64) {
        return fromSeed(keyId, Base64Unpadded.decode(Objects.requireNonNull(seedBase64, "seedBase64")));
    }

    /**
     * Returns the seed as unpadded base64, for key files. This is the secret: store it accordingly.
     *
     * @return the 32-byte seed, base64-encoded
     */
    public String seedBase64() {
        return Base64Unpadded.encode(privateKey.getEncoded());
    }

    /** {@return the key id} */
    public KeyId keyId() {
        return keyId;
    }

    /** {@return the matching public key, with the same key id} */
    public VerifyKey verifyKey() {
        return verifyKey;
    }

    /**
     * Signs raw bytes with pure Ed25519 (RFC 8032, no context, no prehash). To sign a JSON object
     * the Matrix way use {@link JsonSigning#sign}.
     *
     * @param message the bytes to sign
     * @return the 64-byte signature
     */
    public byte[] sign(byte[] message) {
        Objects.requireNonNull(message, "message");
        // A signer instance buffers the message, so each call gets its own.
        Ed25519Signer signer = new Ed25519Signer();
        signer.init(true, privateKey);
        signer.update(message, 0, message.length);
        return signer.generateSignature();
    }

    /** Returns the key id and public key only; the seed is never shown. */
    @Override
    public String toString() {
        return "SigningKey[" + keyId + ", public " + verifyKey.publicKeyBase64() + "]";
    }
}
