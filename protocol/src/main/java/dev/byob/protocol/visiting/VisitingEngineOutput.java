package dev.byob.protocol.visiting;

import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;

/** What a visiting bridge's transports must do after a {@link VisitingEngine} call, in order. */
public sealed interface VisitingEngineOutput {

    /** An output of the handshake with one hosting bridge (send, make a proof, trust changes...). */
    record ForRelation(TrustKey key, VisitingOutput output) implements VisitingEngineOutput {}

    /**
     * Relay the user's message now: a Matrix event to the network from the user's own connection, tagged
     * {@code +byob.dev/origin=<event id>} ({@code TO_REMOTE}), or an IRC line to Matrix as the user, with
     * {@code org.matrix.msc3647.source} naming its msgid ({@code TO_MATRIX}). Record it durably first.
     */
    record RelayNow(TrustKey key, RoomId room, Lease.Direction direction, String messageId)
            implements VisitingEngineOutput {}

    /**
     * A message of the user observed during the handshake is the hosting bridge's to relay after all (it was
     * observed before the handover window, or the handshake failed): forget it.
     */
    record LeftToHost(TrustKey key, RoomId room, Lease.Direction direction, String messageId)
            implements VisitingEngineOutput {}

    /**
     * A hosting bridge's first remote-proof target on a network, now pinned (§2.3): record it durably, and give
     * it back with {@link VisitingEngine#restorePin} after a restart. Comes before the proofs it allows.
     */
    record TargetPinned(RemoteTargetPins.Pin pin) implements VisitingEngineOutput {}
}
