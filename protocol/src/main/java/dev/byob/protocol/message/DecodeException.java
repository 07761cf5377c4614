package dev.byob.protocol.message;

import java.util.Locale;
import java.util.Objects;

/**
 * Content that is not a valid byob message: which rule it broke ({@link Code}), where (a JSON pointer
 * into the content, {@code ""} for the whole), and a readable reason. Maps onto the cancel code the
 * receiver answers with.
 */
public final class DecodeException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The classes of malformed input the specification's test vectors name. */
    public enum Code {
        /** Not JSON, or JSON that is not an object. */
        MALFORMED_JSON,
        /** The event type is not a byob message type. */
        UNKNOWN_TYPE,
        /** A {@code version} other than the one spoken here. */
        UNSUPPORTED_VERSION,
        /** A required field is absent. */
        MISSING_FIELD,
        /** A field has the wrong JSON type (floats are never allowed). */
        WRONG_TYPE,
        /** A number outside its range, or a list or string of the wrong length. */
        OUT_OF_RANGE,
        /** A string that does not match its format (user id, nonce, key, ...). */
        INVALID_FORMAT,
        /** Content over the size limit. */
        TOO_LARGE,
        /** A signature that is missing, malformed or does not verify. */
        BAD_SIGNATURE;

        /** The lower-case name used in the test vectors, e.g. {@code missing_field}. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Code code;
    private final String pointer;

    /** An error: which rule, where (a JSON pointer), and why. */
    public DecodeException(Code code, String pointer, String reason) {
        this(code, pointer, reason, null);
    }

    /** The error with its cause, typically the underlying parse or validation failure. */
    public DecodeException(Code code, String pointer, String reason, Throwable cause) {
        super(reason, cause);
        this.code = Objects.requireNonNull(code, "code");
        this.pointer = Objects.requireNonNull(pointer, "pointer");
    }

    /** Which rule was broken. */
    public Code code() {
        return code;
    }

    /** JSON pointer to the offending field; {@code ""} for the content as a whole. */
    public String pointer() {
        return pointer;
    }

    /** The reason without the pointer. */
    public String reason() {
        return super.getMessage();
    }

    /** The cancel code a receiver answers this with. */
    public CancelCode cancelCode() {
        switch (code) {
            case UNSUPPORTED_VERSION:
                return CancelCode.UNSUPPORTED_VERSION;
            case BAD_SIGNATURE:
                return CancelCode.BAD_SIGNATURE;
            default:
                return CancelCode.INVALID_MESSAGE;
        }
    }

    @Override
    public String getMessage() {
        return (pointer.isEmpty() ? "content" : pointer) + ": " + super.getMessage();
    }
}
