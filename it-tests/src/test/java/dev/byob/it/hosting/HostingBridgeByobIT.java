package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.GhostIds;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stepping aside and back in, as people see it: the hosting bridge runs from a real configuration with byob; a
 * visiting bridge, scripted from the protocol's {@link VisitingHandshake}, proves alice's Matrix account (an
 * {@code org.matrix.msc3647.matrix_proof} event in her DM with the bridge bot) and her IRC account (a PRIVMSG to
 * the bridge's IRC bot from a connection logged in to her NickServ account with SASL). Then her {@code [m]}
 * connection leaves IRC, the bridge relays neither her Matrix messages nor the lines of her own IRC connection,
 * and her {@code revoke} in the DM brings everything back.
 */
@RealServers
class HostingBridgeByobIT {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String BOT_NICK = "hbbyobbot";
    private static final String NETWORK = "test";

    @TempDir
    Path dir;

    @Test
    void aVisitingBridgeProvesAlice_theBridgeStepsAside_andRevokeBringsItBack(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.BYOB_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount dave = homeserver.newUser("dave");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String channel = "#" + Names.unique("byob");
        String bobNick = Names.unique("bob");
        HostingBridge bridge = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient daveClient = MatrixUserClient.of(dave);
             MatrixUserClient vbClient = MatrixUserClient.of(vbBot);
             IrcUserClient bob = irc.user(bobNick).connect();
             IrcUserClient aliceIrc = irc.user(aliceAccount.name())
                     .sasl(aliceAccount.name(), aliceAccount.password()).connect()) {
            bob.join(channel);
            String room = aliceClient.createRoom(Map.of(
                    "name", "bridged to " + channel,
                    "preset", "public_chat",
                    "invite", List.of(bot),
                    "power_level_content_override", Map.of("users", Map.of(alice.userId(), 100, bot, 100))));
            Path configFile = HostingBridgeAppservices.writeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.BYOB_BOT_LOCALPART,
                    HostingBridgeAppservices.BYOB_GHOST_PREFIX,
                    "irc:",
                    "  networks:",
                    "    - {id: " + NETWORK + ", host: " + irc.host() + ", port: " + irc.port()
                            + ", tls: false, bot_nick: " + BOT_NICK + "}",
                    "rooms:",
                    "  - {room: \"" + room + "\", network: " + NETWORK + ", channel: \"" + channel + "\"}");
            BridgeConfig config = BridgeConfig.load(configFile);
            String aliceNick = IrcNicks.forUser(config.ircNetworks().get(0), alice.localpart());
            String daveNick = IrcNicks.forUser(config.ircNetworks().get(0), dave.localpart());
            String aliceIrcGhost = GhostIds.userId(config.ghosts(), NETWORK, aliceAccount.name(), false);
            String bobGhost = GhostIds.userId(config.ghosts(), NETWORK, bobNick, false);

            bridge = HostingBridge.bridging(config).start();
            bob.await("the bot joining " + channel,
                    m -> m.is("JOIN") && BOT_NICK.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)),
                    WAIT);
            daveClient.join(room);
            bob.await(daveNick + " joining", m -> m.is("JOIN") && daveNick.equalsIgnoreCase(m.nick()), WAIT);

            // Before: the bridge relays alice both ways.
            String before = "before " + Names.unique("m");
            aliceClient.sendText(room, before);
            assertEquals(aliceNick, bob.awaitPrivmsg(channel, before, WAIT).nick());
            aliceIrc.join(channel);
            String ircBefore = "from irc before " + Names.unique("m");
            aliceIrc.privmsg(channel, ircBefore);
            assertEquals(aliceIrcGhost, aliceClient.awaitMessage(room, ircBefore, WAIT).sender());

            // The handshake, in alice's DM with the bridge bot and the visiting bridge's DM with it.
            String aliceDm = directRoomWith(aliceClient, bot);
            String vbDm = directRoomWith(vbClient, bot);
            ScriptedVb vb = new ScriptedVb(vbClient, vbDm, UserId.parse(bot), aliceClient, aliceDm, aliceIrc,
                    VisitingConfig.of(new TrustKey(UserId.parse(bot), UserId.parse(alice.userId()),
                                    Network.irc(NETWORK)), new RemoteAccount(aliceAccount.name()),
                            UserId.parse(vbBot.userId()),
                            SigningKey.generate(KeyId.ed25519("itvb"), new SecureRandom()),
                            List.of(ProofMethods.MATRIX_DM), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)));
            vb.feed(new VisitingInput.Start());
            vb.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
            assertTrue(vb.receivedTypes.contains(MessageType.ACCEPT.eventType()), "accept received: "
                    + vb.receivedTypes);
            aliceClient.awaitEvent("a notice from the bridge bot", e -> bot.equals(e.sender())
                    && "m.room.message".equals(e.type()) && "m.notice".equals(e.content().path("msgtype").asText()),
                    WAIT);

            // After: alice[m] has left IRC, and the ghost of her own IRC connection has left the room.
            bob.await(aliceNick + " quitting", m -> m.is("QUIT") && aliceNick.equalsIgnoreCase(m.nick()), WAIT);
            RoomEvent ghostLeft = aliceClient.awaitEvent("the ghost of " + aliceAccount.name() + " leaving", e -> room.equals(e.roomId())
                    && "m.room.member".equals(e.type()) && aliceIrcGhost.equals(e.stateKey())
                    && "leave".equals(e.content().path("membership").asText()), WAIT);

            // alice's Matrix message is not relayed by the bridge: dave's later one is, and bob sees only that.
            String aside = "aside " + Names.unique("m");
            aliceClient.sendText(room, aside);
            String daveMarker = "marker from dave " + Names.unique("m");
            daveClient.sendText(room, daveMarker);
            assertEquals(daveNick, bob.awaitPrivmsg(channel, daveMarker, WAIT).nick());
            assertFalse(bob.received().stream().anyMatch(m -> m.is("PRIVMSG") && aside.equals(m.param(1))),
                    "alice's Matrix message was relayed by the hosting bridge: " + bob.received());

            // A line of alice's own IRC connection is not shown by a ghost: bob's later one is.
            String ircAside = "from irc aside " + Names.unique("m");
            aliceIrc.privmsg(channel, ircAside);
            String bobMarker = "marker from bob " + Names.unique("m");
            bob.privmsg(channel, bobMarker);
            assertEquals(bobGhost, daveClient.awaitMessage(room, bobMarker, WAIT).sender());
            assertFalse(daveClient.seen().stream().anyMatch(e -> room.equals(e.roomId())
                    && "m.room.message".equals(e.type()) && ircAside.equals(e.body())),
                    "alice's IRC line was shown on Matrix by a ghost");

            // alice revokes: the visiting bridge is told, and the hosting bridge relays her again.
            aliceClient.sendText(aliceDm, "revoke");
            vb.awaitState("Ended", s -> s instanceof VisitingState.Ended, WAIT);
            assertTrue(vb.receivedTypes.contains(MessageType.REVOKED.eventType()), "revoked received: "
                    + vb.receivedTypes);
            String back = "back " + Names.unique("m");
            aliceClient.sendText(room, back);
            IrcMessage backAtBob = bob.awaitPrivmsg(channel, back, WAIT);
            assertEquals(aliceNick, backAtBob.nick());
            // The ghost of her IRC connection joins again before that connection says anything.
            aliceClient.awaitEvent("the ghost of " + aliceAccount.name() + " joining again", e -> room.equals(e.roomId())
                    && "m.room.member".equals(e.type()) && aliceIrcGhost.equals(e.stateKey())
                    && "join".equals(e.content().path("membership").asText())
                    && aliceClient.seen().indexOf(e) > aliceClient.seen().indexOf(ghostLeft), WAIT);
            String ircBack = "from irc back " + Names.unique("m");
            aliceIrc.privmsg(channel, ircBack);
            assertEquals(aliceIrcGhost, daveClient.awaitMessage(room, ircBack, WAIT).sender());

            // Each of alice's messages on IRC once, from alice[m] only: none twice, none while stepped aside.
            List<String> fromAliceM = new ArrayList<>();
            for (IrcMessage m : bob.received()) {
                if (m.is("PRIVMSG") && channel.equalsIgnoreCase(m.param(0)) && aliceNick.equalsIgnoreCase(m.nick())) {
                    fromAliceM.add(m.param(1));
                }
            }
            assertEquals(List.of(before, back), fromAliceM);
        } finally {
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    /** Creates a DM of {@code client} with {@code bot} ({@code is_direct}, an invite) and waits for the bot in it. */
    private static String directRoomWith(MatrixUserClient client, String bot) {
        String room = client.createRoom(Map.of("is_direct", true, "preset", "trusted_private_chat",
                "invite", List.of(bot)));
        client.awaitEvent(bot + " joining the DM", e -> room.equals(e.roomId()) && "m.room.member".equals(e.type())
                && bot.equals(e.stateKey()) && "join".equals(e.content().path("membership").asText()), WAIT);
        return room;
    }

    /** A visiting bridge for alice: the protocol's state machine, with its sends and proofs done for real. */
    private static final class ScriptedVb {
        final MatrixUserClient vb;
        final String dm;
        final UserId hbBot;
        final MatrixUserClient alice;
        final String aliceDm;
        final IrcUserClient aliceIrc;
        final VisitingHandshake handshake;
        VisitingState state = VisitingHandshake.initial();
        final List<String> receivedTypes = new ArrayList<>();
        final List<VisitingOutput> outputs = new ArrayList<>();
        int read;

        ScriptedVb(MatrixUserClient vb, String dm, UserId hbBot, MatrixUserClient alice, String aliceDm,
                   IrcUserClient aliceIrc, VisitingConfig config) {
            this.vb = vb;
            this.dm = dm;
            this.hbBot = hbBot;
            this.alice = alice;
            this.aliceDm = aliceDm;
            this.aliceIrc = aliceIrc;
            this.handshake = new VisitingHandshake(config, new SecureRandom());
        }

        void feed(VisitingInput first) {
            Deque<VisitingInput> inbox = new ArrayDeque<>(List.of(first));
            while (!inbox.isEmpty()) {
                var step = handshake.step(state, inbox.poll(), Instant.now());
                state = step.state();
                for (VisitingOutput out : step.outputs()) {
                    outputs.add(out);
                    if (out instanceof VisitingOutput.Send send) {
                        vb.sendEvent(dm, send.type().eventType(), send.content());
                    } else if (out instanceof VisitingOutput.MakeMatrixProof proof) {
                        assertEquals(ProofMethods.MATRIX_DM, proof.method());
                        String id = alice.sendEvent(aliceDm, MessageType.MATRIX_PROOF.eventType(), proof.content());
                        inbox.add(new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(proof.method(),
                                Optional.of(EventId.parse(id)), Optional.of(RoomId.parse(aliceDm)),
                                Optional.empty())));
                    } else if (out instanceof VisitingOutput.MakeRemoteProof proof) {
                        aliceIrc.privmsg(proof.target(), proof.text());
                        inbox.add(new VisitingInput.RemoteProofMade());
                    }
                }
            }
        }

        /** One short /sync: feeds the hosting bridge's new messages in the DM, and the time. */
        void pump() {
            vb.sync(Duration.ofMillis(500));
            List<RoomEvent> seen = vb.seen();
            while (read < seen.size()) {
                RoomEvent e = seen.get(read++);
                if (dm.equals(e.roomId()) && hbBot.value().equals(e.sender()) && e.type() != null
                        && e.type().startsWith(MessageType.PREFIX)) {
                    receivedTypes.add(e.type());
                    JsonNode ts = e.json().get("origin_server_ts");
                    feed(new VisitingInput.Received(hbBot, e.type(), e.content(),
                            ts == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ts.asLong()))));
                }
            }
            Optional<Instant> deadline = handshake.deadline(state);
            if (deadline.isPresent() && !deadline.get().isAfter(Instant.now())) {
                feed(new VisitingInput.Tick());
            }
        }

        void awaitState(String what, Predicate<VisitingState> wanted, Duration timeout) {
            Instant end = Instant.now().plus(timeout);
            while (!wanted.test(state)) {
                if (Instant.now().isAfter(end)) {
                    throw new AssertionError("the visiting bridge did not reach " + what + " in " + timeout
                            + "; state " + state + ", received " + receivedTypes + ", outputs " + outputs);
                }
                pump();
            }
            assertInstanceOf(VisitingState.class, state);
        }
    }
}
