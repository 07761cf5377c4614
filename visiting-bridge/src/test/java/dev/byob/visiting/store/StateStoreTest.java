package dev.byob.visiting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.RemoteTargetPins;
import dev.byob.protocol.visiting.TrustReceipt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {
    static final UserId HB = UserId.parse("@hb:example.org");
    static final UserId ALICE = UserId.parse("@alice:example.org");
    static final TrustKey KEY = new TrustKey(HB, ALICE, Network.irc("libera"));
    static final RoomId ROOM = RoomId.parse("!dm:example.org");

    @TempDir
    Path dir;

    static TrustReceipt receipt(long epoch) {
        return new TrustReceipt(KEY, epoch, Instant.ofEpochMilli(1_700_000_000_000L), new Accept.LeaseTerms(90_000,
                30_000), new TxnId("tx" + epoch + "abcdefgh"));
    }

    @Test
    void open_newDirectory_migratesToTheLatestSchema() throws IOException {
        try (StateStore store = StateStore.open(dir)) {
            assertEquals(StateStore.MIGRATIONS.size(), store.schemaVersion());
            assertTrue(store.trust().isEmpty());
            assertTrue(store.nextBatch("user").isEmpty());
            assertFalse(store.loggedOut());
        }
        assertTrue(Files.exists(dir.resolve(StateStore.FILE)));
    }

    @Test
    void everything_survivesAReopen() throws IOException {
        try (StateStore store = StateStore.open(dir)) {
            store.nextBatch("user", "s1_user");
            store.nextBatch("bot", "s1_bot");
            store.dm(StateStore.DmOwner.PAIR, HB, ROOM);
            store.dm(StateStore.DmOwner.CONTROL, ALICE, RoomId.parse("!control:example.org"));
            store.trust(receipt(3), 7);
            store.loggedOut(true);
        }
        try (StateStore store = StateStore.open(dir)) {
            assertEquals("s1_user", store.nextBatch("user").orElseThrow());
            assertEquals("s1_bot", store.nextBatch("bot").orElseThrow());
            assertEquals(Map.of(HB, ROOM), store.dms(StateStore.DmOwner.PAIR));
            assertTrue(store.dms(StateStore.DmOwner.USER).isEmpty());
            assertEquals(RoomId.parse("!control:example.org"), store.dms(StateStore.DmOwner.CONTROL).get(ALICE));
            StateStore.StoredTrust t = store.trust().get(KEY);
            assertEquals(receipt(3), t.receipt());
            assertEquals(7, t.fillAck());
            assertTrue(store.loggedOut());
        }
    }

    @Test
    void ended_forgetsTheReceipt_andANewTrustClearsTheEnd() throws IOException {
        try (StateStore store = StateStore.open(dir)) {
            store.trust(receipt(1), 0);
            store.ended(KEY, "superseded", "another bridge", Instant.ofEpochMilli(5));
            assertTrue(store.trust().isEmpty());
            assertEquals("superseded", store.ends().get(KEY).code());
            store.trust(receipt(2), 0);
            assertTrue(store.ends().isEmpty());
            store.ended(KEY, "released", "logout", Instant.ofEpochMilli(6));
            store.clearEnds();
            assertTrue(store.ends().isEmpty());
        }
    }

    @Test
    void open_legacyStateFile_isImportedOnce_andRenamed() throws IOException {
        Files.writeString(dir.resolve(StateStore.LEGACY_FILE), """
                {"user_next_batch": "s9_user", "bot_next_batch": null,
                 "pair_dms": {"@hb:example.org": "!dm:example.org"},
                 "user_dms": {"@hb:example.org": "!proof:example.org"},
                 "trust": [{"hb_bot": "@hb:example.org", "user_id": "@alice:example.org", "protocol": "irc",
                            "network": "libera", "epoch": 3, "established_at": 1700000000000, "lease_ms": 90000,
                            "heartbeat_interval_ms": 30000, "txn_id": "tx3abcdefgh", "fill_ack": 4}]}
                """);
        try (StateStore store = StateStore.open(dir)) {
            assertEquals("s9_user", store.nextBatch("user").orElseThrow());
            assertTrue(store.nextBatch("bot").isEmpty());
            assertEquals(Map.of(HB, ROOM), store.dms(StateStore.DmOwner.PAIR));
            assertEquals(RoomId.parse("!proof:example.org"), store.dms(StateStore.DmOwner.USER).get(HB));
            assertEquals(new StateStore.StoredTrust(receipt(3), 4), store.trust().get(KEY));
            store.nextBatch("user", "s10_user");
        }
        assertFalse(Files.exists(dir.resolve(StateStore.LEGACY_FILE)));
        assertTrue(Files.exists(dir.resolve(StateStore.LEGACY_FILE + ".imported")));
        // A state.json put back (a crash before the rename) is not imported over newer state.
        Files.move(dir.resolve(StateStore.LEGACY_FILE + ".imported"), dir.resolve(StateStore.LEGACY_FILE));
        try (StateStore store = StateStore.open(dir)) {
            assertEquals("s10_user", store.nextBatch("user").orElseThrow());
        }
    }

    @Test
    void open_damagedLegacyFile_failsWithAClearMessage() throws IOException {
        Files.writeString(dir.resolve(StateStore.LEGACY_FILE), "{not json");
        IOException e = assertThrows(IOException.class, () -> StateStore.open(dir));
        assertTrue(e.getMessage().contains("cannot read the old state file"), e.getMessage());
    }

    @Test
    void open_schemaFromANewerVersion_isRefused() throws Exception {
        StateStore.open(dir).close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(StateStore.FILE));
             Statement s = c.createStatement()) {
            s.execute("PRAGMA user_version = 99");
        }
        IOException e = assertThrows(IOException.class, () -> StateStore.open(dir));
        assertTrue(e.getMessage().contains("schema version 99"), e.getMessage());
    }

    @Test
    void portal_createdThenRetired_survivesAReopen_andIsRetiredOnlyOnce() throws IOException {
        RoomId portal = RoomId.parse("!portal:example.org");
        RoomId hbRoom = RoomId.parse("!hb:elsewhere.org");
        try (StateStore store = StateStore.open(dir)) {
            store.portalCreated(portal, Network.irc("libera"), "#chat", ALICE, Instant.ofEpochMilli(10));
        }
        try (StateStore store = StateStore.open(dir)) {
            StateStore.StoredPortal p = store.portals().get(0);
            assertEquals(new StateStore.StoredPortal(portal, Network.irc("libera"), "#chat", ALICE,
                    Instant.ofEpochMilli(10), StateStore.PortalStage.LIVE, java.util.Optional.empty(),
                    java.util.Optional.empty()), p);
            assertTrue(store.portalRetiring(portal, hbRoom, "moved", Instant.ofEpochMilli(20)));
            assertFalse(store.portalRetiring(portal, RoomId.parse("!other:elsewhere.org"), "again",
                    Instant.ofEpochMilli(21)), "a portal is retired once");
            assertFalse(store.portalRetiring(RoomId.parse("!unknown:example.org"), hbRoom, "x", Instant.EPOCH));
        }
        try (StateStore store = StateStore.open(dir)) {
            StateStore.StoredPortal p = store.portals().get(0);
            assertEquals(StateStore.PortalStage.RETIRING, p.stage());
            assertEquals(hbRoom, p.replacement().orElseThrow());
            assertEquals("moved", p.body().orElseThrow());
            store.portalRetired(portal, Instant.ofEpochMilli(30));
            assertEquals(StateStore.PortalStage.RETIRED, store.portals().get(0).stage());
        }
    }

    @Test
    void dmsWaitingForTheirBot_backoffsAndPins_surviveAReopen() throws IOException {
        Instant created = Instant.ofEpochMilli(1_700_000_000_000L);
        RoomId waiting = RoomId.parse("!waiting:example.org");
        UserId other = UserId.parse("@other:example.org");
        RemoteTargetPins.Pin pin = new RemoteTargetPins.Pin(HB, Network.irc("libera"), "HBBot");
        try (StateStore store = StateStore.open(dir)) {
            store.dmCreated(StateStore.DmOwner.PAIR, HB, waiting, created);
            store.dm(StateStore.DmOwner.PAIR, other, ROOM);
            store.dmRetry(StateStore.DmOwner.PAIR, other, new StateStore.DmRetry(3, created.plusSeconds(60), "refused"));
            store.pin(pin);
            store.pin(new RemoteTargetPins.Pin(HB, Network.irc("libera"), "Later")); // the first pin stays
        }
        try (StateStore store = StateStore.open(dir)) {
            Map<UserId, StateStore.StoredDm> dms = store.dmRecords(StateStore.DmOwner.PAIR);
            assertEquals(new StateStore.StoredDm(waiting, java.util.Optional.of(created), false), dms.get(HB));
            assertEquals(new StateStore.StoredDm(ROOM, java.util.Optional.empty(), true), dms.get(other));
            assertEquals(Map.of(other, new StateStore.DmRetry(3, created.plusSeconds(60), "refused")),
                    store.dmRetries(StateStore.DmOwner.PAIR));
            assertEquals(java.util.List.of(pin), store.pins());

            store.dmJoined(StateStore.DmOwner.PAIR, HB, waiting);
            assertTrue(store.dmRecords(StateStore.DmOwner.PAIR).get(HB).peerJoined());
            store.forgetDm(StateStore.DmOwner.PAIR, HB, ROOM); // not its DM: nothing happens
            store.forgetDm(StateStore.DmOwner.PAIR, HB, waiting);
            assertFalse(store.dmRecords(StateStore.DmOwner.PAIR).containsKey(HB));
            store.dmRetry(StateStore.DmOwner.PAIR, other, null);
            assertTrue(store.dmRetries(StateStore.DmOwner.PAIR).isEmpty());
        }
    }

    @Test
    void open_databaseOfSchemaVersion1_isMigrated_keepingItsState_andItsDmsAsJoined() throws Exception {
        Files.createDirectories(dir);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(StateStore.FILE));
             Statement s = c.createStatement()) {
            for (String sql : StateStore.MIGRATIONS.get(0)) {
                s.execute(sql);
            }
            s.execute("INSERT INTO meta (key, value) VALUES ('user_next_batch', 's5')");
            s.execute("INSERT INTO dm (account, peer, room_id) VALUES ('PAIR', '" + HB.value() + "', '"
                    + ROOM.value() + "')");
            s.execute("PRAGMA user_version = 1");
        }
        try (StateStore store = StateStore.open(dir)) {
            assertEquals(StateStore.MIGRATIONS.size(), store.schemaVersion());
            assertEquals("s5", store.nextBatch("user").orElseThrow());
            assertTrue(store.portals().isEmpty());
            assertEquals(new StateStore.StoredDm(ROOM, java.util.Optional.empty(), true),
                    store.dmRecords(StateStore.DmOwner.PAIR).get(HB));
            assertTrue(store.pins().isEmpty());
        }
    }
}
