package dev.byob.it.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.Main;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The real visiting bridge against the real hosting bridge: configured and logged in through its command line
 * for alice (a Synapse user), its own bot account and alice's NickServ account, it finds alice's bridged room
 * from the hosting bridge's MSC2346 state, completes the handshake on its own (DM with the bridge bot, the Matrix
 * proof as alice, the IRC proof from its own SASL connection), and the hosting bridge steps aside. After a
 * restart it resumes with heartbeats, without a new handshake. Meanwhile it relays alice's own messages: her Matrix
 * messages from her SASL connection, tagged with their event ids, and her lines from another IRC client of her
 * account to Matrix as alice, each exactly once; everyone else stays with the hosting bridge.
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
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.VB_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String channel = "#" + Names.unique("vb");
        String bobNick = Names.unique("bob");
        HostingBridge bridge = null;
        VisitingBridge vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             IrcUserClient bob = irc.user(bobNick).connect()) {
            bob.join(channel);
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), bot, channel);
            Path hbConfigFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("hb.yaml"), homeserver,
                    registration, HostingBridgeAppservices.VB_BOT_LOCALPART, HostingBridgeAppservices.VB_GHOST_PREFIX,
                    irc, NETWORK, BOT_NICK, room, channel);
            BridgeConfig hbConfig = BridgeConfig.load(hbConfigFile);
            String aliceNick = IrcNicks.forUser(hbConfig.ircNetworks().get(0), alice.localpart());
            bridge = HostingBridge.bridging(hbConfig).start();
            bob.await("the bot joining " + channel,
                    m -> m.is("JOIN") && BOT_NICK.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)),
                    WAIT);

            // Before: the hosting bridge relays alice as alice[m].
            String before = "before " + Names.unique("m");
            aliceClient.sendText(room, before);
            assertEquals(aliceNick, bob.awaitPrivmsg(channel, before, WAIT).nick());

            // The visiting bridge, set up through its command line.
            Path vbConfigFile = dir.resolve("vb").resolve("config.yaml");
            assertEquals(0, cli(List.of(), "init", "-c", vbConfigFile.toString()));
            Files.writeString(vbConfigFile, String.join("\n",
                    "homeserver:",
                    "  url: " + homeserver.baseUrl(),
                    "user: \"" + alice.userId() + "\"",
                    "bot: \"" + vbBot.userId() + "\"",
                    "data_dir: data",
                    "irc:",
                    "  networks:",
                    "    - {id: " + NETWORK + ", host: " + irc.host() + ", port: " + irc.port() + ", tls: false, nick: "
                            + aliceAccount.name() + ", account: " + aliceAccount.name() + "}",
                    ""));
            assertEquals(0, cli(List.of(alice.accessToken(), vbBot.accessToken(), aliceAccount.password()),
                    "login", "-c", vbConfigFile.toString(), "--access-token", "--bot-access-token"));
            VisitingBridgeConfig vbConfig = VisitingBridgeConfig.load(vbConfigFile);

            vb = VisitingBridge.create(vbConfig, Credentials.load(vbConfig)).start();
            awaitTrusted(vb, "the first handshake");
            assertEquals(1, vb.sentTypes().stream().filter(MessageType.REQUEST.eventType()::equals).count(),
                    "one request: " + vb.sentTypes());
            assertTrue(vb.sentTypes().contains(MessageType.ANSWER.eventType()), vb.sentTypes().toString());

            // The hosting bridge steps aside: alice[m] leaves IRC, and alice is told in her DM with the bridge bot.
            bob.await(aliceNick + " quitting", m -> m.is("QUIT") && aliceNick.equalsIgnoreCase(m.nick()), WAIT);
            aliceClient.awaitEvent("a notice from the bridge bot", e -> bot.equals(e.sender())
                    && "m.room.message".equals(e.type()) && "m.notice".equals(e.content().path("msgtype").asText()),
                    WAIT);

            relaysAlicesOwnMessages(irc, aliceClient, bob, room, channel, aliceAccount, aliceNick,
                    GhostIds.userId(hbConfig.ghosts(), NETWORK, bobNick, false), alice.userId(), vb);

            // Restart: the receipt is resumed, heartbeats go out and the hosting bridge answers; no new request.
            vb.stop();
            vb = VisitingBridge.create(vbConfig, Credentials.load(vbConfig)).start();
            awaitTrusted(vb, "trust resumed after the restart");
            List<String> afterRestart = vb.sentTypes();
            assertTrue(afterRestart.contains(MessageType.HEARTBEAT.eventType()), afterRestart.toString());
            assertFalse(afterRestart.contains(MessageType.REQUEST.eventType()), "a new handshake: " + afterRestart);
            assertFalse(joinedAfterQuit(bob.received(), aliceNick), "alice[m] came back to IRC after the restart");
        } finally {
            if (vb != null) {
                vb.stop();
            }
            if (bridge != null) {
                bridge.stop();
            }
        }
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

    private static boolean joinedAfterQuit(List<dev.byob.it.fixtures.IrcMessage> seen, String nick) {
        boolean quit = false;
        for (dev.byob.it.fixtures.IrcMessage m : seen) {
            if (m.is("QUIT") && nick.equalsIgnoreCase(m.nick())) {
                quit = true;
            } else if (quit && m.is("JOIN") && nick.equalsIgnoreCase(m.nick())) {
                return true;
            }
        }
        return false;
    }

    /** Runs the visiting bridge's command line, answering its questions with {@code answers}. */
    private static int cli(List<String> answers, String... args) {
        Deque<String> queue = new ArrayDeque<>(answers);
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine(q -> queue.poll());
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cmd.execute(args);
        if (exit != 0) {
            throw new AssertionError("visiting-bridge " + String.join(" ", args) + " exited " + exit + ": " + err);
        }
        return exit;
    }

    private static void awaitTrusted(VisitingBridge vb, String what) throws InterruptedException {
        Predicate<VisitingState> live = s -> s instanceof VisitingState.Trusted t && !t.lapsed();
        Instant end = Instant.now().plus(WAIT);
        Map<TrustKey, VisitingState> relations = Map.of();
        while (Instant.now().isBefore(end)) {
            relations = vb.relations();
            if (relations.size() == 1 && relations.values().stream().allMatch(live)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": no live trust in " + WAIT + "; relations " + relations + ", sent "
                + vb.sentTypes());
    }
}
