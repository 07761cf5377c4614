package dev.byob.it.hosting;

import static dev.byob.it.hosting.BridgedChannel.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.BridgedChannel.Person;
import dev.byob.it.hosting.BridgedChannel.VisitingBot;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Cancel;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.visiting.VisitingEngine;
import dev.byob.protocol.visiting.VisitingEngineOutput;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way a visiting bridge's proof can be refused, against the real hosting bridge, Synapse and
 * InspIRCd+Atheme (spec §4.3, §6.4, §7–§9, §2.2, §3.4): a scripted visiting bridge ({@link ScriptedVisitingBridge})
 * gets something wrong, and each test checks the cancel the bridge sends in the DM (code and readable reason), that
 * the bridge holds no trust record for the user afterwards (its admin's {@code trust show}), and that it did not
 * step aside: the user's {@code [m]} puppet still relays to IRC and their own IRC line still reaches Matrix through
 * a ghost. One bridge serves every test, each with its own user, visiting bridge and IRC account; its challenges
 * expire after {@value #CHALLENGE_TTL_SECONDS} s so that expiry can be tested.
 */
@RealServers
class HostingBridgeRefusalIT {
    private static final int CHALLENGE_TTL_SECONDS = 10;
    private static final Duration PAST_EXPIRY = Duration.ofSeconds(CHALLENGE_TTL_SECONDS).plus(WAIT);
    private static final String PREFIX = MessageType.PREFIX;

    @TempDir
    static Path dir;

    private static BridgedChannel channel;
    private static HostingBridge bridge;

    @BeforeAll
    static void startBridge(Homeserver homeserver, IrcNetwork irc) throws Exception {
        channel = BridgedChannel.create(homeserver, irc, homeserver.appservice(HostingBridgeAppservices.REFUSAL_ID),
                HostingBridgeAppservices.REFUSAL_BOT_LOCALPART, HostingBridgeAppservices.REFUSAL_GHOST_PREFIX,
                "hbrefusebot", dir.resolve("config.yaml"),
                "  challenge_ttl_seconds: " + CHALLENGE_TTL_SECONDS,
                "  rate_limits:",
                "    requests_per_vb: 1000",
                "    requests_per_user: 1000");
        bridge = HostingBridge.bridging(channel.config).start();
        channel.awaitBotInChannel(1);
    }

    @AfterAll
    static void stopBridge() {
        if (bridge != null) {
            bridge.stop();
        }
        if (channel != null) {
            channel.close();
        }
    }

    @Test
    void theIrcProofCarriesAnotherNonce_ignored_theExchangeExpiresWithoutTheRemoteProof() throws Exception {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("wrongnonce")) {
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, alice.irc());
            String wrong = Nonce.random(new SecureRandom()).value();
            List<String> rightLine = new ArrayList<>();
            vb.rewriteRemoteProof(line -> {
                rightLine.add(line);
                return "byob-proof " + wrong;
            });
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);

            // The Matrix proof and the answer are right; a line with an unknown nonce is ignored (no oracle), so the
            // exchange waits for the remote proof until the challenge expires.
            RoomEvent cancel = vb.awaitReceived(MessageType.CANCEL, txn, PAST_EXPIRY);
            assertCancel(cancel, CancelCode.TIMEOUT, "without the remote proof");
            assertTrue(!reason(cancel).contains("Matrix proof") && !reason(cancel).contains("answer"),
                    "only the remote proof was missing: " + reason(cancel));
            // The VB's own deadline falls at the same moment, so either the cancel or its timer ends it first.
            assertTrue(vb.state() instanceof VisitingState.Failed f && f.code().equals(CancelCode.TIMEOUT),
                    "state " + vb.state());

            // The right line after expiry is too late: its nonce is dead.
            alice.irc().privmsg(channel.botNick, rightLine.get(0));
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
            vb.pump();
            assertEquals(List.of(MessageType.CHALLENGE.eventType(), MessageType.CANCEL.eventType()), vb.receivedTypes(),
                    "the late line got no answer");
        }
    }

    @Test
    void theIrcProofComesFromAConnectionNotLoggedIn_remoteProofFailed() {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("anon");
             // The nick alone says nothing: a connection without SASL, named after nobody in particular.
             IrcUserClient anonymous = channel.irc.user(Names.unique("anon")).connect()) {
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, anonymous);
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);

            assertCancel(vb.awaitReceived(MessageType.CANCEL, txn, WAIT), CancelCode.REMOTE_PROOF_FAILED,
                    "without being logged in to an account");
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void theIrcProofComesFromAnotherServicesAccount_remoteProofFailed() {
        IrcNetwork.IrcAccount mallory = channel.irc.newAccount("mallory");
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("other");
             IrcUserClient malloryIrc = channel.irc.user(mallory.name()).sasl(mallory.name(), mallory.password())
                     .connect()) {
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, malloryIrc);
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);

            RoomEvent cancel = vb.awaitReceived(MessageType.CANCEL, txn, WAIT);
            assertCancel(cancel, CancelCode.REMOTE_PROOF_FAILED, "is logged in as " + mallory.name());
            assertTrue(reason(cancel).contains("not " + alice.ircAccount().name()), reason(cancel));
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void theAnswerArrivesAfterTheChallengeExpired_timeout_andTheLateAnswerChangesNothing() {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("late")) {
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, alice.irc());
            // Both proofs are made at once; the answer is delayed in transit.
            vb.hold(out -> out instanceof VisitingOutput.Send s && s.type() == MessageType.ANSWER);
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);
            vb.awaitState("Answered", s -> s instanceof VisitingState.Answered, WAIT);

            RoomEvent expired = vb.awaitReceived(MessageType.CANCEL, txn, PAST_EXPIRY);
            assertCancel(expired, CancelCode.TIMEOUT, "without the answer");
            assertTrue(!reason(expired).contains("proof"), "both proofs were observed: " + reason(expired));

            // The late answer gets the same cancel again (§6.2), under the same Client-Server transaction id, so the
            // homeserver keeps the one event; above all it is not accepted. The admin's command after it is
            // handled after it.
            vb.release();
            assertNotTrusted(alice);
            vb.pump();
            assertEquals(List.of(MessageType.CHALLENGE.eventType(), MessageType.CANCEL.eventType()), vb.receivedTypes());
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void anAnswerOfAnEarlierExchange_replayedWithItsRequest_bindsDeadNonces_invalidMessage() throws Exception {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("replay")) {
            // The Matrix proof goes to a room of alice's alone, which the bridge never sees: the first exchange
            // gets its remote proof and its answer, then the visiting bridge cancels it and the bridge forgets it.
            String notes = alice.matrix().createRoom("notes");
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, notes, alice.irc());
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);
            vb.awaitState("Answered", s -> s instanceof VisitingState.Answered, WAIT);
            ObjectNode request = vb.sent(MessageType.REQUEST).get(0);
            ObjectNode answer = vb.sent(MessageType.ANSWER).get(0);
            vb.send(MessageType.CANCEL, SignedContent.sign(new Cancel(new TxnId(txn), CancelCode.USER,
                    "the user aborted the login"), UserId.parse(vbBot.userId()), vbBot.key()));

            // Both resent, as whoever can post as the visiting bridge's bot could: the request opens a new exchange
            // with fresh nonces (its challenge reuses the first one's Client-Server transaction id, so the
            // homeserver shows only the first), and the old answer commits to the old nonces. A cancel is never
            // answered, so the cancel that comes is the answer's.
            int from = vb.received().size();
            vb.send(MessageType.REQUEST, request);
            vb.send(MessageType.ANSWER, answer);
            assertCancel(awaitCancel(vb, txn, from), CancelCode.INVALID_MESSAGE,
                    "binds nonces other than this challenge's");

            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void theAnswerIsSignedByAnotherKeyThanTheRequestAnnounced_keyMismatch() {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("announced")) {
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            SigningKey other = SigningKey.generate(KeyId.ed25519("other"), new SecureRandom());
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, alice.irc())
                    .rewrite(MessageType.ANSWER, c -> BridgedChannel.resigned(c, vbBot.userId(), other));
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);

            assertCancel(vb.awaitReceived(MessageType.CANCEL, txn, WAIT), CancelCode.KEY_MISMATCH,
                    "not signed by the request's key");
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void theRequestIsSignedByAnotherKeyThanItAnnounces_badSignature_andNoChallenge() {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("announced")) {
            // Another key under the announced key's id: the signature is there but does not verify.
            SigningKey other = SigningKey.generate(vbBot.key().keyId(), new SecureRandom());
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, "!unused:" + channel.homeserver.serverName(),
                    alice.irc()).rewrite(MessageType.REQUEST, c -> BridgedChannel.resigned(c, vbBot.userId(), other));
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);

            assertCancel(vb.awaitReceived(MessageType.CANCEL, txn, WAIT), CancelCode.BAD_SIGNATURE,
                    "not signed by the key it announces");
            assertTrue(vb.received().stream().noneMatch(e -> e.type().equals(MessageType.CHALLENGE.eventType())),
                    "a challenge for a request with a bad signature: " + vb.received());
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void aRequestOutsideTheCanonicalDm_isNotActedOn_andNotAnswered() throws Exception {
        try (Person alice = channel.newPerson("alice");
             VisitingBot vbBot = channel.newVisitingBot("elsewhere")) {
            // Two rooms the bridge bot is in that are not the visiting bridge's DM with it: the bridged room, and
            // alice's own DM with the bot, where she invited the visiting bridge's bot.
            vbBot.client().join(channel.room);
            String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
            alice.matrix().invite(aliceDm, vbBot.userId());
            vbBot.client().join(aliceDm);
            ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, alice.irc())
                    .hold(out -> true);
            vb.feed(new VisitingInput.Start());
            String txn = BridgedChannel.txnOf(vb, MessageType.REQUEST);
            ObjectNode request = vb.sent(MessageType.REQUEST).get(0);
            vb.sendIn(channel.room, MessageType.REQUEST, request);
            vb.sendIn(aliceDm, MessageType.REQUEST, request);

            // The same request in the DM, after those: the bridge answers it there, and only it. Had it acted on
            // either copy before, this one would be a duplicate and the challenge would come twice.
            vb.send(MessageType.REQUEST, request);
            vb.awaitReceived(MessageType.CHALLENGE, txn, WAIT);
            vb.pump();
            assertEquals(List.of(MessageType.CHALLENGE.eventType()), vb.receivedTypes(), "the bridge's byob messages "
                    + "in the DM");
            alice.matrix().sync(Duration.ZERO);
            List<RoomEvent> answeredElsewhere = alice.matrix().seen().stream()
                    .filter(e -> (channel.room.equals(e.roomId()) || aliceDm.equals(e.roomId()))
                            && channel.bot.equals(e.sender()) && e.type() != null && e.type().startsWith(PREFIX))
                    .toList();
            assertEquals(List.of(), answeredElsewhere, "the bridge answered outside the DM");

            // That exchange is the visiting bridge's to end.
            vb.send(MessageType.CANCEL, SignedContent.sign(new Cancel(new TxnId(txn), CancelCode.USER,
                    "done"), UserId.parse(vbBot.userId()), vbBot.key()));
            assertNotTrusted(alice);
            channel.assertRelayedByTheBridge(alice);
        }
    }

    @Test
    void aForgedBridgeEventBySomeoneElse_isIgnoredByDiscovery_andTheBridgeDoesNotActOnIt() {
        MatrixAccount mallory = channel.homeserver.newUser("mallory");
        String evil = "#" + Names.unique("evil");
        try (Person alice = channel.newPerson("alice");
             MatrixUserClient malloryClient = MatrixUserClient.of(mallory);
             IrcUserClient eve = channel.irc.user(Names.unique("eve")).connect()) {
            eve.join(evil);
            // The room's owner (who may send state) claims that the bridge bot bridges the room to another channel;
            // mallory does the same in a room of her own, which she invites the bot to.
            putForgedBridgeEvent(channel.owner, channel.room, evil);
            String malloryRoom = malloryClient.createRoom(Map.of("preset", "public_chat", "name", "not bridged",
                    "invite", List.of(channel.bot)));
            putForgedBridgeEvent(malloryClient, malloryRoom, evil);
            alice.matrix().join(malloryRoom);

            // Discovery, as a visiting bridge does it for alice: only the bridge bot's own events count.
            Network network = Network.irc(BridgedChannel.NETWORK);
            VisitingEngine discovery = new VisitingEngine(UserId.parse(alice.userId()),
                    UserId.parse(alice.userId()), SigningKey.generate(KeyId.ed25519("d"), new SecureRandom()),
                    List.of(new VisitingEngine.ServedNetwork(network, new RemoteAccount(alice.ircAccount().name()),
                            List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG))), List.of(ProofMethods.MATRIX_DM),
                    new SecureRandom());
            List<BridgeInfo.Reading> bridged = readBridgeEvents(alice.matrix(), channel.room);
            List<BridgeInfo.Reading> malloryOnly = readBridgeEvents(alice.matrix(), malloryRoom);
            assertEquals(List.of(BridgeInfo.Verdict.VALID, BridgeInfo.Verdict.VALID, BridgeInfo.Verdict.FORGED),
                    bridged.stream().map(BridgeInfo.Reading::verdict).sorted().toList(), bridged.toString());
            assertEquals(List.of(BridgeInfo.Verdict.FORGED), malloryOnly.stream().map(BridgeInfo.Reading::verdict)
                    .toList(), malloryOnly.toString());
            List<VisitingEngineOutput> started = new ArrayList<>();
            for (BridgeInfo.Reading r : bridged) {
                r.info().ifPresent(info -> {
                    assertEquals(channel.channel, info.channel());
                    started.addAll(discovery.bridgeSeen(RoomId.parse(channel.room), info, Instant.now()));
                });
            }
            for (BridgeInfo.Reading r : malloryOnly) {
                r.info().ifPresent(info -> started.addAll(discovery.bridgeSeen(RoomId.parse(malloryRoom), info,
                        Instant.now())));
            }
            assertEquals(1, discovery.relations().size(), "one hosting bridge found: " + discovery.relations());
            assertEquals(List.of(RoomId.parse(channel.room)),
                    discovery.roomsOf(discovery.relations().keySet().iterator().next()), "its rooms");

            // The bridge does not act on it: alice's message in the room reaches the real channel and nothing
            // reaches the forged one, whose people never see the bridge; mallory's invite is left unanswered.
            channel.assertRelayedByTheBridge(alice);
            alice.matrix().sendText(malloryRoom, "in mallory's room " + Names.unique("m"));
            String marker = "marker " + Names.unique("m");
            alice.matrix().sendText(channel.room, marker);
            channel.bob.awaitPrivmsg(channel.channel, marker, WAIT);
            assertTrue(eve.received().stream().noneMatch(m -> (m.is("PRIVMSG") || m.is("NOTICE") || m.is("JOIN"))
                    && evil.equalsIgnoreCase(m.param(0)) && !eve.nick().equalsIgnoreCase(m.nick())),
                    "the bridge acted on the forged channel: " + eve.received());
            JsonNode botMembership = malloryClient.api().call("GET", malloryClient.api().url(
                    "_matrix/client/v3/rooms", malloryRoom, "state", "m.room.member", channel.bot).build(), null, null);
            assertEquals("invite", botMembership.path("membership").asText(), "the bot joined mallory's room");
            assertNotTrusted(alice);
        }
    }

    // ---- helpers ----

    private static void putForgedBridgeEvent(MatrixUserClient sender, String room, String fakeChannel) {
        Map<String, Object> content = Map.of(
                "bridgebot", channel.bot,
                "protocol", Map.of("id", "irc"),
                "network", Map.of("id", BridgedChannel.NETWORK),
                "channel", Map.of("id", fakeChannel));
        String stateKey = "org.example.forged://irc/" + BridgedChannel.NETWORK + "/" + fakeChannel;
        sender.api().call("PUT", sender.api().url("_matrix/client/v3/rooms", room, "state", BridgeInfo.M_BRIDGE,
                stateKey).build(), content, null);
    }

    /** Every bridge event in {@code room}'s current state, read as a visiting bridge reads them. */
    private static List<BridgeInfo.Reading> readBridgeEvents(MatrixUserClient client, String room) {
        List<BridgeInfo.Reading> readings = new ArrayList<>();
        for (JsonNode e : client.api().call("GET", client.api().url("_matrix/client/v3/rooms", room, "state").build(),
                null, null)) {
            String type = e.path("type").asText();
            if (BridgeInfo.isBridgeEventType(type)) {
                readings.add(BridgeInfo.read(type, e.path("state_key").asText(), UserId.parse(e.path("sender").asText()),
                        e.path("content")));
            }
        }
        return readings;
    }

    private static RoomEvent awaitCancel(ScriptedVisitingBridge vb, String txn, int from) {
        return vb.awaitReceived("a cancel for " + txn, from, e -> e.type().equals(MessageType.CANCEL.eventType())
                && txn.equals(e.content().path("txn_id").asText()), WAIT);
    }

    private static String reason(RoomEvent cancel) {
        return cancel.content().path("reason").asText();
    }

    private static void assertCancel(RoomEvent cancel, CancelCode code, String reasonPart) {
        assertEquals(code.value(), cancel.content().path("code").asText(), "cancel code: " + cancel);
        assertTrue(reason(cancel).contains(reasonPart), "the reason names why (" + reasonPart + "): " + reason(cancel));
    }

    /** The bridge holds no trust record for {@code p}: none in force, none ended. */
    private static void assertNotTrusted(Person p) {
        assertEquals("No trust record for " + p.userId() + ".", channel.trustShow(p.userId()));
    }
}
