package dev.byob.protocol.crypto;

import java.util.Objects;

/**
 * A signature check failed. Verification methods return normally only when the signature is valid;
 * every failure is this exception, with a {@link #reason()} saying why.
 */
public final class SignatureVerificationException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Why a signature check failed. */
    public enum Reason {
        /** The object has no {@code signatures} object. */
        MISSING_SIGNATURES,
        /** {@code signatures} has no entry for the expected entity. */
        NO_SIGNATURE_FOR_ENTITY,
        /** The entity's entry has no signature under the expected key id. */
        NO_SIGNATURE_FOR_KEY,
        /** The signature is not a string, not base64, or not 64 bytes; or the entity's entry is not an object. */
        MALFORMED_SIGNATURE,
        /** The signature is well-formed but does not match the content and key. */
        INVALID_SIGNATURE,
        /** The signed content cannot be encoded as canonical JSON, so no signature over it can be valid. */
        NOT_CANONICAL
    }

    /** Why the check failed. */
    private final Reason reason;

    /**
     * Creates an exception.
     *
     * @param reason why the check failed
     * @param message human-readable detail
     */
    public SignatureVerificationException(Reason reason, String message) {
        this(reason, message, null);
    }

    /**
     * Creates an exception with a cause.
     *
     * @param reason why the check failed
     * @param message human-readable detail
     * @param cause the underlying error, may be {@code null}
     */
    public SignatureVerificationException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** {@return why the check failed} */
    public Reason reason() {
        return reason;
    }
}
