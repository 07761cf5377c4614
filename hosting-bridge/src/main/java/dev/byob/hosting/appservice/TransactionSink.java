package dev.byob.hosting.appservice;

/**
 * Where the application-service API puts the transactions it receives: in production a durable store, from
 * which the bridge processes events after the homeserver has been answered.
 *
 * <p>The server calls these methods from one intake thread, one transaction at a time and in the order the
 * transactions arrived, never from an event loop; they may block on I/O. The homeserver is answered
 * {@code 200} only after {@link #accept(Transaction)} has returned, so an implementation must have made the
 * events and the processed mark durable by then: if the process dies after answering, nothing is lost, and if
 * it dies before, the homeserver sends the same transaction again.
 */
public interface TransactionSink {

    /**
     * Whether the transaction {@code txnId} was accepted before (so a repeat is answered without accepting it
     * again).
     *
     * @throws TransactionSinkException if the store cannot tell; the homeserver gets an error and retries
     */
    boolean isProcessed(String txnId) throws TransactionSinkException;

    /**
     * Stores the transaction's events, in their order, and marks its id processed, as one atomic step, returning
     * only when both are durable. Accepting an id already processed must change nothing.
     *
     * @throws TransactionSinkException if they could not be stored; the homeserver gets an error and retries
     */
    void accept(Transaction transaction) throws TransactionSinkException;
}
