package dev.byob.protocol.message;

import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * {@code org.matrix.msc3647.lease}, hosting → visiting, the reply to a heartbeat: the lease runs
 * {@code leaseMs} from when the visiting bridge sent the heartbeat, and {@code filledIn} lists what the
 * hosting bridge relayed on the user's behalf that the visiting bridge has not acknowledged yet.
 *
 * @param more true when further fill-in entries wait: send the next heartbeat at once
 */
public record Lease(TxnId txnId, UserId userId, Network network, long epoch, long seq, long leaseMs,
                    List<FillIn> filledIn, boolean more) implements ByobMessage {

    /** At most this many fill-in entries travel in one lease. */
    public static final int MAX_FILLED_IN = 256;

    /** Which way a filled-in message went. */
    public enum Direction {
        /** From the user's Matrix account to the remote network. */
        TO_REMOTE("to_remote"),
        /** From the user's remote account to Matrix. */
        TO_MATRIX("to_matrix");

        private final String wire;

        Direction(String wire) {
            this.wire = wire;
        }

        /** The name on the wire. */
        public String wire() {
            return wire;
        }

        /** The direction with this wire name. */
        public static Optional<Direction> fromWire(String wire) {
            for (Direction d : values()) {
                if (d.wire.equals(wire)) {
                    return Optional.of(d);
                }
            }
            return Optional.empty();
        }
    }

    /** One message the hosting bridge relayed for the user while the lease had lapsed. */
    public record FillIn(long fillSeq, Direction direction, Optional<EventId> matrixEventId,
                         Optional<String> remoteMsgid, Optional<RoomId> roomId, long sentAt) {
        /** Validates: fill_seq at least 1 and a remote msgid of at most 255 characters. */
        public FillIn {
            Limits.range(fillSeq, 1, Limits.MAX_SAFE_INTEGER, "fill_seq");
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(matrixEventId, "matrixEventId");
            Objects.requireNonNull(remoteMsgid, "remoteMsgid");
            remoteMsgid.ifPresent(id -> Limits.text(id, 1, 255, "remote_msgid"));
            Objects.requireNonNull(roomId, "roomId");
            Limits.timestamp(sentAt, "sent_at");
        }
    }

    /** Validates: ranges, at most {@link #MAX_FILLED_IN} entries, ascending {@code fill_seq}. */
    public Lease {
        Objects.requireNonNull(txnId, "txnId");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
        Limits.range(epoch, 1, Limits.MAX_SAFE_INTEGER, "epoch");
        Limits.range(seq, 1, Limits.MAX_SAFE_INTEGER, "seq");
        Limits.range(leaseMs, 1_000, 86_400_000L, "lease_ms");
        filledIn = List.copyOf(filledIn);
        if (filledIn.size() > MAX_FILLED_IN) {
            throw new IllegalArgumentException("filled_in has at most " + MAX_FILLED_IN + " entries");
        }
        for (int i = 1; i < filledIn.size(); i++) {
            if (filledIn.get(i).fillSeq() <= filledIn.get(i - 1).fillSeq()) {
                throw new IllegalArgumentException("filled_in is in ascending fill_seq order");
            }
        }
    }

    @Override
    public MessageType type() {
        return MessageType.LEASE;
    }
}
