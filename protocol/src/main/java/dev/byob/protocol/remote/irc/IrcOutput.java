package dev.byob.protocol.remote.irc;

import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/** What a transport must do or report after an {@link IrcSession} step, in order. */
public sealed interface IrcOutput {

    /**
     * Send this line. A {@code secret} line (SASL data) must not be logged as it is: its
     * {@link #toString()} is redacted already.
     */
    record SendLine(IrcMessage message, boolean secret) implements IrcOutput {
        /** Checks for null. */
        public SendLine {
            Objects.requireNonNull(message, "message");
        }

        /** A line that may be logged. */
        public static SendLine of(IrcMessage message) {
            return new SendLine(message, false);
        }

        @Override
        public String toString() {
            return "SendLine[" + (secret ? message.command() + " <redacted>" : message.toString()) + "]";
        }
    }

    /**
     * Registration completed (001): the connection is usable.
     *
     * @param nick the nick the server gave
     * @param capabilities the capabilities enabled
     * @param account the services account logged in to with SASL, if any
     */
    record Registered(String nick, Set<String> capabilities, Optional<String> account) implements IrcOutput {
        /** Immutable copy. */
        public Registered {
            Objects.requireNonNull(nick, "nick");
            capabilities = Set.copyOf(capabilities);
            Objects.requireNonNull(account, "account");
        }
    }

    /**
     * The SASL login failed. If it was required, {@link Failed} follows and the session ends;
     * otherwise registration continues without an account.
     *
     * @param reason why, for the user
     * @param numeric the server's numeric (e.g. {@code 904}), if the server gave one
     * @param account the account that was tried
     * @param detail the server's text, or what happened
     */
    record SaslFailed(SaslFailure reason, Optional<String> numeric, String account, String detail)
            implements IrcOutput {
        /** Checks for null. */
        public SaslFailed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(numeric, "numeric");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(detail, "detail");
        }

        /** A sentence for the user, e.g. "Logging in to IRC account alice failed: the account name or password is wrong (904 ...)". */
        public String describe() {
            return "Logging in to IRC account " + account + " failed: " + reason.description()
                    + " (" + numeric.map(n -> n + " ").orElse("") + detail + ")";
        }
    }

    /** The session ended without the caller asking: close the connection; see {@link IrcFailure#retryable()}. */
    record Failed(IrcFailure reason, String detail) implements IrcOutput {
        /** Checks for null. */
        public Failed {
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(detail, "detail");
        }
    }

    /** A line received after registration, for the bridge. PINGs are answered already. */
    record Event(IrcMessage message) implements IrcOutput {
        /** Checks for null. */
        public Event {
            Objects.requireNonNull(message, "message");
        }
    }
}
