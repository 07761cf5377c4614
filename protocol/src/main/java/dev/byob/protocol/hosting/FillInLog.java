package dev.byob.protocol.hosting;

import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a hosting bridge relayed on a user's behalf while their lease had lapsed, per trust epoch, so
 * that the returning visiting bridge is told and relays none of it again. Durable in a real bridge.
 */
public interface FillInLog {

    /** Records one relay and returns it with the next {@code fill_seq} of that epoch. */
    Lease.FillIn append(TrustKey key, long epoch, Lease.Direction direction, Optional<EventId> matrixEventId,
                        Optional<String> remoteMsgid, Optional<RoomId> roomId, Instant sentAt);

    /** The visiting bridge has recorded entries up to {@code fillAck}: they need not be kept. */
    void acknowledge(TrustKey key, long epoch, long fillAck);

    /** Entries of {@code epoch} with {@code fill_seq > after}, ascending, at most {@code limit}. */
    List<Lease.FillIn> after(TrustKey key, long epoch, long after, int limit);
}
