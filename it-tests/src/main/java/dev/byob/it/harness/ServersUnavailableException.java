package dev.byob.it.harness;

/**
 * The integration tests cannot have a server they need; the message says what to do (run as root,
 * name a running server, or skip with {@code -DskipITs}), or repeats an earlier start-up failure.
 */
public final class ServersUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With the message to show. */
    public ServersUnavailableException(String message) {
        super(message);
    }

    /** With the message to show and the original failure. */
    public ServersUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
