package dev.byob.hosting.store;

import java.util.Objects;

/**
 * The database could not do what a store was asked: which kind of failure ({@link Code}) and why. The
 * store interfaces of the protocol declare no checked exceptions, so this one is unchecked; whatever
 * the failure, the transaction it happened in was rolled back.
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The kinds of failure, for callers that react differently to each. */
    public enum Code {
        /** The database cannot be reached or opened (a connection error, a missing file, bad credentials). */
        UNAVAILABLE,
        /** The database's schema is newer than this program knows: refuse rather than misread it. */
        SCHEMA_TOO_NEW,
        /** The database's applied migrations are not the ones this program has: not its database. */
        SCHEMA_MISMATCH,
        /** A schema migration failed; it was rolled back and the schema is at the version before it. */
        MIGRATION_FAILED,
        /** A statement failed: a constraint, a lock that was not released in time, a full disk. */
        QUERY_FAILED,
        /** A stored row cannot be read back as a value (edited by hand, or written by a broken version). */
        INVALID_DATA
    }

    private final Code code;

    /** A failure of kind {@code code}, with the reason and its cause (may be null). */
    public StoreException(Code code, String message, Throwable cause) {
        super(message, cause);
        this.code = Objects.requireNonNull(code, "code");
    }

    /** A failure of kind {@code code}, with the reason. */
    public StoreException(Code code, String message) {
        this(code, message, null);
    }

    /** Which kind of failure this is. */
    public Code code() {
        return code;
    }
}
