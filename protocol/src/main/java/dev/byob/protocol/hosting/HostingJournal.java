package dev.byob.protocol.hosting;

import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hosting engine's state beyond trust records and fill-ins that must survive a restart (§10.6,
 * §12.8): the last heartbeat accepted per record, so an old heartbeat cannot renew a lease again, and
 * the user's messages still waiting to be observed relayed, so none is lost. A real bridge keeps it in
 * its database, writing each call durably before it returns, or, for {@link #pendingAdded} and
 * {@link #pendingResolved}, before it forgets the input that caused the call (which it would otherwise
 * see again after a crash) and before it relays anything: then many can share one commit.
 * {@link InMemoryHostingJournal} keeps it for the life of the process, {@link #NONE} not at all.
 */
public interface HostingJournal {

    /** A user message the visiting bridge has not yet been observed relaying. */
    record PendingMessage(Lease.Direction direction, String messageId, RoomId room, Instant seenAt) {
        public PendingMessage {
            Objects.requireNonNull(direction, "direction");
            Objects.requireNonNull(messageId, "messageId");
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(seenAt, "seenAt");
        }
    }

    /** What a restarted engine resumes from, for the records in force. */
    record Snapshot(Map<TrustKey, Long> lastSeq, Map<TrustKey, List<PendingMessage>> pending) {
        public Snapshot {
            lastSeq = Map.copyOf(lastSeq);
            pending = Map.copyOf(pending);
        }
    }

    /**
     * The state recorded for the records at {@code epochs} (key → the epoch in force, or the last one that
     * ended, whose messages may still be held back).
     */
    Snapshot load(Map<TrustKey, Long> epochs);

    /** A heartbeat of {@code epoch} with {@code seq} renewed the lease. */
    void heartbeatAccepted(TrustKey key, long epoch, long seq);

    /** A user message now waits to be observed relayed. */
    void pendingAdded(TrustKey key, long epoch, PendingMessage message);

    /** A waiting message was observed relayed, or relayed by the hosting bridge itself. */
    void pendingResolved(TrustKey key, long epoch, Lease.Direction direction, String messageId);

    /** Keeps nothing: a restarted engine forgets heartbeats and waiting messages (the trust itself stays). */
    HostingJournal NONE = new HostingJournal() {
        @Override
        public Snapshot load(Map<TrustKey, Long> epochs) {
            return new Snapshot(Map.of(), Map.of());
        }

        @Override
        public void heartbeatAccepted(TrustKey key, long epoch, long seq) {}

        @Override
        public void pendingAdded(TrustKey key, long epoch, PendingMessage message) {}

        @Override
        public void pendingResolved(TrustKey key, long epoch, Lease.Direction direction, String messageId) {}
    };
}
