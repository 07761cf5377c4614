package dev.byob.hosting.byob;

import static dev.byob.hosting.byob.ByobHarness.ADMIN;
import static dev.byob.hosting.byob.ByobHarness.ALICE;
import static dev.byob.hosting.byob.ByobHarness.ALICE_DM;
import static dev.byob.hosting.byob.ByobHarness.BOB;
import static dev.byob.hosting.byob.ByobHarness.BRIDGED;
import static dev.byob.hosting.byob.ByobHarness.HB_BOT;
import static dev.byob.hosting.byob.ByobHarness.JSON;
import static dev.byob.hosting.byob.ByobHarness.LIBERA;
import static dev.byob.hosting.byob.ByobHarness.VB_BOT;
import static dev.byob.hosting.byob.ByobHarness.VB_DM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ByobCoordinatorTest {
    @TempDir
    Path dir;
    ByobHarness h;

    @BeforeEach
    void setUp() {
        h = new ByobHarness(dir);
    }

    @AfterEach
    void tearDown() {
        h.close();
    }

    private ByobHarness.ScriptedVb linked() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.start();
        assertInstanceOf(VisitingState.Trusted.class, vb.state, "the visiting bridge ends trusted");
        return vb;
    }

    private long counter(String series) {
        for (String line : h.metrics.scrape().split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1));
            }
        }
        return 0;
    }

    @Test
    void handshake_throughTheDmsAndTheIrcBot_recordsTrustStepsAsideAndTellsTheUser() {
        linked();

        assertEquals(List.of("challenge", "accept"), h.transport.typesToVb().subList(0, 2));
        TrustRecord record = h.store.find(h.aliceKey()).orElseThrow();
        assertTrue(record.active());
        assertEquals("alice", record.remoteAccount().name());
        assertEquals(VB_BOT, record.vb().bot());
        assertEquals(h.clock.instant(), record.establishedAt());
        verify(h.actions).refreshPresence(ALICE, LIBERA, "alice");
        assertEquals(1, h.transport.notices.size());
        assertTrue(h.transport.notices.get(0).startsWith(ALICE + ": Your bridge " + VB_BOT + " now bridges you on irc/libera"),
                h.transport.notices.get(0));
        assertEquals(List.of(VB_DM, VB_DM), h.transport.seenDms.subList(0, 2));
        assertEquals(1, counter("byob_hb_trust_changes_total{change=\"step_aside\"}"));
        assertTrue(h.coordinator.nextDeadline().isPresent(), "the lease has a deadline");
    }

    @Test
    void gate_beforeTrust_relaysAliceAsUsual() {
        assertTrue(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, h.message("hi")));
        assertTrue(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice", "alice", "m1", "hi")));
        assertTrue(h.coordinator.puppetWanted(ALICE, LIBERA));
        assertTrue(h.coordinator.ghostWanted(LIBERA, "alice", "alice"));
        verifyNoInteractions(h.actions);
    }

    @Test
    void gate_whileTrusted_staysAsideForAliceOnly() {
        linked();

        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, h.message("hi")), "the VB relays alice's events");
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice_", "alice", "m1", "hi")),
                "any connection logged in to alice's account is the VB's to relay");
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("Alice", "ALICE", "m2", "hi")),
                "accounts compare by the network's case mapping");
        assertFalse(h.coordinator.puppetWanted(ALICE, LIBERA));
        assertFalse(h.coordinator.ghostWanted(LIBERA, "alice", "alice"));
        assertTrue(h.coordinator.ghostWanted(LIBERA, "alice", null), "a nick proves nothing; only the account counts");

        ObjectNode bobs = h.message("hello");
        bobs.put("sender", BOB.value());
        assertTrue(h.coordinator.relayToRemote(BOB, LIBERA, BRIDGED, bobs));
        assertTrue(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("carol", "carol", "m3", "hi")));
        assertTrue(h.coordinator.puppetWanted(BOB, LIBERA));
        assertTrue(h.coordinator.ghostWanted(LIBERA, "carol", "carol"));
    }

    @Test
    void gate_visitingBridgesRelays_areNeverRelayedAgain() {
        linked();

        ObjectNode relayed = h.message("from irc");
        ((ObjectNode) relayed.get("content")).putObject(RelayMarks.SOURCE_FIELD).put("msgid", "m9")
                .putObject("network").put("protocol", "irc").put("id", "libera");
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, relayed));
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED,
                h.line("alice", "alice", "m10", "from matrix").withTag(RelayMarks.ORIGIN_TAG, "$e1")));
        // Observed before the line itself: the line is then neither pending nor filled in.
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice", "alice", "m9", "from irc")));
        h.clock.advance(Duration.ofMinutes(5));
        h.coordinator.tick();
        verify(h.actions, never()).relayToMatrixNow(any(), any(), any());
    }

    @Test
    void revokeCommand_fromAlice_endsTrustTellsTheVbAndStepsBackIn() {
        ByobHarness.ScriptedVb vb = linked();
        int sent = h.transport.toVb.size();

        h.say(ALICE, ALICE_DM, "  !REVOKE ");

        assertEquals(List.of("revoked"), h.transport.typesToVb().subList(sent, sent + 1));
        TrustRecord ended = h.store.find(h.aliceKey()).orElseThrow();
        assertEquals(Optional.of(RevokeCode.USER_REVOKED), ended.ended().map(TrustRecord.Ending::code));
        verify(h.actions, times(2)).refreshPresence(ALICE, LIBERA, "alice");
        assertTrue(h.transport.notices.get(h.transport.notices.size() - 1).contains("Revoked"));
        assertTrue(h.coordinator.puppetWanted(ALICE, LIBERA));
        assertTrue(h.coordinator.ghostWanted(LIBERA, "alice", "alice"));
        // Until the VB has read `revoked` it may still relay: what alice writes now is held (§12.8, case 6).
        ObjectNode back = h.message("back");
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, back));

        vb.run(new VisitingInput.Tick());
        assertInstanceOf(VisitingState.Ended.class, vb.state, "the VB read revoked");
        // Its release acknowledges it: the held message goes out at once, and the next is relayed directly.
        verify(h.actions).relayToRemoteNow(ALICE, LIBERA, BRIDGED, EventId.parse(back.get("event_id").asText()));
        assertTrue(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, h.message("then")));
    }

    @Test
    void revokeCommand_fromAnotherUser_touchesOnlyTheirOwnRecords() {
        linked();

        h.say(BOB, ALICE_DM, "revoke");

        assertTrue(h.store.find(h.aliceKey()).orElseThrow().active());
        assertTrue(h.transport.notices.get(h.transport.notices.size() - 1).startsWith(BOB + ": No visiting bridge"));
    }

    @Test
    void leaseLapse_fillsInHeldMessagesThroughTheCore_andAnswersNewOnesAtTheGate() {
        linked();
        ObjectNode held = h.message("held");
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, held));
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice", "alice", "i1", "held too")));

        h.clock.advance(Duration.ofSeconds(100)); // the 90 s lease and the 10 s grace, without a heartbeat
        assertFalse(h.coordinator.nextDeadline().orElseThrow().isAfter(h.clock.instant()));
        h.coordinator.tick();

        assertEquals(HostingEngine.RelayMode.FILLING_IN, h.coordinator.engine().relayMode(ALICE, LIBERA));
        verify(h.actions).relayToRemoteNow(ALICE, LIBERA, BRIDGED, EventId.parse(held.get("event_id").asText()));
        verify(h.actions).relayToMatrixNow(LIBERA, BRIDGED, "i1");
        assertEquals(2, h.fillIns.after(h.aliceKey(), 1, 0, 10).size(), "each fill-in is logged for the VB");

        // Messages arriving while the lease has lapsed are answered at the gate, not handed back to the core.
        assertTrue(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, h.message("now")));
        assertTrue(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice", "alice", "i2", "now")));
        assertEquals(4, h.fillIns.after(h.aliceKey(), 1, 0, 10).size());
        verify(h.actions, times(1)).relayToRemoteNow(any(), any(), any(), any());
        assertFalse(h.coordinator.puppetWanted(ALICE, LIBERA), "the puppet stays away while filling in");
        assertFalse(h.coordinator.ghostWanted(LIBERA, "alice", "alice"));

        h.say(ALICE, ALICE_DM, "status");
        String status = h.transport.replies.get(h.transport.replies.size() - 1);
        assertTrue(status.contains("lease lapsed since 2026-03-01 12:01:40 UTC, 4 messages filled in"), status);
        assertEquals(1, counter("byob_hb_trust_changes_total{change=\"fill_in_started\"}"));
        assertEquals(2, counter("byob_hb_relays_total{direction=\"to_remote\",kind=\"fill_in\"}"));
    }

    @Test
    void heldMessage_relayedByTheVb_isNotFilledIn() {
        linked();
        ObjectNode held = h.message("held");
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, held));
        h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("alice", "alice", "x1", "held")
                .withTag(RelayMarks.ORIGIN_TAG, held.get("event_id").asText()));

        h.clock.advance(Duration.ofSeconds(100));
        h.coordinator.tick();

        verify(h.actions, never()).relayToRemoteNow(any(), any(), any(), any());
    }

    @Test
    void heldMessage_taggedBySomeoneElse_isStillFilledIn() {
        linked();
        ObjectNode held = h.message("held");
        String id = held.get("event_id").asText();
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, held));
        // Mallory copies the tag onto a line of her own, logged in or not: that is no relay of alice's message.
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, h.line("mallory", "mallory", "x2", "held")
                .withTag(RelayMarks.ORIGIN_TAG, id)));
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED,
                IrcMessage.parse(":mallory!u@host PRIVMSG #chan :held").withTag(RelayMarks.ORIGIN_TAG, id)));

        h.clock.advance(Duration.ofSeconds(100));
        h.coordinator.tick();

        verify(h.actions).relayToRemoteNow(ALICE, LIBERA, BRIDGED, EventId.parse(id));
    }

    @Test
    void withoutMessageTags_relaysAreMatchedByText_andTheRestFilledIn() {
        h.coordinator.relayMarks(LIBERA, false);
        linked();
        ObjectNode held = h.message("same words");
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, held));
        IrcMessage untagged = IrcMessage.parse("@account=alice :alice!u@host PRIVMSG #chan :same words");
        IrcMessage own = IrcMessage.parse("@account=alice :alice!u@host PRIVMSG #chan :her own line");
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, untagged, "local-1"), "the VB's relay");
        assertFalse(h.coordinator.relayToMatrix(LIBERA, "#chan", BRIDGED, own, "local-2"), "the VB relays it");

        h.clock.advance(Duration.ofSeconds(100));
        h.coordinator.tick();

        verify(h.actions, never()).relayToRemoteNow(any(), any(), any(), any());
        verify(h.actions).relayToMatrixNow(LIBERA, BRIDGED, "local-2");
        verify(h.actions, never()).relayToMatrixNow(LIBERA, BRIDGED, "local-1");
    }

    @Test
    void heartbeat_afterLapse_stopsFillingIn_andRefreshesPresence() {
        ByobHarness.ScriptedVb vb = linked();
        h.clock.advance(Duration.ofSeconds(100));
        h.coordinator.tick();
        assertEquals(HostingEngine.RelayMode.FILLING_IN, h.coordinator.engine().relayMode(ALICE, LIBERA));
        verify(h.actions, times(1)).refreshPresence(ALICE, LIBERA, "alice"); // stepping aside only

        vb.run(new VisitingInput.Tick()); // the VB heartbeats

        assertEquals(HostingEngine.RelayMode.VISITING, h.coordinator.engine().relayMode(ALICE, LIBERA));
        assertEquals("lease", h.transport.typesToVb().get(h.transport.typesToVb().size() - 1));
        assertFalse(h.coordinator.relayToRemote(ALICE, LIBERA, BRIDGED, h.message("held again")));
        // The core quits the temporary puppet of the fill-in: the gate still does not want one.
        verify(h.actions, times(2)).refreshPresence(ALICE, LIBERA, "alice");
        assertFalse(h.coordinator.puppetWanted(ALICE, LIBERA));
        assertEquals(1, counter("byob_hb_trust_changes_total{change=\"fill_in_stopped\"}"));
    }

    @Test
    void forgedRequest_isRefusedWithACancelAndCounted() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.tamper = content -> content.put("remote_account", "mallory"); // after signing: the signature breaks
        vb.start();

        assertEquals(List.of("cancel"), h.transport.typesToVb());
        assertEquals("org.matrix.msc3647.bad_signature", h.transport.toVb.get(0).content().get("code").asText());
        assertInstanceOf(VisitingState.Failed.class, vb.state);
        assertTrue(h.store.find(h.aliceKey()).isEmpty());
        assertEquals(1, counter("byob_hb_refused_total{code=\"bad_signature\"}"));
        verifyNoInteractions(h.actions);
    }

    @Test
    void unsignedRequest_isRefused() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.tamper = content -> {
            content.remove("signatures");
            return content;
        };
        vb.start();

        assertEquals("cancel", h.transport.typesToVb().get(0));
        assertTrue(h.store.find(h.aliceKey()).isEmpty());
        assertEquals(0, h.coordinator.engine().inFlight());
    }

    @Test
    void requestOutsideADm_isIgnoredWithoutAReply() {
        ObjectNode content = JSON.createObjectNode().put("version", 1).put("txn_id", "abcdefghijkl");
        h.roomEvent(BRIDGED, VB_BOT, MessageType.REQUEST.eventType(), content, false);

        assertEquals(List.of(), h.transport.typesToVb(), "nothing is said in a shared room");
        assertEquals(1, counter("byob_hb_ignored_total"));
    }

    @Test
    void matrixProofFromTheWrongUser_failsTheExchange() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.proofSender = UserId.parse("@mallory:evil.example");
        vb.start();

        assertTrue(h.transport.typesToVb().contains("cancel"), h.transport.typesToVb().toString());
        ObjectNode cancel = h.transport.toVb.get(h.transport.typesToVb().indexOf("cancel")).content();
        assertEquals("org.matrix.msc3647.matrix_proof_failed", cancel.get("code").asText());
        assertTrue(h.store.find(h.aliceKey()).isEmpty());
        assertTrue(h.coordinator.puppetWanted(ALICE, LIBERA));
        verifyNoInteractions(h.actions);
    }

    @Test
    void remoteProofFromAConnectionNotLoggedIn_failsTheExchange() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.ircAccount = null;
        vb.start();

        ObjectNode cancel = h.transport.toVb.get(h.transport.typesToVb().indexOf("cancel")).content();
        assertEquals("org.matrix.msc3647.remote_proof_failed", cancel.get("code").asText());
        assertTrue(h.store.find(h.aliceKey()).isEmpty());
    }

    @Test
    void remoteProofFromAnotherAccount_failsTheExchange() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        vb.ircAccount = "mallory";
        vb.start();

        ObjectNode cancel = h.transport.toVb.get(h.transport.typesToVb().indexOf("cancel")).content();
        assertEquals("org.matrix.msc3647.remote_proof_failed", cancel.get("code").asText());
        assertTrue(cancel.get("reason").asText().contains("mallory"));
    }

    @Test
    void bridgeCommands_goToTheCoreWithTheSender_andWrongArityGetsUsage() {
        org.mockito.Mockito.when(h.actions.bridgeRoom(ALICE, "#ours:hs", "libera", "#ours")).thenReturn("Bridged.");
        org.mockito.Mockito.when(h.actions.unbridgeRoom(ALICE, "#ours:hs")).thenReturn("Unbridged.");

        h.say(ALICE, ALICE_DM, "!bridge #ours:hs libera #ours");
        h.say(ALICE, ALICE_DM, "bridge #ours:hs libera");
        h.say(ALICE, ALICE_DM, "unbridge #ours:hs");
        h.say(ALICE, ALICE_DM, "help");

        assertEquals("Bridged.", h.transport.replies.get(0));
        assertTrue(h.transport.replies.get(1).startsWith("Usage: bridge <room id or alias> <network> <#channel>"));
        assertEquals("Unbridged.", h.transport.replies.get(2));
        assertTrue(h.transport.replies.get(3).contains("bridge <room> <network> <#channel>"));
    }

    @Test
    void statusAndHelp_answerInTheDm() {
        h.say(ALICE, ALICE_DM, "help");
        assertTrue(h.transport.replies.get(0).contains("revoke <protocol>/<network>"));
        assertFalse(h.transport.replies.get(0).contains("trust list"), "admin commands only for admins");
        h.say(ALICE, ALICE_DM, "status");
        assertTrue(h.transport.replies.get(1).startsWith("No visiting bridge bridges you here"));

        linked();
        h.say(ALICE, ALICE_DM, "status");
        String status = h.transport.replies.get(2);
        assertTrue(status.startsWith("irc/libera: account alice, visiting bridge " + VB_BOT + " (ed25519:vb1), epoch 1 "
                + "since 2026-03-01 12:00:00 UTC, proven by dm and irc.account_privmsg, lease live"), status);

        h.say(ALICE, ALICE_DM, "frobnicate");
        assertTrue(h.transport.replies.get(3).startsWith("Unknown command 'frobnicate'"));
    }

    @Test
    void adminCommands_listShowAndRevoke_onlyForAdmins() {
        linked();

        h.say(ALICE, ALICE_DM, "trust list");
        assertTrue(h.transport.replies.get(0).startsWith("Only this bridge's admins"));

        RoomDm admin = new RoomDm();
        h.say(ADMIN, admin.room, "help");
        assertTrue(h.transport.replies.get(1).contains("trust list"));
        h.say(ADMIN, admin.room, "trust list");
        assertTrue(h.transport.replies.get(2).startsWith("1 trust record(s) in force:\n" + ALICE + " irc/libera: account alice"),
                h.transport.replies.get(2));
        h.say(ADMIN, admin.room, "trust show " + ALICE);
        assertTrue(h.transport.replies.get(3).contains("epoch 1"));
        h.say(ADMIN, admin.room, "trust revoke " + ALICE + " irc/libera");
        assertEquals("Ended the trust of " + ALICE + ".", h.transport.replies.get(4));
        assertEquals(Optional.of(RevokeCode.OPERATOR),
                h.store.find(h.aliceKey()).orElseThrow().ended().map(TrustRecord.Ending::code));
        h.say(ADMIN, admin.room, "trust show " + ALICE);
        assertTrue(h.transport.replies.get(5).contains("ended operator"), h.transport.replies.get(5));
    }

    private static final class RoomDm {
        final dev.byob.protocol.id.RoomId room = dev.byob.protocol.id.RoomId.parse("!admindm:hb.example");
    }

    @Test
    void directInvite_isJoined_andOtherInvitesAreNot() {
        ObjectNode content = JSON.createObjectNode().put("membership", "invite").put("is_direct", true);
        ObjectNode event = JSON.createObjectNode().put("type", "m.room.member").put("sender", VB_BOT.value())
                .put("state_key", HB_BOT.value()).put("event_id", "$inv");
        event.set("content", content);
        h.coordinator.onRoomEvent(VB_DM, event, false);
        content.put("is_direct", false);
        h.coordinator.onRoomEvent(BRIDGED, event, false);

        assertEquals(List.of(VB_DM), h.transport.joined);
    }

    @Test
    void caseMappedProof_comparesByTheMappingTheNetworkAdvertised() {
        CaseMappedIrcProof proof = new CaseMappedIrcProof();
        dev.byob.protocol.id.RemoteAccount claimed = new dev.byob.protocol.id.RemoteAccount("al[ice");
        assertTrue(proof.sameAccount(claimed, "AL{ICE"), "rfc1459 until the network says otherwise");
        proof.caseMapping(IrcAccountProof.CaseMapping.ASCII);
        assertFalse(proof.sameAccount(claimed, "AL{ICE"));
        assertTrue(proof.sameAccount(claimed, "AL[ICE"));
    }

    @Test
    void caseMapping_ofAnUnknownNetwork_isIgnored() {
        h.coordinator.caseMapping(dev.byob.protocol.id.Network.irc("oftc"), IrcAccountProof.CaseMapping.ASCII);
        assertTrue(h.coordinator.ghostWanted(dev.byob.protocol.id.Network.irc("oftc"), "a", "a"));
    }

    @Test
    void restart_keepsTrustInForce_fromTheSqlStore() {
        linked();
        int sent = h.transport.toVb.size();
        ByobCoordinator again = restarted();

        assertFalse(again.puppetWanted(ALICE, LIBERA));
        assertFalse(again.ghostWanted(LIBERA, "alice", "alice"));
        assertEquals(sent, h.transport.toVb.size(), "the heartbeat confirmed the accept: nothing is sent again");
    }

    @Test
    void restart_beforeAnyHeartbeatConfirmedTheAccept_sendsItAgain() {
        ByobHarness.ScriptedVb vb = h.new ScriptedVb();
        // The accept never arrives, as if the bridge died before sending it: no heartbeat comes either.
        vb.tamper = content -> {
            if (content.has("seq")) {
                content.remove("signatures");
            }
            return content;
        };
        vb.start();
        ByobHarness.RecordingTransport.Sent accept = h.transport.toVb.stream()
                .filter(s -> s.eventType().equals(MessageType.ACCEPT.eventType())).findFirst().orElseThrow();
        int sent = h.transport.toVb.size();

        restarted();

        assertEquals(List.of(accept), h.transport.toVb.subList(sent, h.transport.toVb.size()));
    }

    private ByobCoordinator restarted() {
        return new ByobCoordinator(HB_BOT, List.of(new dev.byob.hosting.config.IrcNetworkConfig(
                "libera", "irc.example", 6697, true, "HbBot", "<name>[m]", false)),
                new dev.byob.hosting.config.ByobPolicyConfig(List.of(ProofMethods.MATRIX_DM), Duration.ofSeconds(90),
                        Duration.ofSeconds(30), Duration.ofMinutes(10), 10, 20, Duration.ofHours(1), 64, 4),
                h.store, h.fillIns, h.journal, BridgedRoomDirectory.NONE, h.transport, h.actions, Runnable::run, h.clock,
                new java.util.Random(1), new dev.byob.hosting.metrics.MetricsRegistry());
    }

    @Test
    void openIdProof_checkedThroughTheTransport_resultFedBack() {
        h.close();
        h = new ByobHarness(dir.resolve("openid"), List.of(ProofMethods.MATRIX_DM, ProofMethods.MATRIX_OPENID));
        ByobHarness.ScriptedVb vb = h.new ScriptedVb(List.of(ProofMethods.MATRIX_OPENID, ProofMethods.MATRIX_DM));
        vb.start();
        assertTrue(h.store.find(h.aliceKey()).isEmpty(), "not before the token is checked");

        h.transport.openId.complete(Optional.of(ALICE));
        vb.run(new VisitingInput.Tick());

        assertTrue(h.store.find(h.aliceKey()).orElseThrow().active());
        assertEquals("openid", h.store.find(h.aliceKey()).orElseThrow().matrixProofMethod());
        assertInstanceOf(VisitingState.Trusted.class, vb.state);
    }
}
