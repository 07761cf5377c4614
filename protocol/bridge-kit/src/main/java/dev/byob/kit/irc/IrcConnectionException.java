package dev.byob.kit.irc;

import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import java.util.Objects;
import java.util.Optional;

/**
 * An IRC connection ended for good before or after registering: the failure is not one that retrying
 * fixes (see {@link IrcFailure#retryable()}), or reconnecting is off. When SASL was the cause,
 * {@link #saslFailure()} says exactly why, for the user.
 */
public final class IrcConnectionException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final IrcFailure failure;
    private final transient SaslFailed saslFailure;

    /**
     * @param failure the kind of failure
     * @param detail what happened
     * @param saslFailure the SASL failure that caused it, if any
     */
    public IrcConnectionException(IrcFailure failure, String detail, Optional<SaslFailed> saslFailure) {
        super(failure + ": " + detail);
        this.failure = Objects.requireNonNull(failure, "failure");
        this.saslFailure = saslFailure.orElse(null);
    }

    /** The kind of failure. */
    public IrcFailure failure() {
        return failure;
    }

    /** The SASL failure behind it, e.g. wrong credentials (904), if SASL was the cause. */
    public Optional<SaslFailed> saslFailure() {
        return Optional.ofNullable(saslFailure);
    }
}
