package dev.byob.it.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.GhostIds;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.HostingBridgeAppservices;
import dev.byob.kit.irc.Formatting;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.visiting.VisitingEngine;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.Main;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import dev.byob.visiting.store.RelayLog;
import dev.byob.visiting.store.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real visiting bridge against the real hosting bridge: configured and logged in through its command line
 * for alice (a Synapse user), its own bot account and alice's NickServ account, it finds alice's bridged room
 * from the hosting bridge's MSC2346 state, completes the handshake on its own (DM with the bridge bot, the Matrix
 * proof as alice, the IRC proof from its own SASL connection), and the hosting bridge steps aside. After a
 * restart it resumes with heartbeats, without a new handshake. Meanwhile it relays alice's own messages: her Matrix
 * messages from her SASL connection, tagged with their event ids, and her lines from another IRC client of her
 * account to Matrix as alice, each exactly once; everyone else stays with the hosting bridge.
 *
 * <p>Then the bridge's life: alice logs out in her DM with its bot and the hosting bridge relays her again; a
 * second bridge of hers overrides the first, which tells her and stops; the bridge's process killed with SIGKILL
 * while the hosting bridge fills in, and relays left in doubt by a crash, lose and double nothing.
 */
@RealServers
class VisitingBridgeIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String BOT_NICK = "hbvbbot";
    private static final String NETWORK = "test";
    private static final String ORIGIN_TAG = "+byob.dev/origin";
    private static final String SOURCE_FIELD = "org.matrix.msc3647.source";

    @TempDir
    Path dir;

    @Test
    void theVisitingBridgeFindsTheRoom_provesAlice_andResumesAfterARestart(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        VisitingBridge vb = null;
        // Before: the hosting bridge relays alice as alice[m] (checked by scene).
        try (Scene s = scene(homeserver, irc, HostingBridgeAppservices.VB_ID, HostingBridgeAppservices.VB_BOT_LOCALPART,
                HostingBridgeAppservices.VB_GHOST_PREFIX, BOT_NICK)) {
            // The visiting bridge, set up through its command line.
            VisitingBridgeConfig vbConfig = vbConfig(s, "vb", vbBot, s.aliceIrc());
            vb = VisitingBridge.create(vbConfig, Credentials.load(vbConfig)).start();
            awaitTrusted(vb, "the first handshake");
            assertEquals(1, vb.sentTypes().stream().filter(MessageType.REQUEST.eventType()::equals).count(),
                    "one request: " + vb.sentTypes());
            assertTrue(vb.sentTypes().contains(MessageType.ANSWER.eventType()), vb.sentTypes().toString());

            // The hosting bridge steps aside: alice[m] leaves IRC, and alice is told in her DM with the bridge bot.
            String aliceNick = s.aliceNick();
            s.bob().await(aliceNick + " quitting", m -> m.is("QUIT") && aliceNick.equalsIgnoreCase(m.nick()), WAIT);
            s.aliceClient().awaitEvent("a notice from the bridge bot", e -> s.hbBot().equals(e.sender())
                    && "m.room.message".equals(e.type()) && "m.notice".equals(e.content().path("msgtype").asText()),
                    WAIT);

            relaysAlicesOwnMessages(irc, s.aliceClient(), s.bob(), s.room(), s.channel(), s.aliceAccount(), aliceNick,
                    GhostIds.userId(s.hbConfig().ghosts(), NETWORK, s.bob().nick(), false), s.alice().userId(), vb);

            // Restart: the receipt is resumed, heartbeats go out and the hosting bridge answers; no new request.
            vb.stop();
            vb = VisitingBridge.create(vbConfig, Credentials.load(vbConfig)).start();
            awaitTrusted(vb, "trust resumed after the restart");
            List<String> afterRestart = vb.sentTypes();
            assertTrue(afterRestart.contains(MessageType.HEARTBEAT.eventType()), afterRestart.toString());
            assertFalse(afterRestart.contains(MessageType.REQUEST.eventType()), "a new handshake: " + afterRestart);
            assertFalse(VisitingBridges.joinedAfterQuit(s.bob().received(), aliceNick),
                    "alice[m] came back to IRC after the restart");

            // And it relays after the restart, from the bridged room it learnt again from the full state.
            String afterText = "after the restart " + Names.unique("m");
            String eventId = s.aliceClient().sendText(s.room(), afterText);
            dev.byob.it.fixtures.IrcMessage line = s.bob().awaitPrivmsg(s.channel(), afterText, WAIT);
            assertEquals(s.aliceIrc(), line.nick());
            assertEquals(eventId, line.tag(ORIGIN_TAG));
        } finally {
            if (vb != null) {
                vb.stop();
            }
        }
    }

    /** A hosting bridge for one room and channel, alice and her accounts, bob on IRC: what every scenario needs. */
    private record Scene(Homeserver homeserver, IrcNetwork irc, String hbBot, MatrixAccount alice,
                         IrcNetwork.IrcAccount aliceAccount, String channel, String room, String aliceNick,
                         MatrixUserClient aliceClient, IrcUserClient bob, BridgeConfig hbConfig, HostingBridge bridge)
            implements AutoCloseable {
        /** Alice's nick on IRC as her own connection (the visiting bridge's) has it. */
        String aliceIrc() {
            return aliceAccount.name();
        }

        @Override
        public void close() {
            bridge.stop();
            bob.close();
            aliceClient.close();
        }
    }

    private Scene scene(Homeserver homeserver, IrcNetwork irc, String registrationId, String botLocalpart,
                        String ghostPrefix, String botNick, String... hbExtra) throws Exception {
        AppserviceRegistration registration = homeserver.appservice(registrationId);
        String hbBot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String channel = "#" + Names.unique("vb");
        MatrixUserClient aliceClient = MatrixUserClient.of(alice);
        IrcUserClient bob = irc.user(Names.unique("bob")).connect();
        bob.join(channel);
        String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), hbBot, channel);
        Path hbConfigFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve(registrationId + ".yaml"),
                homeserver, registration, botLocalpart, ghostPrefix, irc, NETWORK, botNick, room, channel, hbExtra);
        BridgeConfig hbConfig = BridgeConfig.load(hbConfigFile);
        String aliceNick = IrcNicks.forUser(hbConfig.ircNetworks().get(0), alice.localpart());
        HostingBridge bridge = HostingBridge.bridging(hbConfig).start();
        bob.await("the bot joining " + channel,
                m -> m.is("JOIN") && botNick.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)), WAIT);
        String before = "before " + Names.unique("m");
        aliceClient.sendText(room, before);
        assertEquals(aliceNick, bob.awaitPrivmsg(channel, before, WAIT).nick(), "the hosting bridge relays alice");
        return new Scene(homeserver, irc, hbBot, alice, aliceAccount, channel, room, aliceNick, aliceClient, bob,
                hbConfig, bridge);
    }

    /** A visiting bridge configuration for alice with its own bot {@code vbBot}, written and logged in by the CLI. */
    private VisitingBridgeConfig vbConfig(Scene s, String name, MatrixAccount vbBot, String nick) throws Exception {
        return VisitingBridges.configure(dir.resolve(name), s.homeserver(), s.alice(), vbBot, s.irc(), NETWORK, nick,
                s.aliceAccount());
    }

    private static String acceptBotDm(MatrixUserClient aliceClient, String vbBot) {
        return VisitingBridges.acceptBotDm(aliceClient, vbBot);
    }

    private static RoomEvent awaitNotice(MatrixUserClient aliceClient, String dm, String vbBot, String containing) {
        return VisitingBridges.awaitNotice(aliceClient, dm, vbBot, containing);
    }

    /**
     * Markers after everything on both sides, a pause of {@code settle} in which a late duplicate would arrive,
     * then each of alice's messages counted: exactly once on the other side.
     */
    private static void eachExactlyOnce(Scene s, List<String> toIrc, List<String> toMatrix, Duration settle)
            throws InterruptedException {
        String ircMarker = "irc marker " + Names.unique("m");
        s.bob().privmsg(s.channel(), ircMarker);
        s.aliceClient().awaitMessage(s.room(), ircMarker, WAIT);
        String matrixMarker = "matrix marker " + Names.unique("m");
        s.aliceClient().sendText(s.room(), matrixMarker);
        s.bob().awaitPrivmsg(s.channel(), matrixMarker, WAIT);
        Thread.sleep(settle.toMillis());
        s.aliceClient().sync(Duration.ofSeconds(1));
        for (String text : toIrc) {
            assertEquals(1, privmsgs(s.bob(), text), text + " on IRC: " + s.bob().received());
        }
        for (String text : toMatrix) {
            assertEquals(1, messages(s.aliceClient(), s.room(), text), text + " on Matrix: " + s.aliceClient().seen());
        }
    }

    private static long privmsgs(IrcUserClient bob, String text) {
        return bob.received().stream().filter(m -> m.is("PRIVMSG") && text.equals(m.param(1))).count();
    }

    private static long messages(MatrixUserClient client, String room, String body) {
        return client.seen().stream().filter(e -> room.equals(e.roomId()) && "m.room.message".equals(e.type())
                && body.equals(e.body())).count();
    }

    @Test
    void logoutInTheBotsDm_releasesTrust_andTheHostingBridgeRelaysAliceAgain(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        VisitingBridge vb = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.LOGOUT_ID, VisitingBridgeAppservices.LOGOUT_BOT,
                VisitingBridgeAppservices.LOGOUT_GHOSTS, "hblogoutbot")) {
            VisitingBridgeConfig config = vbConfig(s, "vb", vbBot, s.aliceIrc());
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            awaitTrusted(vb, "the handshake");
            s.bob().await(s.aliceNick() + " quitting", m -> m.is("QUIT") && s.aliceNick().equalsIgnoreCase(m.nick()),
                    WAIT);
            s.bob().await(s.aliceIrc() + " joining", m -> m.is("JOIN") && s.aliceIrc().equalsIgnoreCase(m.nick()),
                    WAIT);

            // The bot tells alice in a DM of its own; she asks for help and the status there.
            String dm = acceptBotDm(s.aliceClient(), vbBot.userId());
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "Trust established with " + s.hbBot());
            s.aliceClient().sendText(dm, "help");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "logout");
            // Only alice's commands count: mallory, invited to the DM, cannot log her out.
            MatrixAccount mallory = homeserver.newUser("mallory");
            try (MatrixUserClient malloryClient = MatrixUserClient.of(mallory)) {
                s.aliceClient().invite(dm, mallory.userId());
                malloryClient.join(dm);
                malloryClient.sendText(dm, "logout");
            }
            s.aliceClient().sendText(dm, "status");
            RoomEvent status = awaitNotice(s.aliceClient(), dm, vbBot.userId(), s.hbBot() + " on " + NETWORK + ":");
            assertTrue(status.body().contains("lease live"), status.body());
            assertTrue(status.body().contains(s.channel()), status.body());
            assertTrue(vb.relations().values().iterator().next() instanceof VisitingState.Trusted,
                    vb.relations().toString());

            // Logout: the hosting bridge confirms, the bridge parts the channel, alice[m] comes back.
            s.aliceClient().sendText(dm, "logout");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "confirmed the release");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "Logged out");
            s.bob().await(s.aliceIrc() + " parting", m -> m.is("PART") && s.aliceIrc().equalsIgnoreCase(m.nick()), WAIT);
            s.bob().await(s.aliceNick() + " joining again", m -> m.is("JOIN")
                    && s.aliceNick().equalsIgnoreCase(m.nick()), WAIT);
            VisitingState state = vb.relations().values().iterator().next();
            assertTrue(state instanceof VisitingState.Ended e && e.code().equals(RevokeCode.RELEASED), state.toString());

            String after = "after logout " + Names.unique("m");
            s.aliceClient().sendText(s.room(), after);
            assertEquals(s.aliceNick(), s.bob().awaitPrivmsg(s.channel(), after, WAIT).nick(),
                    "the hosting bridge relays alice again");

            // A restart stays logged out: no new handshake until alice says login.
            vb.stop();
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            s.aliceClient().sendText(dm, "status");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "Logged out: not bridging");
            String later = "later " + Names.unique("m");
            s.aliceClient().sendText(s.room(), later);
            assertEquals(s.aliceNick(), s.bob().awaitPrivmsg(s.channel(), later, WAIT).nick());
            assertFalse(vb.sentTypes().contains(MessageType.REQUEST.eventType()), vb.sentTypes().toString());
            assertEquals(1, privmsgs(s.bob(), after), "relayed once: " + s.bob().received());
        } finally {
            if (vb != null) {
                vb.stop();
            }
        }
    }

    @Test
    void aSecondVisitingBridge_overridesTheFirst_whichTellsAliceAndStopsBridging(Homeserver homeserver,
                                                                               IrcNetwork irc) throws Exception {
        MatrixAccount bot1 = homeserver.newUser("vbbot1");
        MatrixAccount bot2 = homeserver.newUser("vbbot2");
        VisitingBridge first = null;
        VisitingBridge second = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.OVERRIDE_ID,
                VisitingBridgeAppservices.OVERRIDE_BOT, VisitingBridgeAppservices.OVERRIDE_GHOSTS, "hboverbot")) {
            VisitingBridgeConfig config1 = vbConfig(s, "vb1", bot1, s.aliceIrc());
            first = VisitingBridge.create(config1, Credentials.load(config1)).start();
            awaitTrusted(first, "the first bridge's handshake");
            String dm1 = acceptBotDm(s.aliceClient(), bot1.userId());
            awaitNotice(s.aliceClient(), dm1, bot1.userId(), "Trust established");
            s.bob().await(s.aliceIrc() + " joining", m -> m.is("JOIN") && s.aliceIrc().equalsIgnoreCase(m.nick()),
                    WAIT);

            // A second bridge of alice's (another bot, key and nick, the same IRC account) logs in.
            String nick2 = Names.unique("alice2");
            VisitingBridgeConfig config2 = vbConfig(s, "vb2", bot2, nick2);
            second = VisitingBridge.create(config2, Credentials.load(config2)).start();
            awaitTrusted(second, "the second bridge's handshake");

            // The first is told it was superseded: it tells alice, parts the channel and starts no new handshake.
            awaitNotice(s.aliceClient(), dm1, bot1.userId(), "Another visiting bridge logged in");
            s.bob().await(s.aliceIrc() + " parting", m -> m.is("PART") && s.aliceIrc().equalsIgnoreCase(m.nick()), WAIT);
            VisitingState state = first.relations().values().iterator().next();
            assertTrue(state instanceof VisitingState.Ended e && e.code().equals(RevokeCode.SUPERSEDED),
                    state.toString());

            // From now on the second bridge relays alice, once; the first and the hosting bridge do not.
            String text = "to the second " + Names.unique("m");
            String eventId = s.aliceClient().sendText(s.room(), text);
            dev.byob.it.fixtures.IrcMessage line = s.bob().awaitPrivmsg(s.channel(), text, WAIT);
            assertEquals(nick2, line.nick());
            assertEquals(eventId, line.tag(ORIGIN_TAG));
            String marker = "marker " + Names.unique("m");
            s.aliceClient().sendText(s.room(), marker);
            s.bob().awaitPrivmsg(s.channel(), marker, WAIT);
            assertEquals(1, privmsgs(s.bob(), text), s.bob().received().toString());
            assertEquals(1, first.sentTypes().stream().filter(MessageType.REQUEST.eventType()::equals).count(),
                    "the first bridge started a handshake again: " + first.sentTypes());
            assertFalse(first.relayed().contains("to_remote " + eventId), first.relayed().toString());

            // Only alice's word brings the first back: "login" takes over again, and the second is superseded.
            s.aliceClient().sendText(dm1, "login");
            awaitNotice(s.aliceClient(), dm1, bot1.userId(), "Logging in: starting a handshake");
            awaitTrusted(first, "the first bridge's new handshake");
            VisitingState secondState = second.relations().values().iterator().next();
            Instant end = Instant.now().plus(WAIT);
            while (!(secondState instanceof VisitingState.Ended) && Instant.now().isBefore(end)) {
                Thread.sleep(200);
                secondState = second.relations().values().iterator().next();
            }
            assertTrue(secondState instanceof VisitingState.Ended e && e.code().equals(RevokeCode.SUPERSEDED),
                    secondState.toString());
            String back = "to the first again " + Names.unique("m");
            s.aliceClient().sendText(s.room(), back);
            assertEquals(s.aliceIrc(), s.bob().awaitPrivmsg(s.channel(), back, WAIT).nick());
        } finally {
            if (second != null) {
                second.stop();
            }
            if (first != null) {
                first.stop();
            }
        }
    }

    @Test
    void theVisitingBridgeKilled_theHostingBridgeFillsIn_andAfterItsReturnNothingIsLostOrDoubled(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        Process vb = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.CRASH_ID, VisitingBridgeAppservices.CRASH_BOT,
                VisitingBridgeAppservices.CRASH_GHOSTS, "hbcrashbot",
                "byob:", "  lease_seconds: 8", "  heartbeat_seconds: 1", "  fill_in_grace_seconds: 3")) {
            VisitingBridgeConfig config = vbConfig(s, "vb", vbBot, s.aliceIrc());
            Path log = dir.resolve("vb.log");
            vb = startProcess(config, log);
            s.bob().await(s.aliceNick() + " quitting", m -> m.is("QUIT") && s.aliceNick().equalsIgnoreCase(m.nick()),
                    WAIT);
            s.bob().await(s.aliceIrc() + " joining", m -> m.is("JOIN") && s.aliceIrc().equalsIgnoreCase(m.nick()),
                    WAIT);
            List<String> toIrc = new java.util.ArrayList<>();
            List<String> toMatrix = new java.util.ArrayList<>();
            try (IrcUserClient phone = s.irc().user(Names.unique("aphone")).sasl(s.aliceIrc(),
                    s.aliceAccount().password()).connect()) {
                phone.join(s.channel());
                // Relayed by the visiting bridge.
                String m1 = "m1 " + Names.unique("m");
                toIrc.add(m1);
                s.aliceClient().sendText(s.room(), m1);
                assertEquals(s.aliceIrc(), s.bob().awaitPrivmsg(s.channel(), m1, WAIT).nick());
                String p1 = "p1 " + Names.unique("m");
                toMatrix.add(p1);
                phone.privmsg(s.channel(), p1);
                assertEquals(s.alice().userId(), s.aliceClient().awaitMessage(s.room(), p1, WAIT).sender());

                // kill -9: the hosting bridge's lease lapses and it fills in, both ways.
                vb.destroyForcibly();
                assertTrue(vb.waitFor(30, TimeUnit.SECONDS), "the visiting bridge did not die");
                String m2 = "m2 " + Names.unique("m");
                toIrc.add(m2);
                s.aliceClient().sendText(s.room(), m2);
                assertEquals(s.aliceNick(), s.bob().awaitPrivmsg(s.channel(), m2, WAIT).nick(), "filled in");
                String p2 = "p2 " + Names.unique("m");
                toMatrix.add(p2);
                phone.privmsg(s.channel(), p2);
                s.aliceClient().awaitMessage(s.room(), p2, WAIT);

                // Back: it resumes, learns what was filled in, relays none of it, and relays again.
                int joinsBefore = (int) s.bob().received().stream().filter(m -> m.is("JOIN")
                        && s.aliceIrc().equalsIgnoreCase(m.nick())).count();
                vb = startProcess(config, log);
                s.bob().await(s.aliceIrc() + " joining again", m -> m.is("JOIN")
                        && s.aliceIrc().equalsIgnoreCase(m.nick()) && s.bob().received().stream().filter(x ->
                        x.is("JOIN") && s.aliceIrc().equalsIgnoreCase(x.nick())).count() > joinsBefore, WAIT);
                String m3 = "m3 " + Names.unique("m");
                toIrc.add(m3);
                s.aliceClient().sendText(s.room(), m3);
                dev.byob.it.fixtures.IrcMessage l3 = s.bob().awaitPrivmsg(s.channel(), m3, WAIT);
                String p3 = "p3 " + Names.unique("m");
                toMatrix.add(p3);
                phone.privmsg(s.channel(), p3);
                s.aliceClient().awaitMessage(s.room(), p3, WAIT);
                assertEquals(s.aliceIrc(), l3.nick(), "relayed by the visiting bridge again: " + Files.readString(log));

                eachExactlyOnce(s, toIrc, toMatrix, Duration.ofSeconds(2));
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "\nvisiting bridge log:\n" + Files.readString(log), e);
            }
        } finally {
            if (vb != null) {
                vb.destroy();
                vb.waitFor(10, TimeUnit.SECONDS);
                vb.destroyForcibly();
            }
        }
    }

    /**
     * The bridge stopped in the middle of two relays, as its relay log recorded them: a line to IRC being sent
     * (it did not go out) and an event to Matrix being sent (it did reach the homeserver). After the restart the
     * event is sent again under its transaction id and the homeserver keeps one; the line is left to the hosting
     * bridge, which saw that it never went out and relays it by its stuck rule (§12.7). Each exactly once.
     */
    @Test
    void relaysInDoubtAfterACrash_areNeitherLostNorDoubled(Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        VisitingBridge vb = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.DOUBT_ID, VisitingBridgeAppservices.DOUBT_BOT,
                VisitingBridgeAppservices.DOUBT_GHOSTS, "hbdoubtbot",
                "byob:", "  lease_seconds: 8", "  heartbeat_seconds: 1", "  fill_in_grace_seconds: 3");
             IrcUserClient phone = irc.user(Names.unique("aphone")).sasl(s.aliceIrc(), s.aliceAccount().password())
                     .connect()) {
            phone.join(s.channel());
            VisitingBridgeConfig config = vbConfig(s, "vb", vbBot, s.aliceIrc());
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            awaitTrusted(vb, "the handshake");
            s.bob().await(s.aliceIrc() + " joining", m -> m.is("JOIN") && s.aliceIrc().equalsIgnoreCase(m.nick()),
                    WAIT);
            vb.stop();
            vb = null;

            // While it is down, alice writes on both sides; the log says both relays were under way.
            String toIrc = "in doubt to irc " + Names.unique("m");
            String eventId = s.aliceClient().sendText(s.room(), toIrc);
            String toMatrix = "in doubt to matrix " + Names.unique("m");
            phone.privmsg(s.channel(), toMatrix);
            String msgid = s.bob().awaitPrivmsg(s.channel(), toMatrix, WAIT).msgid();
            assertTrue(msgid != null && !msgid.isEmpty(), "the network gives msgids");
            RoomId room = RoomId.parse(s.room());
            try (StateStore store = StateStore.open(config.dataDir())) {
                RelayLog log = store.relays();
                Instant now = Instant.now();
                log.observed(Lease.Direction.TO_REMOTE, eventId, room,
                        new Formatting.Message(Formatting.Kind.TEXT, toIrc), now, true);
                log.sending(Lease.Direction.TO_REMOTE, eventId, now);
                log.observed(Lease.Direction.TO_MATRIX, msgid, room,
                        new Formatting.Message(Formatting.Kind.TEXT, toMatrix), now, true);
                log.sending(Lease.Direction.TO_MATRIX, msgid, now);
            }
            ObjectNode content = Formatting.toMatrix(new Formatting.Message(Formatting.Kind.TEXT, toMatrix));
            content.putObject(SOURCE_FIELD).put("msgid", msgid).putObject("network").put("protocol", "irc")
                    .put("id", NETWORK);
            try (MatrixClient asTheBridge = MatrixClient.builder(s.homeserver().baseUrl(),
                    Credentials.load(config).userToken().reveal()).build()) {
                asTheBridge.sendMessageEvent(room, "m.room.message", content, "byob.relay." + msgid);
            }

            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            awaitTrusted(vb, "trust resumed");
            assertEquals(s.aliceNick(), s.bob().awaitPrivmsg(s.channel(), toIrc, WAIT).nick(),
                    "the hosting bridge relays the line in doubt");
            s.aliceClient().awaitMessage(s.room(), toMatrix, WAIT);
            Instant end = Instant.now().plus(WAIT);
            while (!vb.relayed().contains("to_matrix " + msgid) && Instant.now().isBefore(end)) {
                Thread.sleep(200);
            }
            assertTrue(vb.relayed().contains("to_matrix " + msgid), "sent again: " + vb.relayed());

            String ircMarker = "irc marker " + Names.unique("m");
            s.bob().privmsg(s.channel(), ircMarker);
            s.aliceClient().awaitMessage(s.room(), ircMarker, WAIT);
            String matrixMarker = "matrix marker " + Names.unique("m");
            s.aliceClient().sendText(s.room(), matrixMarker);
            assertEquals(s.aliceIrc(), s.bob().awaitPrivmsg(s.channel(), matrixMarker, WAIT).nick());
            assertEquals(1, privmsgs(s.bob(), toIrc), s.bob().received().toString());
            assertEquals(1, messages(s.aliceClient(), s.room(), toMatrix), s.aliceClient().seen().toString());
            assertFalse(vb.relayed().contains("to_remote " + eventId), vb.relayed().toString());
        } finally {
            if (vb != null) {
                vb.stop();
            }
        }
    }

    @Test
    void aHostingBridgeThatStopsAnswering_andComesBack_isToldToAlice(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        VisitingBridge vb = null;
        HostingBridge again = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.LAPSE_ID, VisitingBridgeAppservices.LAPSE_BOT,
                VisitingBridgeAppservices.LAPSE_GHOSTS, "hblapsebot",
                "byob:", "  lease_seconds: 8", "  heartbeat_seconds: 1", "  fill_in_grace_seconds: 3")) {
            VisitingBridgeConfig config = vbConfig(s, "vb", vbBot, s.aliceIrc());
            // Alice opens the DM with the bot herself, before it runs: it joins when it starts and greets her.
            String dm = s.aliceClient().createRoom(Map.of("preset", "trusted_private_chat", "is_direct", true,
                    "invite", List.of(vbBot.userId())));
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            awaitTrusted(vb, "the handshake");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "I am your visiting bridge");
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "Trust established");

            // The hosting bridge goes away: no lease replies, the lease lapses, alice is told.
            s.bridge().stop();
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "has not renewed the lease");
            assertTrue(vb.relations().values().iterator().next() instanceof VisitingState.Trusted t && t.lapsed(),
                    vb.relations().toString());

            // It comes back (its state on disk): it answers the heartbeats, alice is told, relaying resumes.
            again = HostingBridge.bridging(s.hbConfig()).start();
            awaitNotice(s.aliceClient(), dm, vbBot.userId(), "answers again");
            awaitTrusted(vb, "the lease renewed");
            String text = "after the return " + Names.unique("m");
            s.aliceClient().sendText(s.room(), text);
            assertEquals(s.aliceIrc(), s.bob().awaitPrivmsg(s.channel(), text, WAIT).nick());
        } finally {
            if (vb != null) {
                vb.stop();
            }
            if (again != null) {
                again.stop();
            }
        }
    }

    /** The visiting bridge as its own process ({@code visiting-bridge run}), appending its log to {@code log}. */
    /**
     * Alice keeps writing on both sides while her visiting bridge proves her (§12.5): what the hosting bridge saw
     * before it recorded the trust it relays; what it saw after is left to the visiting bridge, which takes over
     * the messages of the handover window and skips those it sees relayed. Each message arrives exactly once,
     * well before the hosting bridge's stuck rule (§12.7, 90 s) could have covered a gap.
     */
    @Test
    void messagesWrittenDuringTheHandshake_areRelayedExactlyOnce(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        VisitingBridge vb = null;
        try (Scene s = scene(homeserver, irc, VisitingBridgeAppservices.HANDOVER_ID,
                VisitingBridgeAppservices.HANDOVER_BOT, VisitingBridgeAppservices.HANDOVER_GHOSTS, "hbhandbot");
             IrcUserClient phone = irc.user(Names.unique("aphone")).sasl(s.aliceIrc(), s.aliceAccount().password())
                     .connect()) {
            phone.join(s.channel());
            VisitingBridgeConfig config = vbConfig(s, "vb", vbBot, s.aliceIrc());
            List<String> toIrc = new java.util.ArrayList<>();
            List<String> toMatrix = new java.util.ArrayList<>();
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            Predicate<VisitingState> live = st -> st instanceof VisitingState.Trusted t && !t.lapsed();
            Instant end = Instant.now().plus(WAIT);
            int after = 0;
            for (int i = 0; after < 8 && Instant.now().isBefore(end); i++) {
                String m = "handover m" + i + " " + Names.unique("m");
                toIrc.add(m);
                s.aliceClient().sendText(s.room(), m);
                String p = "handover p" + i + " " + Names.unique("m");
                toMatrix.add(p);
                phone.privmsg(s.channel(), p);
                Thread.sleep(150);
                if (!vb.relations().isEmpty() && vb.relations().values().stream().allMatch(live)) {
                    after++;
                }
            }
            assertTrue(after > 0, "no trust within " + WAIT + ": " + vb.relations());
            Duration wait = Duration.ofSeconds(30);
            for (String m : toIrc) {
                s.bob().awaitPrivmsg(s.channel(), m, wait);
            }
            for (String p : toMatrix) {
                s.aliceClient().awaitMessage(s.room(), p, wait);
            }
            eachExactlyOnce(s, toIrc, toMatrix, VisitingEngine.HANDOVER_WINDOW);
        } finally {
            if (vb != null) {
                vb.stop();
            }
        }
    }

    private static Process startProcess(VisitingBridgeConfig config, Path log) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        return new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "run", "-c", config.file().toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** The visiting bridge relays alice's own messages both ways, exactly once; bob stays with the hosting bridge. */
    private static void relaysAlicesOwnMessages(IrcNetwork irc, MatrixUserClient aliceClient, IrcUserClient bob,
                                                String room, String channel, IrcNetwork.IrcAccount aliceAccount,
                                                String aliceNick, String bobGhost, String aliceId, VisitingBridge vb) {
        String aliceIrc = aliceAccount.name();
        bob.await(aliceIrc + " joining " + channel,
                m -> m.is("JOIN") && aliceIrc.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)), WAIT);

        // Matrix → IRC: from alice's own SASL connection, tagged with the event id.
        String fromMatrix = "from matrix " + Names.unique("m");
        String eventId = aliceClient.sendText(room, fromMatrix);
        dev.byob.it.fixtures.IrcMessage line = bob.awaitPrivmsg(channel, fromMatrix, WAIT);
        assertEquals(aliceIrc, line.nick());
        assertEquals(aliceIrc, line.account());
        assertEquals(eventId, line.tag(ORIGIN_TAG));

        // IRC → Matrix for someone else: bob's ghost, as before.
        String fromBob = "from bob " + Names.unique("m");
        bob.privmsg(channel, fromBob);
        assertEquals(bobGhost, aliceClient.awaitMessage(room, fromBob, WAIT).sender());

        // IRC → Matrix for alice's other client, logged in to her account: alice herself, with the source.
        String fromPhone = "from alice's phone " + Names.unique("m");
        dev.byob.it.fixtures.IrcMessage phoneLine;
        try (IrcUserClient phone = irc.user(Names.unique("aphone")).sasl(aliceIrc, aliceAccount.password())
                .connect()) {
            phone.join(channel);
            phone.privmsg(channel, fromPhone);
            phoneLine = bob.awaitPrivmsg(channel, fromPhone, WAIT);
            RoomEvent relayed = aliceClient.awaitMessage(room, fromPhone, WAIT);
            assertEquals(aliceId, relayed.sender());
            assertEquals(phoneLine.msgid(), relayed.content().path(SOURCE_FIELD).path("msgid").asText());
            assertEquals(NETWORK, relayed.content().path(SOURCE_FIELD).path("network").path("id").asText());
        }

        // Markers after everything above, on both sides: then count.
        String ircMarker = "irc marker " + Names.unique("m");
        bob.privmsg(channel, ircMarker);
        aliceClient.awaitMessage(room, ircMarker, WAIT);
        String matrixMarker = "matrix marker " + Names.unique("m");
        aliceClient.sendText(room, matrixMarker);
        bob.awaitPrivmsg(channel, matrixMarker, WAIT);

        assertEquals(1, bob.received().stream().filter(m -> m.is("PRIVMSG") && fromMatrix.equals(m.param(1))).count(),
                "alice's Matrix message on IRC: " + bob.received());
        assertFalse(bob.received().stream().anyMatch(m -> aliceNick.equalsIgnoreCase(m.nick()) && m.is("PRIVMSG")
                && m.param(1).contains("from matrix")), "the hosting bridge relayed alice too");
        assertEquals(1, aliceClient.seen().stream().filter(e -> "m.room.message".equals(e.type())
                && fromPhone.equals(e.body())).count(), "alice's IRC line on Matrix: " + aliceClient.seen());
        assertEquals(1, aliceClient.seen().stream().filter(e -> "m.room.message".equals(e.type())
                && fromBob.equals(e.body())).count(), "bob's line on Matrix: " + aliceClient.seen());
        assertTrue(vb.relayed().contains("to_remote " + eventId), vb.relayed().toString());
    }

    private static void awaitTrusted(VisitingBridge vb, String what) throws InterruptedException {
        VisitingBridges.awaitTrusted(vb, 1, what);
    }
}
