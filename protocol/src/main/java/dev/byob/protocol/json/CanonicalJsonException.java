package dev.byob.protocol.json;

import java.util.Objects;

/**
 * A JSON value could not be parsed strictly or encoded as Matrix canonical JSON.
 *
 * <p>{@link #reason()} says what was wrong and {@link #path()} where: a JSON pointer (RFC 6901) such
 * as {@code /content/items/0}, or the empty string for the document root. Parser errors from the
 * underlying JSON library are wrapped as the cause, never thrown directly.
 */
public final class CanonicalJsonException extends Exception {

    private static final long serialVersionUID = 1L;

    /** What made the value unacceptable. */
    public enum Reason {
        /** The input is not well-formed JSON (syntax error, invalid UTF-8, empty document, parser limit exceeded). */
        MALFORMED,
        /** Something other than whitespace follows the first complete JSON value. */
        TRAILING_CONTENT,
        /** An object has the same key twice. */
        DUPLICATE_KEY,
        /** A number has a fraction or exponent, or is not finite; canonical JSON allows integers only. */
        FLOAT_NOT_ALLOWED,
        /** An integer lies outside [-(2^53-1), 2^53-1]. */
        INTEGER_OUT_OF_RANGE,
        /** Objects and arrays are nested deeper than {@link CanonicalJson#MAX_DEPTH}. */
        TOO_DEEP,
        /** A string or key contains an unpaired UTF-16 surrogate, which has no UTF-8 encoding. */
        INVALID_STRING,
        /** A tree node that has no JSON form, such as binary or POJO nodes. */
        UNSUPPORTED_VALUE
    }

    /** What was wrong. */
    private final Reason reason;
    /** JSON pointer of the offending value. */
    private final String path;

    /**
     * Creates an exception.
     *
     * @param reason what was wrong
     * @param path JSON pointer to the offending value, {@code ""} for the document root
     * @param detail human-readable description, without the location
     */
    public CanonicalJsonException(Reason reason, String path, String detail) {
        this(reason, path, detail, null);
    }

    /**
     * Creates an exception that wraps a lower-level cause.
     *
     * @param reason what was wrong
     * @param path JSON pointer to the offending value, {@code ""} for the document root
     * @param detail human-readable description, without the location
     * @param cause the underlying error, may be {@code null}
     */
    public CanonicalJsonException(Reason reason, String path, String detail, Throwable cause) {
        super(detail + (path.isEmpty() ? " (at the document root)" : " (at " + path + ")"), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.path = path;
    }

    /** {@return what made the value unacceptable} */
    public Reason reason() {
        return reason;
    }

    /** {@return the JSON pointer of the offending value; {@code ""} means the document root} */
    public String path() {
        return path;
    }
}
