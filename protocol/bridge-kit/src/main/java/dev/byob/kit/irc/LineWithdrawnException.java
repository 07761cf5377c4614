package dev.byob.kit.irc;

/**
 * A line was not written: the condition it was sent with ({@link IrcConnection#send(IrcMessage,
 * java.util.function.BooleanSupplier)}) no longer held when flood control let it go. Nothing of it reached
 * the server, so sending it again later cannot duplicate it.
 */
public final class LineWithdrawnException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A line withdrawn before it was written. */
    public LineWithdrawnException() {
        super("withdrawn before it was written");
    }
}
