package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.ALICE;
import static dev.byob.hosting.store.StoreFixtures.BOB;
import static dev.byob.hosting.store.StoreFixtures.HB;
import static dev.byob.hosting.store.StoreFixtures.LIBERA;
import static dev.byob.hosting.store.StoreFixtures.OFTC;
import static dev.byob.hosting.store.StoreFixtures.T0;
import static dev.byob.hosting.store.StoreFixtures.aliceKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.byob.protocol.hosting.FillInLog;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.Lease.Direction;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every {@link FillInLog} does, checked against each implementation: the in-memory reference,
 * SQLite and PostgreSQL. A durable log must also keep entries and numbering across {@link #reopen}.
 */
public abstract class FillInLogContract {
    private static final RoomId ROOM = new RoomId("!channel:hosting.example");

    /** A new, empty log. */
    protected abstract FillInLog newLog();

    /** The data of {@code log} through a new log, as after a restart; empty for a log that is not durable. */
    protected Optional<FillInLog> reopen(FillInLog log) {
        return Optional.empty();
    }

    private static Lease.FillIn toRemote(FillInLog log, TrustKey key, long epoch, int n, Instant at) {
        return log.append(key, epoch, Direction.TO_REMOTE, Optional.of(new EventId("$event" + n)), Optional.empty(),
                Optional.of(ROOM), at);
    }

    private static List<Long> seqs(List<Lease.FillIn> entries) {
        return entries.stream().map(Lease.FillIn::fillSeq).toList();
    }

    @Test
    void append_first_fillSeqOneAndFieldsKept() {
        FillInLog log = newLog();

        Lease.FillIn toRemote = toRemote(log, aliceKey(), 1, 1, T0);
        Lease.FillIn toMatrix = log.append(aliceKey(), 1, Direction.TO_MATRIX, Optional.empty(),
                Optional.of("msgid-ab12"), Optional.empty(), T0.plusSeconds(1));

        assertEquals(new Lease.FillIn(1, Direction.TO_REMOTE, Optional.of(new EventId("$event1")), Optional.empty(),
                Optional.of(ROOM), T0.toEpochMilli()), toRemote);
        assertEquals(new Lease.FillIn(2, Direction.TO_MATRIX, Optional.empty(), Optional.of("msgid-ab12"),
                Optional.empty(), T0.plusSeconds(1).toEpochMilli()), toMatrix);
        assertEquals(List.of(toRemote, toMatrix), log.after(aliceKey(), 1, 0, 10));
    }

    @Test
    void append_perKeyAndEpoch_ownNumberingWithoutGaps() {
        FillInLog log = newLog();
        TrustKey bob = new TrustKey(HB, BOB, LIBERA);
        TrustKey aliceOftc = new TrustKey(HB, ALICE, OFTC);

        for (int i = 1; i <= 3; i++) {
            assertEquals(i, toRemote(log, aliceKey(), 1, i, T0).fillSeq());
        }
        assertEquals(1, toRemote(log, aliceKey(), 2, 4, T0).fillSeq());
        assertEquals(1, toRemote(log, bob, 1, 5, T0).fillSeq());
        assertEquals(1, toRemote(log, aliceOftc, 1, 6, T0).fillSeq());
        assertEquals(4, toRemote(log, aliceKey(), 1, 7, T0).fillSeq());
        assertEquals(List.of(1L, 2L, 3L, 4L), seqs(log.after(aliceKey(), 1, 0, 10)));
    }

    @Test
    void after_aboveGivenSeq_ascendingAtMostLimit() {
        FillInLog log = newLog();
        for (int i = 1; i <= 5; i++) {
            toRemote(log, aliceKey(), 1, i, T0);
        }

        assertEquals(List.of(3L, 4L), seqs(log.after(aliceKey(), 1, 2, 2)));
        assertEquals(List.of(5L), seqs(log.after(aliceKey(), 1, 4, 10)));
        assertEquals(List.of(), log.after(aliceKey(), 1, 5, 10));
        assertEquals(List.of(), log.after(aliceKey(), 2, 0, 10));
        assertEquals(List.of(), log.after(new TrustKey(HB, BOB, LIBERA), 1, 0, 10));
    }

    @Test
    void after_limitZeroOrNegative_nothing() {
        FillInLog log = newLog();
        toRemote(log, aliceKey(), 1, 1, T0);

        assertEquals(List.of(), log.after(aliceKey(), 1, 0, 0));
        assertEquals(List.of(), log.after(aliceKey(), 1, 0, -1));
    }

    @Test
    void acknowledge_dropsUpToFillAck_numberingContinues() {
        FillInLog log = newLog();
        for (int i = 1; i <= 4; i++) {
            toRemote(log, aliceKey(), 1, i, T0);
        }

        log.acknowledge(aliceKey(), 1, 2);

        assertEquals(List.of(3L, 4L), seqs(log.after(aliceKey(), 1, 0, 10)));
        assertEquals(5, toRemote(log, aliceKey(), 1, 5, T0).fillSeq());
    }

    @Test
    void acknowledge_beyondLast_dropsAll_numberingContinues() {
        FillInLog log = newLog();
        toRemote(log, aliceKey(), 1, 1, T0);
        toRemote(log, aliceKey(), 1, 2, T0);

        log.acknowledge(aliceKey(), 1, 99);

        assertEquals(List.of(), log.after(aliceKey(), 1, 0, 10));
        assertEquals(3, toRemote(log, aliceKey(), 1, 3, T0).fillSeq());
    }

    @Test
    void acknowledge_otherEpochOrKey_untouched() {
        FillInLog log = newLog();
        toRemote(log, aliceKey(), 1, 1, T0);
        toRemote(log, aliceKey(), 2, 2, T0);

        log.acknowledge(aliceKey(), 2, 1);
        log.acknowledge(new TrustKey(HB, BOB, LIBERA), 1, 1);

        assertEquals(List.of(1L), seqs(log.after(aliceKey(), 1, 0, 10)));
        assertEquals(List.of(), log.after(aliceKey(), 2, 0, 10));
    }

    @Test
    void append_invalidEntry_rejectedWithoutTakingANumber() {
        FillInLog log = newLog();
        toRemote(log, aliceKey(), 1, 1, T0);

        assertThrows(IllegalArgumentException.class, () -> log.append(aliceKey(), 1, Direction.TO_MATRIX,
                Optional.empty(), Optional.of("x".repeat(256)), Optional.empty(), T0));

        assertEquals(2, toRemote(log, aliceKey(), 1, 2, T0).fillSeq());
        assertEquals(List.of(1L, 2L), seqs(log.after(aliceKey(), 1, 0, 10)));
    }

    @Test
    void reopen_entriesAndNumberingSurvive() {
        FillInLog log = newLog();
        for (int i = 1; i <= 3; i++) {
            toRemote(log, aliceKey(), 1, i, T0);
        }
        log.acknowledge(aliceKey(), 1, 1);
        List<Lease.FillIn> before = log.after(aliceKey(), 1, 0, 10);

        Optional<FillInLog> reopened = reopen(log);
        assumeTrue(reopened.isPresent(), "this log is not durable");
        FillInLog again = reopened.get();

        assertEquals(before, again.after(aliceKey(), 1, 0, 10));
        assertEquals(4, toRemote(again, aliceKey(), 1, 4, T0).fillSeq());
    }

    /** Random operations give the same results as the in-memory reference. */
    @Test
    void randomOperations_sameAsInMemoryLog() {
        FillInLog log = newLog();
        FillInLog reference = new InMemoryFillInLog();
        List<TrustKey> keys = List.of(aliceKey(), new TrustKey(HB, BOB, LIBERA));
        Random random = new Random(3647);

        for (int step = 0; step < 300; step++) {
            TrustKey key = keys.get(random.nextInt(keys.size()));
            long epoch = 1 + random.nextInt(2);
            String where = "step " + step;
            switch (random.nextInt(4)) {
                case 0, 1 -> {
                    Direction direction = random.nextBoolean() ? Direction.TO_REMOTE : Direction.TO_MATRIX;
                    Optional<EventId> event = random.nextBoolean() ? Optional.of(new EventId("$e" + step)) : Optional.empty();
                    Optional<String> msgid = random.nextBoolean() ? Optional.of("m" + step) : Optional.empty();
                    Optional<RoomId> room = random.nextBoolean() ? Optional.of(ROOM) : Optional.empty();
                    Instant at = T0.plusMillis(step * 997L);
                    assertEquals(reference.append(key, epoch, direction, event, msgid, room, at),
                            log.append(key, epoch, direction, event, msgid, room, at), where);
                }
                case 2 -> {
                    long ack = random.nextInt(40);
                    reference.acknowledge(key, epoch, ack);
                    log.acknowledge(key, epoch, ack);
                }
                default -> {
                    long after = random.nextInt(40);
                    int limit = random.nextInt(10);
                    assertEquals(reference.after(key, epoch, after, limit), log.after(key, epoch, after, limit), where);
                }
            }
        }
        for (TrustKey key : keys) {
            for (long epoch = 1; epoch <= 2; epoch++) {
                assertEquals(reference.after(key, epoch, 0, 1000), log.after(key, epoch, 0, 1000), key + " " + epoch);
            }
        }
    }
}
