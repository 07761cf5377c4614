package dev.byob.hosting.appservice;

/** A {@link TransactionSink} could not answer or store; the homeserver will send the transaction again. */
public class TransactionSinkException extends Exception {

    /** With a message. */
    public TransactionSinkException(String message) {
        super(message);
    }

    /** With a message and the underlying failure. */
    public TransactionSinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
