package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.ALICE;
import static dev.byob.hosting.store.StoreFixtures.BOB;
import static dev.byob.hosting.store.StoreFixtures.HB;
import static dev.byob.hosting.store.StoreFixtures.HB2;
import static dev.byob.hosting.store.StoreFixtures.LIBERA;
import static dev.byob.hosting.store.StoreFixtures.OFTC;
import static dev.byob.hosting.store.StoreFixtures.T0;
import static dev.byob.hosting.store.StoreFixtures.aliceKey;
import static dev.byob.hosting.store.StoreFixtures.candidate;
import static dev.byob.hosting.store.StoreFixtures.vb;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TrustStore} does, checked against each implementation: the in-memory reference,
 * SQLite and PostgreSQL. {@link InMemoryTrustStore} defines the behaviour; a durable store must also
 * keep it across {@link #reopen}.
 */
public abstract class TrustStoreContract {
    private static final VisitingBridgeId VB1 = vb("vb1", 1);
    private static final VisitingBridgeId VB2 = vb("vb2", 2);

    /** A new, empty store. */
    protected abstract TrustStore newStore();

    /** The data of {@code store} through a new store, as after a restart; empty for a store that is not durable. */
    protected Optional<TrustStore> reopen(TrustStore store) {
        return Optional.empty();
    }

    @Test
    void find_emptyStore_nothing() {
        TrustStore store = newStore();

        assertEquals(Optional.empty(), store.find(aliceKey()));
        assertEquals(Optional.empty(), store.find(aliceKey(), 1));
        assertEquals(List.of(), store.all());
    }

    @Test
    void establish_firstTime_epochOneInForceKeptExactly() {
        TrustStore store = newStore();
        TrustCandidate c = candidate(aliceKey(), VB1, 1);

        TrustStore.Establishment est = store.establish(c, T0);

        TrustRecord expected = new TrustRecord(aliceKey(), c.remoteAccount(), VB1, "dm", "irc.account_privmsg", T0, 1,
                c.txnId(), Optional.empty());
        assertEquals(expected, est.record());
        assertEquals(Optional.empty(), est.superseded());
        assertEquals(Optional.of(expected), store.find(aliceKey()));
        assertEquals(Optional.of(expected), store.find(aliceKey(), 1));
        assertEquals(List.of(expected), store.all());
    }

    @Test
    void establish_overRecordInForce_nextEpochAndPreviousSuperseded() {
        TrustStore store = newStore();
        TrustRecord first = store.establish(candidate(aliceKey(), VB1, 1), T0).record();
        Instant t1 = T0.plusSeconds(60);

        TrustStore.Establishment est = store.establish(candidate(aliceKey(), VB2, 2), t1);

        assertEquals(2, est.record().epoch());
        assertEquals(VB2, est.record().vb());
        assertTrue(est.record().active());
        TrustRecord superseded = first.end(RevokeCode.SUPERSEDED, t1);
        assertEquals(Optional.of(superseded), est.superseded());
        assertEquals(Optional.of(superseded), store.find(aliceKey(), 1));
        assertEquals(Optional.of(est.record()), store.find(aliceKey()));
        assertEquals(Optional.of(est.record()), store.find(aliceKey(), 2));
    }

    @Test
    void establish_afterRevoke_nextEpochNothingSuperseded() {
        TrustStore store = newStore();
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        store.revoke(aliceKey(), 1, RevokeCode.USER_REVOKED, T0.plusSeconds(1));

        TrustStore.Establishment est = store.establish(candidate(aliceKey(), VB1, 2), T0.plusSeconds(2));

        assertEquals(2, est.record().epoch());
        assertEquals(Optional.empty(), est.superseded());
        assertEquals(RevokeCode.USER_REVOKED, store.find(aliceKey(), 1).orElseThrow().ended().orElseThrow().code());
    }

    @Test
    void revoke_inForce_endsItAndReturnsIt() {
        TrustStore store = newStore();
        TrustRecord record = store.establish(candidate(aliceKey(), VB1, 1), T0).record();
        Instant t1 = T0.plusMillis(1500);

        Optional<TrustRecord> ended = store.revoke(aliceKey(), 1, RevokeCode.OPERATOR, t1);

        assertEquals(Optional.of(record.end(RevokeCode.OPERATOR, t1)), ended);
        assertEquals(ended, store.find(aliceKey()));
        assertEquals(ended, store.find(aliceKey(), 1));
        assertEquals(List.of(ended.orElseThrow()), store.all());
    }

    @Test
    void revoke_unknownCode_keptAsGiven() {
        TrustStore store = newStore();
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        RevokeCode custom = new RevokeCode("com.example.moved_away");

        store.revoke(aliceKey(), 1, custom, T0);

        assertEquals(custom, store.find(aliceKey()).orElseThrow().ended().orElseThrow().code());
    }

    @Test
    void revoke_otherEpoch_nothingChanges() {
        TrustStore store = newStore();
        TrustRecord record = store.establish(candidate(aliceKey(), VB1, 1), T0).record();

        assertEquals(Optional.empty(), store.revoke(aliceKey(), 2, RevokeCode.RELEASED, T0));
        assertEquals(Optional.empty(), store.revoke(aliceKey(), 0, RevokeCode.RELEASED, T0));
        assertEquals(Optional.of(record), store.find(aliceKey()));
    }

    @Test
    void revoke_supersededEpoch_nothingChanges() {
        TrustStore store = newStore();
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        TrustRecord second = store.establish(candidate(aliceKey(), VB2, 2), T0.plusSeconds(1)).record();
        TrustRecord superseded = store.find(aliceKey(), 1).orElseThrow();

        assertEquals(Optional.empty(), store.revoke(aliceKey(), 1, RevokeCode.RELEASED, T0.plusSeconds(2)));
        assertEquals(Optional.of(superseded), store.find(aliceKey(), 1));
        assertEquals(Optional.of(second), store.find(aliceKey()));
    }

    @Test
    void revoke_alreadyEnded_nothingAndFirstEndingKept() {
        TrustStore store = newStore();
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        TrustRecord ended = store.revoke(aliceKey(), 1, RevokeCode.RELEASED, T0.plusSeconds(1)).orElseThrow();

        assertEquals(Optional.empty(), store.revoke(aliceKey(), 1, RevokeCode.OPERATOR, T0.plusSeconds(2)));
        assertEquals(Optional.of(ended), store.find(aliceKey()));
    }

    @Test
    void revoke_unknownKey_nothing() {
        TrustStore store = newStore();

        assertEquals(Optional.empty(), store.revoke(aliceKey(), 1, RevokeCode.RELEASED, T0));
        assertEquals(List.of(), store.all());
    }

    @Test
    void establish_otherBotUserOrNetwork_ownEpochs() {
        TrustStore store = newStore();
        List<TrustKey> keys = List.of(aliceKey(), new TrustKey(HB2, ALICE, LIBERA), new TrustKey(HB, BOB, LIBERA),
                new TrustKey(HB, ALICE, OFTC));
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        store.establish(candidate(aliceKey(), VB1, 2), T0);

        for (TrustKey key : keys.subList(1, keys.size())) {
            assertEquals(1, store.establish(candidate(key, VB2, 3), T0).record().epoch(), key.toString());
        }
        assertEquals(2, store.find(aliceKey()).orElseThrow().epoch());
        assertEquals(new HashSet<>(keys), new HashSet<>(store.all().stream().map(TrustRecord::key).toList()));
    }

    @Test
    void all_latestRecordOfEachKey_inForceOrEnded() {
        TrustStore store = newStore();
        TrustKey bob = new TrustKey(HB, BOB, LIBERA);
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        TrustRecord alice = store.establish(candidate(aliceKey(), VB2, 2), T0).record();
        store.establish(candidate(bob, VB1, 3), T0);
        TrustRecord bobEnded = store.revoke(bob, 1, RevokeCode.RELEASED, T0).orElseThrow();

        // In no particular order: the interface promises none.
        assertEquals(new HashSet<>(List.of(alice, bobEnded)), new HashSet<>(store.all()));
    }

    @Test
    void reopen_recordsHistoryAndEpochsSurvive() {
        TrustStore store = newStore();
        store.establish(candidate(aliceKey(), VB1, 1), T0);
        store.establish(candidate(aliceKey(), VB2, 2), T0.plusSeconds(1));
        store.revoke(aliceKey(), 2, RevokeCode.RELEASED, T0.plusSeconds(2));
        List<Optional<TrustRecord>> before = List.of(store.find(aliceKey(), 1), store.find(aliceKey(), 2));

        Optional<TrustStore> reopened = reopen(store);
        assumeTrue(reopened.isPresent(), "this store is not durable");
        TrustStore again = reopened.get();

        assertEquals(before, List.of(again.find(aliceKey(), 1), again.find(aliceKey(), 2)));
        assertEquals(before.get(1), again.find(aliceKey()));
        assertEquals(3, again.establish(candidate(aliceKey(), VB1, 3), T0.plusSeconds(3)).record().epoch());
    }

    /** Random operations give the same results, and leave the same records, as the in-memory reference. */
    @Test
    void randomOperations_sameAsInMemoryStore() {
        TrustStore store = newStore();
        TrustStore reference = new InMemoryTrustStore();
        List<TrustKey> keys = List.of(aliceKey(), new TrustKey(HB, BOB, LIBERA), new TrustKey(HB, ALICE, OFTC));
        List<VisitingBridgeId> vbs = List.of(VB1, VB2);
        List<RevokeCode> codes = List.of(RevokeCode.RELEASED, RevokeCode.USER_REVOKED, RevokeCode.OPERATOR);
        Random random = new Random(3647);
        Instant now = T0;

        for (int step = 0; step < 200; step++) {
            now = now.plusNanos(random.nextInt(2_000_000_000));
            TrustKey key = keys.get(random.nextInt(keys.size()));
            String where = "step " + step;
            if (random.nextInt(3) == 0) {
                TrustCandidate c = candidate(key, vbs.get(random.nextInt(vbs.size())), step);
                assertEquals(reference.establish(c, now), store.establish(c, now), where);
            } else {
                long epoch = reference.find(key).map(TrustRecord::epoch).orElse(1L) - random.nextInt(2);
                RevokeCode code = codes.get(random.nextInt(codes.size()));
                assertEquals(reference.revoke(key, epoch, code, now), store.revoke(key, epoch, code, now), where);
            }
        }
        for (TrustKey key : keys) {
            long last = reference.find(key).map(TrustRecord::epoch).orElse(0L);
            for (long epoch = 0; epoch <= last + 1; epoch++) {
                assertEquals(reference.find(key, epoch), store.find(key, epoch), key + " epoch " + epoch);
            }
            assertEquals(reference.find(key), store.find(key), key.toString());
        }
        assertEquals(new HashSet<>(reference.all()), new HashSet<>(store.all()));
    }
}
