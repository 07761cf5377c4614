package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
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
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fill-in, as people see it (spec §12.4): a visiting bridge, scripted from the protocol's handshake
 * ({@link ScriptedVisitingBridge}), links alice with a short lease, heartbeats for a while and goes down. What
 * alice writes on Matrix then reaches IRC once, through her {@code [m]} connection, which the hosting bridge
 * brings back only for the fill-in; when the visiting bridge is back, the lease reply names what was filled in,
 * the visiting bridge relays nothing of it, {@code alice[m]} leaves again, and a message written while the lease
 * is live is relayed by the visiting bridge alone, from alice's own connection.
 */
@RealServers
class HostingBridgeLeaseIT {
    private static final Duration WAIT = Duration.ofSeconds(45);
    private static final String BOT_NICK = "hbleasebot";
    private static final String NETWORK = "test";

    @TempDir
    Path dir;

    @Test
    void theVisitingBridgeGoesDown_theBridgeFillsInThroughAliceM_andReportsItWhenTheVisitingBridgeIsBack(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.LEASE_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount dave = homeserver.newUser("dave");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String channel = "#" + Names.unique("lease");
        String bobNick = Names.unique("bob");
        HostingBridge bridge = null;
        ScriptedVisitingBridge vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient daveClient = MatrixUserClient.of(dave);
             MatrixUserClient vbClient = MatrixUserClient.of(vbBot);
             IrcUserClient bob = irc.user(bobNick).connect();
             IrcUserClient aliceIrc = irc.user(aliceAccount.name())
                     .sasl(aliceAccount.name(), aliceAccount.password()).connect()) {
            bob.join(channel);
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), bot, channel);
            Path configFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.LEASE_BOT_LOCALPART, HostingBridgeAppservices.LEASE_GHOST_PREFIX,
                    irc, NETWORK, BOT_NICK, room, channel,
                    "byob:",
                    // Short enough for a quick test, long enough that a loaded machine delaying a heartbeat or
                    // an appservice push by a few seconds does not lapse a lease the visiting bridge still holds.
                    "  lease_seconds: 8",
                    "  heartbeat_seconds: 1",
                    "  fill_in_grace_seconds: 3");
            BridgeConfig config = BridgeConfig.load(configFile);
            String aliceNick = IrcNicks.forUser(config.ircNetworks().get(0), alice.localpart());
            String daveNick = IrcNicks.forUser(config.ircNetworks().get(0), dave.localpart());
            Predicate<IrcMessage> aliceMQuits = m -> m.is("QUIT") && aliceNick.equalsIgnoreCase(m.nick());

            bridge = HostingBridge.bridging(config).start();
            bob.await("the bot joining " + channel,
                    m -> m.is("JOIN") && BOT_NICK.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)),
                    WAIT);
            daveClient.join(room);
            bob.await(daveNick + " joining", m -> m.is("JOIN") && daveNick.equalsIgnoreCase(m.nick()), WAIT);
            String before = "before " + Names.unique("m");
            aliceClient.sendText(room, before);
            assertEquals(aliceNick, bob.awaitPrivmsg(channel, before, WAIT).nick());
            aliceIrc.join(channel);

            // The link: alice[m] leaves IRC.
            String aliceDm = ScriptedVisitingBridge.directRoomWith(aliceClient, bot, WAIT);
            String vbDm = ScriptedVisitingBridge.directRoomWith(vbClient, bot, WAIT);
            vb = new ScriptedVisitingBridge(vbClient, vbDm, UserId.parse(bot), aliceClient, aliceDm, aliceIrc,
                    VisitingConfig.of(new TrustKey(UserId.parse(bot), UserId.parse(alice.userId()),
                                    Network.irc(NETWORK)), new RemoteAccount(aliceAccount.name()),
                            UserId.parse(vbBot.userId()),
                            SigningKey.generate(KeyId.ed25519("itlease"), new SecureRandom()),
                            List.of(ProofMethods.MATRIX_DM), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)));
            vb.feed(new VisitingInput.Start());
            vb.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
            BridgedChannel.awaitLines(bob, aliceNick + " quitting when trust takes effect", aliceMQuits, 1);

            // The visiting bridge heartbeats: several leases in a row.
            vb.heartbeatInBackground();
            int renewals = vb.outputs().size();
            for (int i = 0; i < 3; i++) {
                VisitingOutput renewed = vb.awaitOutput("a lease reply", renewals,
                        o -> o instanceof VisitingOutput.LeaseRenewed, WAIT);
                renewals = vb.outputs().indexOf(renewed) + 1;
            }

            // It goes down; once its lease has ended by its own clock, alice writes. The hosting bridge fills in
            // through alice[m] (what it held when the lease lapsed, and what arrives while it is lapsed).
            vb.goDown();
            Instant vbLeaseEnd = vb.leaseUntil();
            waitUntil("the visiting bridge's lease to end", () -> Instant.now().isAfter(vbLeaseEnd));
            Map<String, String> backlog = new LinkedHashMap<>(); // event id -> text, as the visiting bridge holds them
            String away = "while away " + Names.unique("m");
            backlog.put(aliceClient.sendText(room, away), away);
            assertEquals(aliceNick, bob.awaitPrivmsg(channel, away, WAIT).nick(), "filled in through alice[m]");
            String awayAgain = "while still away " + Names.unique("m");
            backlog.put(aliceClient.sendText(room, awayAgain), awayAgain);
            assertEquals(aliceNick, bob.awaitPrivmsg(channel, awayAgain, WAIT).nick(), "filled in through alice[m]");

            // It comes back (a restart: heartbeat with fill_ack 0); the lease reply names both fill-ins.
            int from = vb.comeBack(0);
            VisitingOutput.LeaseRenewed back = (VisitingOutput.LeaseRenewed) vb.awaitOutput(
                    "a lease reply with everything filled in", from,
                    o -> o instanceof VisitingOutput.LeaseRenewed r && !r.more(), WAIT);
            Set<String> filled = new java.util.HashSet<>();
            for (int i = from; i < vb.outputs().size(); i++) {
                if (vb.outputs().get(i) instanceof VisitingOutput.LeaseRenewed r) {
                    r.filledIn().stream().filter(f -> f.direction() == Lease.Direction.TO_REMOTE)
                            .flatMap(f -> f.matrixEventId().stream()).map(EventId::value).forEach(filled::add);
                }
                if (vb.outputs().get(i) == back) {
                    break;
                }
            }
            assertTrue(filled.containsAll(backlog.keySet()), "filled_in names " + backlog.keySet() + ": " + filled);
            // The visiting bridge relays its backlog except what was filled in: here nothing.
            for (Map.Entry<String, String> held : backlog.entrySet()) {
                if (!filled.contains(held.getKey())) {
                    aliceIrc.privmsg(channel, held.getValue(), Map.of(RelayMarks.ORIGIN_TAG, held.getKey()));
                }
            }

            // The fill-in has ended: alice[m] leaves IRC again.
            BridgedChannel.awaitLines(bob, aliceNick + " quitting when the fill-in ends", aliceMQuits, 2);

            // A message while the lease is live: the visiting bridge relays it from alice's own connection, tagged.
            String live = "live " + Names.unique("m");
            String liveId = aliceClient.sendText(room, live);
            assertTrue(vb.leaseLive(), "the visiting bridge holds a live lease");
            aliceIrc.privmsg(channel, live, Map.of(RelayMarks.ORIGIN_TAG, liveId));
            assertEquals(aliceIrc.nick(), bob.awaitPrivmsg(channel, live, WAIT).nick());
            // Had the bridge missed that relay, it would fill the message in once it had waited a whole lease
            // (§12.7): wait past that, so the exactly-once check below would see the second copy.
            Instant liveRelayed = Instant.now();
            waitUntil("a lease and its grace after the live relay",
                    () -> Instant.now().isAfter(liveRelayed.plusSeconds(8 + 3)));

            // Markers: dave's Matrix message after all of alice's, then bob's IRC line after alice's own line.
            String daveMarker = "marker from dave " + Names.unique("m");
            daveClient.sendText(room, daveMarker);
            assertEquals(daveNick, bob.awaitPrivmsg(channel, daveMarker, WAIT).nick());
            String bobMarker = "marker from bob " + Names.unique("m");
            bob.privmsg(channel, bobMarker);
            daveClient.awaitMessage(room, bobMarker, WAIT);

            // Each of alice's messages reached IRC exactly once, from the connection that should have sent it.
            List<String> seenByBob = new ArrayList<>();
            for (IrcMessage m : bob.received()) {
                if (m.is("PRIVMSG") && channel.equalsIgnoreCase(m.param(0))) {
                    seenByBob.add(m.nick().toLowerCase(java.util.Locale.ROOT) + ": " + m.param(1));
                }
            }
            String am = aliceNick.toLowerCase(java.util.Locale.ROOT) + ": ";
            String own = aliceIrc.nick().toLowerCase(java.util.Locale.ROOT) + ": ";
            assertEquals(List.of(am + before, am + away, am + awayAgain, own + live),
                    seenByBob.stream().filter(l -> l.startsWith(am) || l.startsWith(own)).collect(Collectors.toList()));
            // alice's own IRC line is not shown on Matrix by a ghost, and alice[m] stayed away after the fill-in.
            assertTrue(daveClient.seen().stream().noneMatch(e -> room.equals(e.roomId())
                    && "m.room.message".equals(e.type()) && live.equals(e.body()) && !alice.userId().equals(e.sender())),
                    "alice's tagged line was shown on Matrix by a ghost");
            int secondQuit = BridgedChannel.indexOf(bob.received(), aliceMQuits, 2);
            assertTrue(bob.received().subList(secondQuit + 1, bob.received().size()).stream()
                    .noneMatch(m -> m.is("JOIN") && aliceNick.equalsIgnoreCase(m.nick())),
                    aliceNick + " came back after the fill-in: " + bob.received());
        } finally {
            if (vb != null) {
                vb.close();
            }
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    private static void waitUntil(String what, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        while (!condition.getAsBoolean()) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("waited " + WAIT + " for " + what);
            }
            Thread.sleep(50);
        }
    }
}
