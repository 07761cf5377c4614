package dev.byob.cli.conformance;

/**
 * The homeserver refused to send an event (for example content that is not canonical JSON, or too large): the
 * hosting bridge behind it can never receive such an event, so a check that needs one cannot run.
 */
public final class EventRefused extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With the homeserver's error, e.g. {@code M_BAD_JSON: Bad JSON value: float}. */
    public EventRefused(String message, Throwable cause) {
        super(message, cause);
    }
}
