package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.T0;
import static dev.byob.hosting.store.StoreFixtures.aliceKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.hosting.HostingJournal.PendingMessage;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease.Direction;
import dev.byob.protocol.trust.TrustKey;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What every {@link HostingJournal} that keeps anything does: the in-memory one and the SQL one. */
public abstract class HostingJournalContract {
    private static final RoomId ROOM = new RoomId("!channel:hosting.example");

    /** A new, empty journal. */
    protected abstract HostingJournal newJournal();

    /** The data of {@code journal} through a new one, as after a restart; empty if it is not durable. */
    protected Optional<HostingJournal> reopen(HostingJournal journal) {
        return Optional.empty();
    }

    private static PendingMessage message(String id, int second) {
        return new PendingMessage(Direction.TO_REMOTE, id, ROOM, T0.plusSeconds(second));
    }

    @Test
    void load_fresh_isEmpty() {
        HostingJournal.Snapshot s = newJournal().load(Map.of(aliceKey(), 1L));
        assertEquals(Map.of(), s.lastSeq());
        assertEquals(Map.of(), s.pending());
    }

    @Test
    void heartbeatAccepted_keepsTheLastSeqOfTheEpochAskedFor() {
        HostingJournal j = newJournal();
        TrustKey key = aliceKey();
        j.heartbeatAccepted(key, 1, 3);
        j.heartbeatAccepted(key, 1, 7);
        j.heartbeatAccepted(key, 2, 1);
        assertEquals(Map.of(key, 7L), j.load(Map.of(key, 1L)).lastSeq());
        assertEquals(Map.of(key, 1L), j.load(Map.of(key, 2L)).lastSeq());
    }

    @Test
    void pending_keepsObservationOrder_dropsResolved_ignoresRepeats() {
        HostingJournal j = newJournal();
        TrustKey key = aliceKey();
        j.pendingAdded(key, 1, message("$c", 3));
        j.pendingAdded(key, 1, message("$a", 1));
        j.pendingAdded(key, 1, message("$b", 1));
        j.pendingAdded(key, 1, message("$a", 1));
        j.pendingResolved(key, 1, Direction.TO_REMOTE, "$c");
        j.pendingResolved(key, 1, Direction.TO_MATRIX, "$a"); // another direction: not the same message
        assertEquals(List.of(message("$a", 1), message("$b", 1)), j.load(Map.of(key, 1L)).pending().get(key));
        assertEquals(Map.of(), j.load(Map.of(key, 2L)).pending());
    }

    @Test
    void reopen_keepsEverything() {
        HostingJournal j = newJournal();
        TrustKey key = aliceKey();
        j.heartbeatAccepted(key, 1, 9);
        j.pendingAdded(key, 1, message("$x", 5));
        Optional<HostingJournal> again = reopen(j);
        assumeTrue(again.isPresent(), "not durable");
        HostingJournal.Snapshot s = again.get().load(Map.of(key, 1L));
        assertEquals(Map.of(key, 9L), s.lastSeq());
        assertEquals(List.of(message("$x", 5)), s.pending().get(key));
    }
}
