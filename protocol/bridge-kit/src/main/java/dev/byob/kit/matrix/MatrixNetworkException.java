package dev.byob.kit.matrix;

import java.io.IOException;

/**
 * No usable answer arrived from the homeserver: the connection could not be made, broke, or timed out,
 * or the call was cancelled by {@link MatrixClient#close()}.
 *
 * <p>{@link #mayHaveReachedServer()} tells the ambiguous case apart: when the request may have been
 * received, the homeserver may have acted on it, so only idempotent requests are retried.
 */
public final class MatrixNetworkException extends MatrixRequestException {
    private static final long serialVersionUID = 1L;

    private final boolean mayHaveReachedServer;
    private final boolean cancelled;

    /**
     * @param request the method and path
     * @param cause the I/O failure
     * @param mayHaveReachedServer whether the homeserver may have received the request
     * @param cancelled whether the call was cancelled on purpose
     */
    public MatrixNetworkException(String request, IOException cause, boolean mayHaveReachedServer, boolean cancelled) {
        super(request, (cancelled ? "cancelled" : String.valueOf(cause.getMessage()))
                + (mayHaveReachedServer ? "" : " (not sent)"), cause);
        this.mayHaveReachedServer = mayHaveReachedServer;
        this.cancelled = cancelled;
    }

    /** Whether the homeserver may have received, and acted on, the request. */
    public boolean mayHaveReachedServer() {
        return mayHaveReachedServer;
    }

    /** Whether the call was cancelled on purpose (the client was closed); such calls are never retried. */
    public boolean cancelled() {
        return cancelled;
    }
}
