package dev.byob.protocol.remote.irc;

/**
 * Why an IRC connection ended without the caller asking, and whether trying again later can help.
 * {@link IrcSession} reports the first four; transports report the others.
 */
public enum IrcFailure {
    /** SASL was required and did not succeed; see the {@link IrcOutput.SaslFailed} before it. Retrying repeats it. */
    SASL_FAILED(false),
    /** Every nick tried was in use. */
    NICK_UNAVAILABLE(true),
    /** The server refused the nick as invalid (432). Retrying repeats it. */
    NICK_INVALID(false),
    /** The server closed the link ({@code ERROR}): a ban, a kill, a restart. */
    CLOSED_BY_SERVER(true),
    /** The connection could not be made or was lost. */
    CONNECTION_LOST(true),
    /** The server did not answer in time: registration, or a ping. */
    TIMEOUT(true);

    private final boolean retryable;

    IrcFailure(boolean retryable) {
        this.retryable = retryable;
    }

    /** Whether connecting again later may succeed without changing the configuration. */
    public boolean retryable() {
        return retryable;
    }
}
