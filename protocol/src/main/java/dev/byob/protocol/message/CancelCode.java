package dev.byob.protocol.message;

import java.util.Objects;

/**
 * Why an exchange was cancelled, in the manner of {@code m.key.verification.cancel}. The known codes
 * are constants; an unknown code received from a peer is kept as it was sent.
 */
public record CancelCode(String value) {
    /** Cancelled by the user or an operator. */
    public static final CancelCode USER = known("user");
    /** A step was not completed before its deadline. */
    public static final CancelCode TIMEOUT = known("timeout");
    /** No exchange with this txn_id. */
    public static final CancelCode UNKNOWN_TRANSACTION = known("unknown_transaction");
    /** The message is not valid in the exchange's current state. */
    public static final CancelCode UNEXPECTED_MESSAGE = known("unexpected_message");
    /** Malformed content: a missing, mistyped or out-of-range field, or content over the size limit. */
    public static final CancelCode INVALID_MESSAGE = known("invalid_message");
    /** A {@code version} this implementation does not speak. */
    public static final CancelCode UNSUPPORTED_VERSION = known("unsupported_version");
    /** A signature that is missing or does not verify with the pinned key. */
    public static final CancelCode BAD_SIGNATURE = known("bad_signature");
    /** No proof method both sides support. */
    public static final CancelCode UNSUPPORTED_METHOD = known("unsupported_method");
    /** The Matrix-account proof was not observed, or came from the wrong account or with the wrong nonce. */
    public static final CancelCode MATRIX_PROOF_FAILED = known("matrix_proof_failed");
    /** The remote-account proof was not observed, or came from the wrong account or with the wrong nonce. */
    public static final CancelCode REMOTE_PROOF_FAILED = known("remote_proof_failed");
    /** The hosting bridge does not bridge that network (or is not the bridge the request names). */
    public static final CancelCode NOT_BRIDGED = known("not_bridged");
    /** Too many requests from this visiting bridge or for this user. */
    public static final CancelCode RATE_LIMITED = known("rate_limited");
    /** Too many exchanges in flight. */
    public static final CancelCode BUSY = known("busy");
    /** A txn_id reused for a different message. */
    public static final CancelCode REPLAYED = known("replayed");
    /** A message signed with a key other than the pinned one, or for a stale epoch. */
    public static final CancelCode KEY_MISMATCH = known("key_mismatch");

    /** Any non-empty code of at most 255 characters; unknown codes are kept. */
    public CancelCode {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.length() > 255) {
            throw new IllegalArgumentException("a cancel code is 1 to 255 characters");
        }
    }

    private static CancelCode known(String suffix) {
        return new CancelCode(MessageType.PREFIX + suffix);
    }

    @Override
    public String toString() {
        return value;
    }
}
