package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stepping aside and back in, as people see it: the hosting bridge runs from a real configuration with byob; a
 * visiting bridge, scripted from the protocol's handshake ({@link ScriptedVisitingBridge}), proves alice's Matrix account (an
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
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), bot, channel);
            Path configFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.BYOB_BOT_LOCALPART, HostingBridgeAppservices.BYOB_GHOST_PREFIX,
                    irc, NETWORK, BOT_NICK, room, channel);
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
            String aliceDm = ScriptedVisitingBridge.directRoomWith(aliceClient, bot, WAIT);
            String vbDm = ScriptedVisitingBridge.directRoomWith(vbClient, bot, WAIT);
            ScriptedVisitingBridge vb = new ScriptedVisitingBridge(vbClient, vbDm, UserId.parse(bot), aliceClient, aliceDm, aliceIrc,
                    VisitingConfig.of(new TrustKey(UserId.parse(bot), UserId.parse(alice.userId()),
                                    Network.irc(NETWORK)), new RemoteAccount(aliceAccount.name()),
                            UserId.parse(vbBot.userId()),
                            SigningKey.generate(KeyId.ed25519("itvb"), new SecureRandom()),
                            List.of(ProofMethods.MATRIX_DM), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)));
            vb.feed(new VisitingInput.Start());
            vb.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
            assertTrue(vb.receivedTypes().contains(MessageType.ACCEPT.eventType()), "accept received: "
                    + vb.receivedTypes());
            aliceClient.awaitEvent("a notice from the bridge bot", e -> bot.equals(e.sender())
                    && "m.room.message".equals(e.type()) && "m.notice".equals(e.content().path("msgtype").asText()),
                    WAIT);

            // After: alice[m] has left IRC, and the ghost of her own IRC connection has left the room.
            bob.await(aliceNick + " quitting", m -> m.is("QUIT") && aliceNick.equalsIgnoreCase(m.nick()), WAIT);
            RoomEvent ghostLeft = aliceClient.awaitEvent("the ghost of " + aliceAccount.name() + " leaving", e -> room.equals(e.roomId())
                    && "m.room.member".equals(e.type()) && aliceIrcGhost.equals(e.stateKey())
                    && "leave".equals(e.content().path("membership").asText()), WAIT);

            // alice's Matrix message is not relayed by the bridge but by her visiting bridge, from her own
            // connection with the origin tag (as the real one does): the bridge observes that relay, so it never
            // relays the message itself, not even when it steps back in later. dave's later message it relays.
            String aside = "aside " + Names.unique("m");
            String asideId = aliceClient.sendText(room, aside);
            aliceIrc.privmsg(channel, aside, Map.of(RelayMarks.ORIGIN_TAG, asideId));
            String daveMarker = "marker from dave " + Names.unique("m");
            daveClient.sendText(room, daveMarker);
            assertEquals(daveNick, bob.awaitPrivmsg(channel, daveMarker, WAIT).nick());
            assertFalse(bob.received().stream().anyMatch(m -> m.is("PRIVMSG") && aside.equals(m.param(1))
                    && aliceNick.equalsIgnoreCase(m.nick())),
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
            assertTrue(vb.receivedTypes().contains(MessageType.REVOKED.eventType()), "revoked received: "
                    + vb.receivedTypes());
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
}
