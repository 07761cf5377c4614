package dev.byob.it.hosting;

import static dev.byob.it.hosting.BridgedChannel.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.HostingBridge;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.BridgedChannel.Person;
import dev.byob.it.hosting.BridgedChannel.VisitingBot;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Heartbeat;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Override by a later login (spec §10.4), with two real visiting bridges' bots against the real hosting bridge,
 * Synapse and InspIRCd+Atheme: the first links alice; a second, with another bot account and another key, proves
 * the same accounts. The first is told {@code revoked} {@code superseded} and is refused afterwards, alice is told
 * in her DM with the bridge bot, only the second's trust is in force, and the bridge stays aside throughout: alice's
 * messages are relayed once, by her visiting bridge.
 */
@RealServers
class HostingBridgeOverrideIT {
    @TempDir
    Path dir;

    @Test
    void aSecondVisitingBridgeLinksAlice_theFirstIsSuperseded_refusedAfterwards_andOnlyTheSecondIsTrusted(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        HostingBridge bridge = null;
        try (BridgedChannel channel = BridgedChannel.create(homeserver, irc,
                homeserver.appservice(HostingBridgeAppservices.OVERRIDE_ID),
                HostingBridgeAppservices.OVERRIDE_BOT_LOCALPART, HostingBridgeAppservices.OVERRIDE_GHOST_PREFIX,
                "hboverbot", dir.resolve("config.yaml"))) {
            bridge = HostingBridge.bridging(channel.config).start();
            channel.awaitBotInChannel(1);
            try (Person alice = channel.newPerson("alice");
                 VisitingBot first = channel.newVisitingBot("first");
                 VisitingBot second = channel.newVisitingBot("second")) {
                Predicate<IrcMessage> puppetQuits = m -> m.is("QUIT") && alice.puppet().equalsIgnoreCase(m.nick());
                String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
                Network network = Network.irc(BridgedChannel.NETWORK);

                // The first visiting bridge links alice and heartbeats; the bridge steps aside.
                ScriptedVisitingBridge vb1 = channel.visitingBridge(first, alice, aliceDm, alice.irc());
                vb1.feed(new VisitingInput.Start());
                vb1.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
                long firstEpoch = ((VisitingState.Trusted) vb1.state()).receipt().epoch();
                BridgedChannel.awaitLines(channel.bob, alice.puppet() + " quitting", puppetQuits, 1);
                vb1.heartbeatInBackground();

                // The second, with its own bot and key, proves the same accounts.
                int noticesFrom = alice.matrix().seen().size();
                ScriptedVisitingBridge vb2 = channel.visitingBridge(second, alice, aliceDm, alice.irc());
                vb2.feed(new VisitingInput.Start());
                vb2.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
                long secondEpoch = ((VisitingState.Trusted) vb2.state()).receipt().epoch();
                assertEquals(firstEpoch + 1, secondEpoch, "the override takes the next epoch");

                // The first is told, in its own DM, that its trust was superseded, and stops.
                vb1.awaitState("Ended (superseded)", s -> s instanceof VisitingState.Ended e
                        && e.code().equals(RevokeCode.SUPERSEDED), WAIT);
                vb1.goDown();
                RoomEvent revoked = vb1.received().stream()
                        .filter(e -> e.type().equals(MessageType.REVOKED.eventType())).findFirst().orElseThrow();
                assertEquals(RevokeCode.SUPERSEDED.value(), revoked.content().path("code").asText());
                assertEquals(firstEpoch, revoked.content().path("epoch").asLong());
                assertTrue(revoked.content().path("reason").asText().contains(second.userId()),
                        "the reason names the new visiting bridge: " + revoked.content());
                RoomEvent accept = vb2.awaitReceived(MessageType.ACCEPT, BridgedChannel.txnOf(vb2, MessageType.REQUEST),
                        WAIT);
                assertTrue(revoked.json().path("origin_server_ts").asLong()
                        <= accept.json().path("origin_server_ts").asLong(), "revoked is sent before the new accept");

                // Anything it sends for its epoch afterwards is answered revoked superseded again, and changes nothing.
                SecureRandom random = new SecureRandom();
                UserId aliceId = UserId.parse(alice.userId());
                UserId firstBot = UserId.parse(first.userId());
                TxnId heartbeatTxn = TxnId.random(random);
                vb1.send(MessageType.HEARTBEAT, SignedContent.sign(new Heartbeat(heartbeatTxn, aliceId, network,
                        firstEpoch, System.currentTimeMillis(), 0), firstBot, first.key()));
                assertRevokedSuperseded(vb1.awaitReceived(MessageType.REVOKED, heartbeatTxn.value(), WAIT), firstEpoch);
                TxnId releaseTxn = TxnId.random(random);
                vb1.send(MessageType.RELEASE, SignedContent.sign(new Release(releaseTxn, aliceId, network, firstEpoch,
                        Optional.of("logging out")), firstBot, first.key()));
                assertRevokedSuperseded(vb1.awaitReceived(MessageType.REVOKED, releaseTxn.value(), WAIT), firstEpoch);

                // alice is told what happened, in her DM with the bridge bot.
                String told = channel.awaitNotice(alice.matrix(), aliceDm, noticesFrom,
                        b -> b.contains(second.userId()) && b.contains(first.userId())).body();
                assertTrue(told.contains("replaced"), told);

                // Only the second's trust is in force, for alice and for the admin (who sees the latest record of
                // each network); the first's ended as superseded, as its answers above say.
                String status = channel.command(alice.matrix(), aliceDm, "status", b -> b.contains("epoch"));
                String secondsRecord = "visiting bridge " + second.userId() + " (" + second.key().keyId() + "), epoch "
                        + secondEpoch;
                assertTrue(status.contains(secondsRecord) && status.contains("lease live"), status);
                assertFalse(status.contains(first.userId()), status);
                String records = channel.trustShow(alice.userId());
                assertEquals(List.of(alice.userId() + ":"), records.lines().filter(l -> !l.contains("epoch")).toList(),
                        records);
                assertEquals(1, records.lines().filter(l -> l.contains("epoch")).count(), records);
                assertTrue(records.contains(secondsRecord) && records.contains("lease live"), records);

                // The second heartbeats and the bridge stays aside: alice's message reaches IRC once, relayed by
                // her visiting bridge from her own connection, and alice[m] never came back.
                vb2.heartbeatInBackground();
                vb2.awaitOutput("a lease", 0, o -> o instanceof VisitingOutput.LeaseRenewed, WAIT);
                String aside = "aside " + Names.unique("m");
                String eventId = alice.matrix().sendText(channel.room, aside);
                alice.irc().privmsg(channel.channel, aside, Map.of(RelayMarks.ORIGIN_TAG, eventId));
                assertEquals(alice.irc().nick(), channel.bob.awaitPrivmsg(channel.channel, aside, WAIT).nick());
                String marker = "marker " + Names.unique("m");
                channel.owner.sendText(channel.room, marker);
                channel.bob.awaitPrivmsg(channel.channel, marker, WAIT);
                assertEquals(1, channel.bob.received().stream()
                        .filter(m -> m.is("PRIVMSG") && aside.equals(m.param(1))).count(), channel.bob.received().toString());
                List<IrcMessage> seen = channel.bob.received();
                int quit = seen.indexOf(seen.stream().filter(puppetQuits).findFirst().orElseThrow());
                assertTrue(seen.subList(quit, seen.size()).stream()
                        .noneMatch(m -> m.is("JOIN") && alice.puppet().equalsIgnoreCase(m.nick())),
                        alice.puppet() + " came back during the override: " + seen);
                vb2.goDown();
            }
        } finally {
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    private static void assertRevokedSuperseded(RoomEvent revoked, long epoch) {
        assertEquals(RevokeCode.SUPERSEDED.value(), revoked.content().path("code").asText(), revoked.toString());
        assertEquals(epoch, revoked.content().path("epoch").asLong(), revoked.toString());
    }
}
