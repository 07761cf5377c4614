package dev.byob.kit.matrix;

import java.util.Objects;

/**
 * A request to the homeserver failed: either the homeserver answered with an error
 * ({@link MatrixException}) or no usable answer arrived ({@link MatrixNetworkException}). Messages name
 * the method and path, never an access token.
 */
public abstract sealed class MatrixRequestException extends RuntimeException
        permits MatrixException, MatrixNetworkException {
    private static final long serialVersionUID = 1L;

    private final String request;

    MatrixRequestException(String request, String message, Throwable cause) {
        super(request + " failed: " + message, cause);
        this.request = Objects.requireNonNull(request, "request");
    }

    /** The method and path of the failed request, e.g. {@code PUT /_matrix/client/v3/rooms/...}. */
    public String request() {
        return request;
    }
}
