package dev.byob.visiting.store;

/** Reading or writing the state database failed (a full disk, a damaged file); the change was rolled back. */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
