package dev.byob.protocol.message;

import java.util.Optional;

/**
 * The byob event types, all under the unstable prefix {@code org.matrix.msc3647.}, and which side
 * sends each. Messages a visiting bridge sends are signed with its key.
 */
public enum MessageType {
    REQUEST("request", Sender.VISITING),
    CHALLENGE("challenge", Sender.HOSTING),
    MATRIX_PROOF("matrix_proof", Sender.USER),
    ANSWER("answer", Sender.VISITING),
    ACCEPT("accept", Sender.HOSTING),
    CANCEL("cancel", Sender.EITHER),
    HEARTBEAT("heartbeat", Sender.VISITING),
    LEASE("lease", Sender.HOSTING),
    RELEASE("release", Sender.VISITING),
    REVOKED("revoked", Sender.HOSTING);

    /** The unstable namespace of every byob identifier. */
    public static final String PREFIX = "org.matrix.msc3647.";

    /** Who sends a message type. */
    public enum Sender { VISITING, HOSTING, USER, EITHER }

    private final String suffix;
    private final Sender sender;

    MessageType(String suffix, Sender sender) {
        this.suffix = suffix;
        this.sender = sender;
    }

    /** The Matrix event type, e.g. {@code org.matrix.msc3647.request}. */
    public String eventType() {
        return PREFIX + suffix;
    }

    /** The part after the prefix, e.g. {@code request}. */
    public String suffix() {
        return suffix;
    }

    /** Who sends it. */
    public Sender sender() {
        return sender;
    }

    /**
     * The client-server API transaction id to send a byob message with: the same for every resend of
     * the same message, so the homeserver deduplicates a resend after a crash.
     */
    public String clientTxnId(dev.byob.protocol.id.TxnId txnId) {
        return "byob." + suffix + "." + txnId.value();
    }

    /** The byob type of a Matrix event type, or empty when it is not one of ours. */
    public static Optional<MessageType> fromEventType(String eventType) {
        if (eventType == null || !eventType.startsWith(PREFIX)) {
            return Optional.empty();
        }
        String suffix = eventType.substring(PREFIX.length());
        for (MessageType type : values()) {
            if (type.suffix.equals(suffix)) {
                return Optional.of(type);
            }
        }
        return Optional.empty();
    }
}
