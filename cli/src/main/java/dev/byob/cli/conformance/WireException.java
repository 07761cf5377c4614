package dev.byob.cli.conformance;

/** The run could not go on: a server could not be reached, or refused what it needed (not a conformance failure). */
public final class WireException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a sentence saying what could not be done. */
    public WireException(String message, Throwable cause) {
        super(message, cause);
    }
}
