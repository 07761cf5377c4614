package dev.byob.it.hosting;

import static dev.byob.it.hosting.BridgedChannel.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.Http;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.ManagedProcess;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.Readiness;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.BridgedChannel.Person;
import dev.byob.it.hosting.BridgedChannel.VisitingBot;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.RelayMarks;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosting bridge killed with SIGKILL in the middle of a handshake, as its own process (the runnable jar, with
 * its SQLite store in its data directory), against Synapse and InspIRCd+Atheme. The challenge was answered and both
 * proofs observed; the answer reaches the homeserver while the bridge is dead. Restarted on the same data directory,
 * the bridge has lost the exchange (exchanges in flight live in memory; spec §6.2 keeps them only until they
 * expire) and refuses the answer with {@code unknown_transaction}, so the visiting bridge learns at once that it
 * must start again; nothing was trusted meanwhile, and a new handshake links alice exactly once: one trust record,
 * epoch 1, each of alice's messages relayed once, by the bridge before the link and by her visiting bridge after it.
 */
@RealServers
class HostingBridgeCrashIT {
    private static final String BOT_NICK = "hbcrashbot";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path dir;

    @Test
    void killedMidHandshake_theRestartedBridgeRefusesTheLostExchange_andANewHandshakeLinksAliceOnce(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.CRASH_ID);
        Path log = dir.resolve("hosting-bridge.log");
        ManagedProcess first = null;
        ManagedProcess second = null;
        try (BridgedChannel channel = BridgedChannel.create(homeserver, irc, registration,
                HostingBridgeAppservices.CRASH_BOT_LOCALPART, HostingBridgeAppservices.CRASH_GHOST_PREFIX, BOT_NICK,
                dir.resolve("config.yaml"))) {
            // Closing the first process is kill -9.
            first = start(channel, registration, log, "KILL");
            channel.awaitBotInChannel(1);
            try (Person alice = channel.newPerson("alice");
                 VisitingBot vbBot = channel.newVisitingBot("crash")) {
                Predicate<IrcMessage> puppetQuits = m -> m.is("QUIT") && alice.puppet().equalsIgnoreCase(m.nick());
                String before = "before " + Names.unique("m");
                alice.matrix().sendText(channel.room, before);
                assertEquals(alice.puppet(), channel.bob.awaitPrivmsg(channel.channel, before, WAIT).nick());

                // The handshake up to the answer: challenge received, both proofs made, the answer held back.
                String aliceDm = ScriptedVisitingBridge.directRoomWith(alice.matrix(), channel.bot, WAIT);
                ScriptedVisitingBridge vb = channel.visitingBridge(vbBot, alice, aliceDm, alice.irc())
                        .hold(out -> out instanceof VisitingOutput.Send s && s.type() == MessageType.ANSWER);
                vb.feed(new VisitingInput.Start());
                String lostTxn = BridgedChannel.txnOf(vb, MessageType.REQUEST);
                vb.awaitState("Answered", s -> s instanceof VisitingState.Answered, WAIT);
                // The bridge has handled both proofs: what came after each, in the same room and from the same
                // connection, has been handled (a command answered, a line relayed).
                channel.command(alice.matrix(), aliceDm, "status", b -> b.startsWith("No visiting bridge"));
                String line = "after the proof " + Names.unique("m");
                alice.irc().privmsg(channel.channel, line);
                channel.owner.awaitMessage(channel.room, line, WAIT);

                first.close();
                assertFalse(first.isAlive(), "killed");
                BridgedChannel.awaitLines(channel.bob, alice.puppet() + " dropping with the killed bridge",
                        puppetQuits, 1);

                // The answer goes out while the bridge is dead; the homeserver keeps it for the appservice.
                vb.release();
                second = start(channel, registration, log, "TERM");
                channel.awaitBotInChannel(2);

                // The restarted bridge no longer knows the exchange and says so; it trusted nothing.
                RoomEvent cancel = vb.awaitReceived(MessageType.CANCEL, lostTxn, WAIT);
                assertEquals(CancelCode.UNKNOWN_TRANSACTION.value(), cancel.content().path("code").asText(),
                        cancel.toString());
                assertTrue(cancel.content().path("reason").asText().contains("no handshake " + lostTxn),
                        cancel.toString());
                assertTrue(vb.state() instanceof VisitingState.Failed, "state " + vb.state());
                assertEquals("No trust record for " + alice.userId() + ".", channel.trustShow(alice.userId()));
                String unlinked = "unlinked " + Names.unique("m");
                alice.matrix().sendText(channel.room, unlinked);
                assertEquals(alice.puppet(), channel.bob.awaitPrivmsg(channel.channel, unlinked, WAIT).nick(),
                        "relayed by the restarted bridge");

                // Starting again links alice, once.
                vb.feed(new VisitingInput.Start());
                vb.awaitState("Trusted", s -> s instanceof VisitingState.Trusted, WAIT);
                List<ObjectNode> requests = vb.sent(MessageType.REQUEST);
                String txn = requests.get(requests.size() - 1).path("txn_id").asText();
                assertNotEquals(lostTxn, txn, "a new exchange");
                assertEquals(1, ((VisitingState.Trusted) vb.state()).receipt().epoch());
                BridgedChannel.awaitLines(channel.bob, alice.puppet() + " quitting when trust takes effect",
                        puppetQuits, 2);
                String records = channel.trustShow(alice.userId());
                assertEquals(1, records.lines().filter(l -> l.contains("epoch")).count(), records);
                assertTrue(records.contains("visiting bridge " + vbBot.userId() + " (" + vbBot.key().keyId()
                        + "), epoch 1"), records);

                // Each handshake message was handled once: one challenge and one cancel for the lost exchange,
                // one challenge and one accept for the new one.
                vb.pump();
                List<String> replies = vb.received().stream()
                        .map(e -> e.type().substring(MessageType.PREFIX.length()) + " "
                                + e.content().path("txn_id").asText())
                        .toList();
                assertEquals(List.of("challenge " + lostTxn, "cancel " + lostTxn, "challenge " + txn, "accept " + txn),
                        replies.stream().filter(r -> !r.startsWith("lease")).toList());

                // Relaying follows the trust: alice's message goes out once, from her own connection (as her
                // visiting bridge relays it), and the bridge relays nothing of hers; alice[m] stays away.
                String aside = "aside " + Names.unique("m");
                String eventId = alice.matrix().sendText(channel.room, aside);
                alice.irc().privmsg(channel.channel, aside, Map.of(RelayMarks.ORIGIN_TAG, eventId));
                String marker = "marker " + Names.unique("m");
                channel.owner.sendText(channel.room, marker);
                channel.bob.awaitPrivmsg(channel.channel, marker, WAIT);
                List<IrcMessage> seen = channel.bob.received();
                for (String text : List.of(before, unlinked, aside)) {
                    assertEquals(1, seen.stream().filter(m -> m.is("PRIVMSG") && text.equals(m.param(1))).count(),
                            "\"" + text + "\" on IRC once: " + seen);
                }
                assertEquals(alice.irc().nick(), seen.stream().filter(m -> m.is("PRIVMSG") && aside.equals(m.param(1)))
                        .findFirst().orElseThrow().nick());
                int secondQuit = BridgedChannel.indexOf(seen, puppetQuits, 2);
                assertTrue(seen.subList(secondQuit, seen.size()).stream()
                        .noneMatch(m -> m.is("JOIN") && alice.puppet().equalsIgnoreCase(m.nick())),
                        alice.puppet() + " came back: " + seen);
            }
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nThe hosting bridge's log: " + log, e);
        } finally {
            if (second != null) {
                second.close();
            }
            if (first != null) {
                first.close();
            }
        }
    }

    /** Starts the bridge's runnable jar on {@code channel}'s configuration and waits until it is ready. */
    private ManagedProcess start(BridgedChannel channel, AppserviceRegistration registration, Path log,
                                 String stopSignal) {
        String jar = System.getProperty("byob.it.hosting-bridge.jar", "");
        assertTrue(!jar.isEmpty() && Files.isRegularFile(Path.of(jar)), "no hosting bridge jar at '" + jar
                + "': build it with mvn -pl hosting-bridge -am package (the integration tests' build does)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ManagedProcess process = ManagedProcess.builder("hosting-bridge")
                .command(java, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-jar", jar, "run", "-c",
                        channel.configFile.toString())
                .workDir(dir)
                .log(log)
                .stopSignal(stopSignal)
                .start();
        String ready = "http://127.0.0.1:" + registration.port() + "/health/ready";
        Readiness.await("the hosting bridge", WAIT, () -> {
            try (Response r = Http.CLIENT.newCall(new Request.Builder().url(ready).build()).execute()) {
                return r.code() == 200;
            }
        }, List.of(process));
        return process;
    }
}
