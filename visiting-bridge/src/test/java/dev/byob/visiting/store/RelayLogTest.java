package dev.byob.visiting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.kit.irc.Formatting;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RelayLogTest {
    static final RoomId ROOM = RoomId.parse("!room:example.org");
    static final Formatting.Message HELLO = new Formatting.Message(Formatting.Kind.TEXT, "hello");
    static final Instant T0 = Instant.ofEpochMilli(1_700_000_000_000L);
    static final Lease.Direction OUT = Lease.Direction.TO_REMOTE;
    static final Lease.Direction IN = Lease.Direction.TO_MATRIX;

    @TempDir
    Path dir;
    StateStore store;
    RelayLog log;

    @BeforeEach
    void open() throws IOException {
        store = StateStore.open(dir);
        log = store.relays();
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void observed_sameMessageTwice_isNewOnlyOnce() {
        assertTrue(log.observed(OUT, "$e1", ROOM, HELLO, T0, true));
        assertFalse(log.observed(OUT, "$e1", ROOM, HELLO, T0.plusSeconds(1), true));
        // The same id in the other direction is another message.
        assertTrue(log.observed(IN, "$e1", ROOM, HELLO, T0, false));
        RelayLog.Entry e = log.get(OUT, "$e1").orElseThrow();
        assertEquals(new RelayLog.Entry(OUT, "$e1", Optional.of(ROOM), Optional.of(HELLO), T0, true,
                RelayLog.Status.OBSERVED, 0), e);
    }

    @Test
    void sendingThenDone_countsAttempts_andFinishes() {
        log.observed(IN, "m1", ROOM, HELLO, T0, true);
        log.sending(IN, "m1", T0);
        log.sending(IN, "m1", T0.plusSeconds(1));
        RelayLog.Entry e = log.get(IN, "m1").orElseThrow();
        assertEquals(RelayLog.Status.SENDING, e.status());
        assertEquals(2, e.attempts());
        assertEquals(List.of(e), log.unfinished());
        log.done(IN, "m1", "$relayed", T0.plusSeconds(2));
        assertEquals(RelayLog.Status.DONE, log.get(IN, "m1").orElseThrow().status());
        assertTrue(log.unfinished().isEmpty());
    }

    @Test
    void relayedBy_beforeTheMessage_keepsItFromBeingRelayed() {
        assertEquals(Optional.empty(), log.relayedBy(RelayLog.Status.SEEN, OUT, "$e2", T0));
        assertFalse(log.observed(OUT, "$e2", ROOM, HELLO, T0.plusSeconds(1), true));
        assertEquals(RelayLog.Status.SEEN, log.get(OUT, "$e2").orElseThrow().status());
        assertTrue(log.unfinished().isEmpty());
    }

    @Test
    void relayedBy_doesNotDowngradeDoneOrFilled() {
        log.observed(OUT, "$a", ROOM, HELLO, T0, true);
        log.done(OUT, "$a", "written", T0);
        assertEquals(Optional.of(RelayLog.Status.DONE), log.relayedBy(RelayLog.Status.SEEN, OUT, "$a", T0));
        assertEquals(RelayLog.Status.DONE, log.get(OUT, "$a").orElseThrow().status());
        log.observed(OUT, "$b", ROOM, HELLO, T0, false);
        log.relayedBy(RelayLog.Status.FILLED, OUT, "$b", T0);
        log.relayedBy(RelayLog.Status.SEEN, OUT, "$b", T0);
        assertEquals(RelayLog.Status.FILLED, log.get(OUT, "$b").orElseThrow().status());
    }

    @Test
    void reopen_onlyUndoesSending() {
        log.observed(OUT, "$a", ROOM, HELLO, T0, true);
        log.sending(OUT, "$a", T0);
        log.reopen(OUT, "$a", T0);
        assertEquals(RelayLog.Status.OBSERVED, log.get(OUT, "$a").orElseThrow().status());
        log.left(OUT, "$a", "too old", T0);
        log.reopen(OUT, "$a", T0);
        assertEquals(RelayLog.Status.LEFT, log.get(OUT, "$a").orElseThrow().status());
    }

    @Test
    void unfinished_isInObservationOrder_andFiltersByRoomDirectionAndTime() {
        RoomId other = RoomId.parse("!other:example.org");
        log.observed(OUT, "$late", ROOM, HELLO, T0.plusSeconds(20), true);
        log.observed(OUT, "$early", ROOM, HELLO, T0, true);
        log.observed(OUT, "$elsewhere", other, HELLO, T0.plusSeconds(5), true);
        log.observed(IN, "m", ROOM, HELLO, T0.plusSeconds(10), true);
        assertEquals(List.of("$early", "$elsewhere", "m", "$late"),
                log.unfinished().stream().map(RelayLog.Entry::messageId).toList());
        assertEquals(List.of("$late"), log.unfinished(ROOM, OUT, T0.plusSeconds(1)).stream()
                .map(RelayLog.Entry::messageId).toList());
    }

    @Test
    void prune_dropsOnlyOldFinishedEntries() {
        log.observed(OUT, "$old", ROOM, HELLO, T0, true);
        log.done(OUT, "$old", "written", T0);
        log.observed(OUT, "$open", ROOM, HELLO, T0, true);
        log.observed(OUT, "$new", ROOM, HELLO, T0, true);
        log.done(OUT, "$new", "written", T0.plusSeconds(100));
        assertEquals(1, log.prune(T0.plusSeconds(50)));
        assertTrue(log.get(OUT, "$old").isEmpty());
        assertTrue(log.get(OUT, "$open").isPresent());
        assertTrue(log.get(OUT, "$new").isPresent());
    }

    @Test
    void entries_surviveAReopen() throws IOException {
        log.observed(IN, "m1", ROOM, new Formatting.Message(Formatting.Kind.EMOTE, "waves"), T0, false);
        log.sending(IN, "m1", T0);
        store.close();
        store = StateStore.open(dir);
        log = store.relays();
        RelayLog.Entry e = log.get(IN, "m1").orElseThrow();
        assertEquals(RelayLog.Status.SENDING, e.status());
        assertEquals(Formatting.Kind.EMOTE, e.message().orElseThrow().kind());
        assertFalse(e.observedLive());
    }
}
