package dev.byob.protocol.visiting;

import static dev.byob.protocol.Fixtures.ACCOUNT;
import static dev.byob.protocol.Fixtures.HB;
import static dev.byob.protocol.Fixtures.NETWORK;
import static dev.byob.protocol.Fixtures.T0;
import static dev.byob.protocol.Fixtures.USER;
import static dev.byob.protocol.Fixtures.VB_BOT;
import static dev.byob.protocol.Fixtures.VB_KEY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Fixtures;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The visiting engine against the real hosting engine, wired through queues instead of a homeserver. */
class VisitingEngineTest {
    private static final RoomId ROOM = RoomId.parse("!libera-1:hosting.example");
    private static final RoomId ROOM2 = RoomId.parse("!libera-2:hosting.example");
    private static final Network OFTC = Network.irc("oftc");

    private final InMemoryFillInLog fillInLog = new InMemoryFillInLog();
    private final HostingEngine hb = new HostingEngine(Fixtures.hbPolicy(), new InMemoryTrustStore(), fillInLog,
            new Random(5), T0);
    private final VisitingEngine vb = new VisitingEngine(USER, VB_BOT, VB_KEY,
            List.of(new VisitingEngine.ServedNetwork(NETWORK, ACCOUNT, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG))),
            List.of(ProofMethods.MATRIX_DM), new Random(6));
    private final List<VisitingEngineOutput.RelayNow> relayed = new ArrayList<>();
    private final List<VisitingEngineOutput.LeftToHost> leftToHost = new ArrayList<>();
    private final List<HostingOutput> fromHb = new ArrayList<>();

    private static BridgeInfo bridge(UserId hbBot, Network network, String channel) {
        ObjectNode content = JsonNodeFactory.instance.objectNode().put("bridgebot", hbBot.value());
        content.putObject("protocol").put("id", network.protocol());
        content.putObject("network").put("id", network.id());
        content.putObject("channel").put("id", channel);
        return BridgeInfo.read(BridgeInfo.M_BRIDGE, "org.example.irc://irc/" + network.id() + "/" + channel.replace("#", "%23"),
                hbBot, content).info().orElseThrow();
    }

    /** Carries every output to the other side until both are quiet. */
    private void pump(List<VisitingEngineOutput> first, Instant now) {
        Deque<VisitingEngineOutput> queue = new ArrayDeque<>(first);
        while (!queue.isEmpty()) {
            VisitingEngineOutput o = queue.poll();
            if (o instanceof VisitingEngineOutput.RelayNow) {
                relayed.add((VisitingEngineOutput.RelayNow) o);
                continue;
            }
            if (o instanceof VisitingEngineOutput.LeftToHost) {
                leftToHost.add((VisitingEngineOutput.LeftToHost) o);
                continue;
            }
            if (o instanceof VisitingEngineOutput.TargetPinned) {
                continue;
            }
            VisitingEngineOutput.ForRelation f = (VisitingEngineOutput.ForRelation) o;
            List<HostingOutput> replies = List.of();
            if (f.output() instanceof VisitingOutput.Send) {
                VisitingOutput.Send s = (VisitingOutput.Send) f.output();
                replies = hb.handle(new HostingInput.RoomMessage(RoomId.parse("!dm:home.example"), true, VB_BOT,
                        s.type().eventType(), s.content()), now);
            } else if (f.output() instanceof VisitingOutput.MakeMatrixProof) {
                VisitingOutput.MakeMatrixProof m = (VisitingOutput.MakeMatrixProof) f.output();
                RoomId dm = RoomId.parse("!alice-hb:home.example");
                replies = hb.handle(new HostingInput.MatrixProofSeen(m.method(), USER, Optional.of(dm),
                        Optional.of(EventId.parse("$proof")), true, false, m.content()), now);
                queue.addAll(vb.proof(f.key(), new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(m.method(),
                        Optional.of(EventId.parse("$proof")), Optional.of(dm), Optional.empty())), now));
            } else if (f.output() instanceof VisitingOutput.MakeRemoteProof) {
                VisitingOutput.MakeRemoteProof m = (VisitingOutput.MakeRemoteProof) f.output();
                replies = hb.handle(new HostingInput.RemoteMessageSeen(NETWORK, "alice", Optional.of("alice"), m.text()), now);
                queue.addAll(vb.proof(f.key(), new VisitingInput.RemoteProofMade(), now));
            }
            for (HostingOutput reply : replies) {
                fromHb.add(reply);
                if (reply instanceof HostingOutput.Send) {
                    HostingOutput.Send s = (HostingOutput.Send) reply;
                    queue.addAll(vb.received(HB, s.type().eventType(), s.content(), Optional.empty(), now));
                }
            }
        }
    }

    private void trusted() {
        pump(vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0), T0);
        assertInstanceOf(VisitingState.Trusted.class, vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow());
    }

    @Test
    void bridgeSeen_newHostingBridge_runsTheHandshakeToTrust() {
        trusted();
        assertEquals(HostingEngine.RelayMode.VISITING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void bridgeSeen_anotherRoomOfTheSameBridge_needsNoNewHandshake() {
        trusted();
        List<VisitingEngineOutput> again = vb.bridgeSeen(ROOM2, bridge(HB, NETWORK, "#other"), T0.plusSeconds(1));
        assertTrue(again.isEmpty());
        assertEquals(List.of(ROOM, ROOM2), vb.roomsOf(new TrustKey(HB, USER, NETWORK)));
        assertEquals(1, vb.relations().size());
    }

    @Test
    void bridgeSeen_networkNotServedOrBridgeDisabled_startsNothing() {
        assertTrue(vb.bridgeSeen(ROOM, bridge(HB, OFTC, "#x"), T0).isEmpty());
        assertTrue(vb.relations().isEmpty());
    }

    @Test
    void bridgeSeen_twoHostingBridges_oneRelationWithEach() {
        UserId otherHb = UserId.parse("@other-hb:elsewhere.example");
        List<VisitingEngineOutput> first = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        List<VisitingEngineOutput> second = vb.bridgeSeen(ROOM2, bridge(otherHb, NETWORK, "#byob"), T0);
        assertEquals(MessageType.REQUEST, ((VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) first.get(0)).output()).type());
        VisitingOutput.Send toOther = (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) second.get(0)).output();
        assertEquals(otherHb, toOther.to());
        assertEquals(2, vb.relations().size());
    }

    @Test
    void userMessage_whileTheLeaseIsLive_isRelayedAtOnce_elsewhereLeftToTheHostingBridge() {
        trusted();
        List<VisitingEngineOutput> out = vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$m1", T0);
        assertEquals(List.of(new VisitingEngineOutput.RelayNow(new TrustKey(HB, USER, NETWORK), ROOM,
                Lease.Direction.TO_REMOTE, "$m1")), out);
        assertTrue(vb.userMessage(RoomId.parse("!unbridged:home.example"), Lease.Direction.TO_REMOTE, "$m2", T0).isEmpty());
    }

    @Test
    void lapseAndReturn_backlogIsRelayedExceptWhatTheHostingBridgeFilledIn() {
        trusted();
        // Nothing reaches the hosting bridge for two minutes: both sides lapse.
        Instant later = T0.plusSeconds(120);
        vb.tick(later);                      // the VB's heartbeat goes nowhere; its lease runs out
        hb.handle(new HostingInput.Tick(), later);
        assertEquals(HostingEngine.RelayMode.FILLING_IN, hb.relayMode(USER, NETWORK));
        // alice writes twice; the hosting bridge fills in the first (it saw it), the VB holds both.
        hb.handle(new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_REMOTE, "$filled", ROOM), later);
        assertTrue(vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$filled", later).isEmpty());
        assertTrue(vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$missed", later).isEmpty());
        // The VB comes back: its next heartbeat is answered with what was filled in.
        Instant back = later.plusSeconds(60);
        pump(vb.tick(back), back);
        assertEquals(List.of("$missed"), relayed.stream().map(VisitingEngineOutput.RelayNow::messageId).toList());
    }

    private List<String> relayedIds() {
        return relayed.stream().map(VisitingEngineOutput.RelayNow::messageId).toList();
    }

    @Test
    void handover_aMessageObservedDuringTheHandshake_isRelayedOnceTheWindowHasPassed() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        assertTrue(vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$gap", T0).isEmpty());
        pump(request, T0);
        assertInstanceOf(VisitingState.Trusted.class, vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow());
        assertTrue(relayedIds().isEmpty(), "the hosting bridge may still relay it: wait for the window");
        assertEquals(T0.plus(VisitingEngine.HANDOVER_WINDOW), vb.deadline().orElseThrow());
        pump(vb.tick(T0.plus(VisitingEngine.HANDOVER_WINDOW).minusMillis(1)), T0.plusSeconds(9));
        assertTrue(relayedIds().isEmpty());
        pump(vb.tick(T0.plus(VisitingEngine.HANDOVER_WINDOW)), T0.plus(VisitingEngine.HANDOVER_WINDOW));
        assertEquals(List.of("$gap"), relayedIds());
        assertTrue(leftToHost.isEmpty());
    }

    @Test
    void handover_aRelayObservedWithinTheWindow_isNotRelayedAgain() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        vb.userMessage(ROOM, Lease.Direction.TO_MATRIX, "irc-gap", T0);
        pump(request, T0);
        vb.relaySeen(Lease.Direction.TO_MATRIX, "irc-gap"); // the hosting bridge counted it as its own
        pump(vb.tick(T0.plusSeconds(10)), T0.plusSeconds(10));
        assertTrue(relayedIds().isEmpty());
    }

    @Test
    void handover_theHostingBridgeStillRelaying_keepsTheWindowOpen() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$late", T0);
        pump(request, T0);
        vb.othersRelaySeen(T0.plusSeconds(9)); // a line of the hosting bridge's, out of its flood control
        pump(vb.tick(T0.plusSeconds(10)), T0.plusSeconds(10));
        assertTrue(relayedIds().isEmpty(), "still open");
        pump(vb.tick(T0.plusSeconds(19)), T0.plusSeconds(19));
        assertEquals(List.of("$late"), relayedIds());
    }

    @Test
    void handover_extendedWindow_closesAtTheMaximum() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$late", T0);
        pump(request, T0);
        for (int s = 5; s <= 60; s += 5) {
            vb.othersRelaySeen(T0.plusSeconds(s));
        }
        Instant justBefore = T0.plus(VisitingEngine.HANDOVER_MAX).minusMillis(1);
        pump(vb.tick(justBefore), justBefore);
        assertTrue(relayedIds().isEmpty(), "still open");
        pump(vb.tick(T0.plus(VisitingEngine.HANDOVER_MAX)), T0.plus(VisitingEngine.HANDOVER_MAX));
        assertEquals(List.of("$late"), relayedIds());
    }

    @Test
    void handover_messagesOlderThanTheWindowBeforeTheAnswer_areLeftToTheHost() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$old", T0);
        List<VisitingEngineOutput> out = vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$new", T0.plusSeconds(25));
        assertEquals(List.of(new VisitingEngineOutput.LeftToHost(new TrustKey(HB, USER, NETWORK), ROOM,
                Lease.Direction.TO_REMOTE, "$old")), out);
        pump(request, T0.plusSeconds(25));
        pump(vb.tick(T0.plusSeconds(35)), T0.plusSeconds(35));
        assertEquals(List.of("$new"), relayedIds());
    }

    @Test
    void handover_newMessagesDuringTheWindow_waitBehindTheOlderOnes() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$first", T0);
        pump(request, T0);
        assertTrue(vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$second", T0.plusSeconds(1)).isEmpty());
        pump(vb.tick(T0.plusSeconds(10)), T0.plusSeconds(10));
        assertEquals(List.of("$first", "$second"), relayedIds());
        // After the window, new messages go at once again.
        pump(vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$third", T0.plusSeconds(11)), T0.plusSeconds(11));
        assertEquals(List.of("$first", "$second", "$third"), relayedIds());
    }

    @Test
    void handover_withoutMessagesDuringTheHandshake_setsNoDeadline() {
        trusted();
        Instant next = vb.deadline().orElseThrow();
        assertTrue(next.isAfter(T0.plus(VisitingEngine.HANDOVER_WINDOW)), "only the heartbeat is due: " + next);
    }

    @Test
    void handshakeFailed_messagesObservedDuringIt_areLeftToTheHost() {
        vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0); // the request goes nowhere
        vb.userMessage(ROOM, Lease.Direction.TO_REMOTE, "$m", T0);
        Instant now = T0;
        List<VisitingEngineOutput> out = new ArrayList<>();
        for (int i = 0; i < 10 && !(vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow()
                instanceof VisitingState.Failed); i++) {
            now = vb.deadline().orElseThrow();
            out.addAll(vb.tick(now));
        }
        assertInstanceOf(VisitingState.Failed.class, vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow());
        assertTrue(out.contains(new VisitingEngineOutput.LeftToHost(new TrustKey(HB, USER, NETWORK), ROOM,
                Lease.Direction.TO_REMOTE, "$m")), out.toString());
    }

    @Test
    void relaySeen_removesTheMessageFromTheBacklog() {
        trusted();
        Instant later = T0.plusSeconds(120);
        vb.tick(later);
        hb.handle(new HostingInput.Tick(), later);
        vb.userMessage(ROOM, Lease.Direction.TO_MATRIX, "irc-1", later);
        vb.relaySeen(Lease.Direction.TO_MATRIX, "irc-1");
        Instant back = later.plusSeconds(60);
        pump(vb.tick(back), back);
        assertTrue(relayed.isEmpty());
    }

    @Test
    void logout_asksEveryHostingBridgeToStepBackIn() {
        trusted();
        pump(vb.logout("moving to another bridge", T0.plusSeconds(5)), T0.plusSeconds(5));
        assertInstanceOf(VisitingState.Ended.class, vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow());
        assertEquals(HostingEngine.RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void received_fromABotWithNoRelation_isIgnored() {
        trusted();
        assertTrue(vb.received(UserId.parse("@stranger:evil.example"), MessageType.CHALLENGE.eventType(),
                JsonNodeFactory.instance.objectNode(), Optional.empty(), T0).isEmpty());
    }

    @Test
    void resume_afterRestart_heartbeatsWithoutANewHandshake() {
        trusted();
        TrustReceipt receipt = ((VisitingState.Trusted) vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow()).receipt();
        VisitingEngine restarted = new VisitingEngine(USER, VB_BOT, VB_KEY,
                List.of(new VisitingEngine.ServedNetwork(NETWORK, ACCOUNT, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG))),
                List.of(ProofMethods.MATRIX_DM), new Random(7));
        List<VisitingEngineOutput> out = restarted.resume(receipt, 0, T0.plusSeconds(10));
        VisitingOutput.Send beat = (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) out.get(0)).output();
        assertEquals(MessageType.HEARTBEAT, beat.type());
        List<HostingOutput> reply = hb.handle(new HostingInput.RoomMessage(RoomId.parse("!dm:home.example"), true,
                VB_BOT, beat.type().eventType(), beat.content()), T0.plusSeconds(10));
        assertTrue(reply.stream().anyMatch(r -> r instanceof HostingOutput.Send
                && ((HostingOutput.Send) r).type() == MessageType.LEASE), reply.toString());
    }

    /** A second hosting bridge, {@code bot}, whose IRC bot is {@code ircBot} on the same network. */
    private static HostingEngine otherHostingBridge(UserId bot, String ircBot) {
        return new HostingEngine(HostingPolicy.defaults(bot, Map.of(NETWORK, ircBot),
                Map.of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL),
                new InMemoryTrustStore(), new InMemoryFillInLog(), new Random(9), T0);
    }

    /** The VB's request to {@code otherHb} goes to {@code hb2}; what the VB makes of its challenge. */
    private List<VisitingEngineOutput> challengeFrom(UserId otherHb, HostingEngine hb2) {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM2, bridge(otherHb, NETWORK, "#other"), T0.plusSeconds(1));
        VisitingOutput.Send send = (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) request.get(0)).output();
        List<HostingOutput> replies = hb2.handle(new HostingInput.RoomMessage(RoomId.parse("!dm2:home.example"), true,
                VB_BOT, send.type().eventType(), send.content()), T0.plusSeconds(1));
        HostingOutput.Send challenge = replies.stream().filter(o -> o instanceof HostingOutput.Send)
                .map(o -> (HostingOutput.Send) o).filter(o -> o.type() == MessageType.CHALLENGE).findFirst().orElseThrow();
        return vb.received(otherHb, challenge.type().eventType(), challenge.content(), Optional.empty(),
                T0.plusSeconds(1));
    }

    @Test
    void challenge_theFirstTargetOfAHostingBridge_isPinnedBeforeTheProofs() {
        List<VisitingEngineOutput> out = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        pump(out, T0);
        assertEquals(Optional.of(new RemoteTargetPins.Pin(HB, NETWORK, Fixtures.IRC_BOT)), vb.pinOf(HB, NETWORK));
    }

    @Test
    void challenge_fromAnotherBotNamingAPinnedTarget_isCancelledAsInvalidMessage() {
        trusted(); // pins HB's IRC bot
        UserId otherHb = UserId.parse("@other-hb:elsewhere.example");
        List<VisitingEngineOutput> out = challengeFrom(otherHb, otherHostingBridge(otherHb, Fixtures.IRC_BOT.toLowerCase()));
        assertFalse(out.stream().anyMatch(o -> o instanceof VisitingEngineOutput.ForRelation f
                && (f.output() instanceof VisitingOutput.MakeRemoteProof || f.output() instanceof VisitingOutput.MakeMatrixProof)),
                "no proof is made: " + out);
        VisitingOutput.Send cancel = out.stream().filter(o -> o instanceof VisitingEngineOutput.ForRelation f
                && f.output() instanceof VisitingOutput.Send).map(o -> (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) o).output())
                .findFirst().orElseThrow();
        assertEquals(MessageType.CANCEL, cancel.type());
        assertEquals(otherHb, cancel.to());
        assertEquals(CancelCode.INVALID_MESSAGE.value(), cancel.content().path("code").asText());
        VisitingState state = vb.state(new TrustKey(otherHb, USER, NETWORK)).orElseThrow();
        assertInstanceOf(VisitingState.Failed.class, state);
        assertEquals(CancelCode.INVALID_MESSAGE, ((VisitingState.Failed) state).code());
        assertEquals(Optional.empty(), vb.pinOf(otherHb, NETWORK));
        assertInstanceOf(VisitingState.Trusted.class, vb.state(new TrustKey(HB, USER, NETWORK)).orElseThrow(),
                "the first hosting bridge's trust stands");
    }

    @Test
    void challenge_fromAnotherBotWithItsOwnTarget_goesOn_andAPinRestoredAfterARestartStillRefuses() {
        UserId otherHb = UserId.parse("@other-hb:elsewhere.example");
        vb.restorePin(new RemoteTargetPins.Pin(HB, NETWORK, Fixtures.IRC_BOT));
        List<VisitingEngineOutput> own = challengeFrom(otherHb, otherHostingBridge(otherHb, "OtherBot"));
        assertTrue(own.stream().anyMatch(o -> o instanceof VisitingEngineOutput.ForRelation f
                && f.output() instanceof VisitingOutput.MakeRemoteProof), own.toString());
        assertEquals(new VisitingEngineOutput.TargetPinned(new RemoteTargetPins.Pin(otherHb, NETWORK, "OtherBot")),
                own.get(0), "pinned before the proofs");
        UserId third = UserId.parse("@third-hb:elsewhere.example");
        VisitingEngine restarted = new VisitingEngine(USER, VB_BOT, VB_KEY,
                List.of(new VisitingEngine.ServedNetwork(NETWORK, ACCOUNT, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG))),
                List.of(ProofMethods.MATRIX_DM), new Random(8));
        restarted.restorePin(new RemoteTargetPins.Pin(HB, NETWORK, Fixtures.IRC_BOT));
        List<VisitingEngineOutput> request = restarted.bridgeSeen(ROOM2, bridge(third, NETWORK, "#x"), T0);
        VisitingOutput.Send send = (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) request.get(0)).output();
        HostingOutput.Send challenge = otherHostingBridge(third, Fixtures.IRC_BOT).handle(new HostingInput.RoomMessage(
                RoomId.parse("!dm3:home.example"), true, VB_BOT, send.type().eventType(), send.content()), T0).stream()
                .filter(o -> o instanceof HostingOutput.Send).map(o -> (HostingOutput.Send) o)
                .filter(o -> o.type() == MessageType.CHALLENGE).findFirst().orElseThrow();
        restarted.received(third, challenge.type().eventType(), challenge.content(), Optional.empty(), T0);
        assertInstanceOf(VisitingState.Failed.class, restarted.state(new TrustKey(third, USER, NETWORK)).orElseThrow());
    }

    @Test
    void outstanding_afterADmChange_isTheWaitingMessageAsSent_andNothingWhenTrusted() {
        List<VisitingEngineOutput> request = vb.bridgeSeen(ROOM, bridge(HB, NETWORK, "#byob"), T0);
        VisitingOutput.Send sent = (VisitingOutput.Send) ((VisitingEngineOutput.ForRelation) request.get(0)).output();
        List<VisitingEngineOutput> again = vb.outstanding(HB);
        assertEquals(List.of(new VisitingEngineOutput.ForRelation(new TrustKey(HB, USER, NETWORK), sent)), again);
        assertTrue(vb.outstanding(UserId.parse("@nobody:example.org")).isEmpty());
        pump(request, T0);
        assertTrue(vb.outstanding(HB).isEmpty(), "trusted: nothing waits");
    }
}
