package dev.byob.it.visiting;

import static dev.byob.it.visiting.VisitingBridges.WAIT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixException;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.HostingBridgeAppservices;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.DmTimings;
import dev.byob.visiting.core.VisitingBridge;
import dev.byob.visiting.store.StateStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visiting bridge's DM with a hosting bridge bot, when it goes wrong (spec §3.2, §3.3): a second DM between the
 * two bots turns up, and both go on in the older one; a bridge bot that never joins, or refuses, the DM: the room
 * is left and forgotten, and a new one is made after a back-off that doubles and holds across a restart.
 */
@RealServers
class VisitingBridgeDmIT {
    private static final String NETWORK = "test";

    @TempDir
    Path dir;

    @Test
    void aSecondDmBetweenTheBots_isLeftForTheOlderOne_andTheLeaseGoesOnThere(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        AppserviceRegistration registration = homeserver.appservice(VisitingBridgeAppservices.DUPLICATE_DM_ID);
        String hbBot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        String channel = "#" + Names.unique("dupdm");
        HostingBridge bridge = null;
        VisitingBridge vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient vbBotClient = MatrixUserClient.of(vbBot);
             MatrixUserClient asHb = MatrixUserClient.withToken(homeserver.baseUrl(), hbBot, registration.asToken());
             IrcUserClient bob = irc.user(Names.unique("bob")).connect()) {
            bob.join(channel);
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), hbBot, channel);
            Path hbHome = Files.createDirectories(dir.resolve("hb"));
            bridge = HostingBridge.bridging(BridgeConfig.load(HostingBridgeAppservices.writeBridgeConfig(
                    hbHome.resolve("config.yaml"), homeserver, registration, VisitingBridgeAppservices.DUPLICATE_DM_BOT,
                    VisitingBridgeAppservices.DUPLICATE_DM_GHOSTS, irc, NETWORK, "hbdupdmbot", room, channel,
                    "byob:", "  lease_seconds: 8", "  heartbeat_seconds: 1", "  fill_in_grace_seconds: 3"))).start();
            VisitingBridgeConfig config = VisitingBridges.configure(dir.resolve("vb"), homeserver, alice, vbBot, irc,
                    NETWORK, aliceAccount.name(), aliceAccount);
            vb = VisitingBridge.create(config, Credentials.load(config)).start();
            VisitingBridges.awaitTrusted(vb, 1, "the handshake");
            List<String> direct = direct(vbBotClient, hbBot);
            assertEquals(1, direct.size(), "one DM in the VB bot's m.direct: " + direct);
            String kept = direct.get(0);

            // The hosting bridge's bot opens a second DM with the VB's bot.
            String second = asHb.createRoom(Map.of("is_direct", true, "preset", "trusted_private_chat",
                    "invite", List.of(vbBot.userId())));
            // The visiting bridge joins it, names the kept DM there, and leaves (as the hosting bridge's bot sees it).
            JsonNode notice = awaitInHistory(asHb, second, "the visiting bridge's notice", e -> vbBot.userId().equals(
                    e.path("sender").asText()) && "m.room.message".equals(e.path("type").asText()));
            assertEquals("byob: duplicate DM, continuing in " + kept, notice.path("content").path("body").asText());
            assertEquals("m.notice", notice.path("content").path("msgtype").asText());
            awaitInHistory(asHb, second, "the visiting bridge's bot leaving", e -> "m.room.member".equals(
                    e.path("type").asText()) && vbBot.userId().equals(e.path("state_key").asText())
                    && "leave".equals(e.path("content").path("membership").asText()));
            assertEquals(List.of(kept), direct(vbBotClient, hbBot), "m.direct names the kept DM only");

            // Both go on in the kept DM: heartbeats there are answered for longer than a lease.
            long before = heartbeats(vb);
            Thread.sleep(10_000);
            VisitingBridges.awaitTrusted(vb, 1, "the lease renewed in the kept DM");
            assertTrue(heartbeats(vb) >= before + 5, "heartbeats went on: " + vb.sentTypes());
            JsonNode members = vbBotClient.api().call("GET", vbBotClient.api().url("_matrix/client/v3/rooms", kept,
                    "joined_members").build(), null, null).path("joined");
            assertTrue(members.has(hbBot) && members.has(vbBot.userId()), "both bots in the kept DM: " + members);
            assertFalse(joinedRooms(vbBotClient).contains(second), "the VB's bot is not in the second DM");
        } finally {
            if (vb != null) {
                vb.stop();
            }
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    @Test
    void aBridgeBotThatNeverJoinsOrRefuses_theDmIsLeftAndForgotten_andTriedAgainWithABackoffThatSurvivesARestart(
            Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        MatrixAccount silent = homeserver.newUser("silentbridge");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        DmTimings timings = new DmTimings(Duration.ofSeconds(4), Duration.ofSeconds(6), Duration.ofDays(1));
        VisitingBridge vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient vbBotClient = MatrixUserClient.of(vbBot);
             MatrixUserClient silentClient = MatrixUserClient.of(silent)) {
            // A bridge bot that marks alice's room bridged (it is the event's sender) and then never answers.
            String channel = "#" + Names.unique("silent");
            String room = aliceClient.createRoom(Map.of("preset", "public_chat", "invite", List.of(silent.userId()),
                    "power_level_content_override", Map.of("users", Map.of(alice.userId(), 100, silent.userId(), 100))));
            silentClient.join(room);
            silentClient.api().call("PUT", silentClient.api().url("_matrix/client/v3/rooms", room, "state", "m.bridge",
                    "org.example.silent://irc/" + NETWORK + "/" + channel).build(), Map.of(
                    "bridgebot", silent.userId(),
                    "protocol", Map.of("id", "irc"),
                    "network", Map.of("id", NETWORK),
                    "channel", Map.of("id", channel)), null);
            VisitingBridgeConfig config = VisitingBridges.configure(dir.resolve("vb"), homeserver, alice, vbBot, irc,
                    NETWORK, aliceAccount.name(), aliceAccount);
            vb = VisitingBridge.create(config, Credentials.load(config), timings).start();
            UserId silentId = UserId.parse(silent.userId());

            // The DM: invited, not joined within 4 s; left and forgotten, and a back-off of 6 s.
            List<String> dms = new ArrayList<>();
            dms.add(awaitDirectInvite(silentClient, vbBot.userId(), dms));
            StateStore.DmRetry first = awaitRetry(config, silentId, 1);
            assertTrue(first.reason().contains("did not join"), first.reason());
            assertFalse(joinedRooms(vbBotClient).contains(dms.get(0)), "the VB's bot left the DM");
            assertThrows(MatrixException.class, () -> vbBotClient.api().call("GET", vbBotClient.api().url(
                    "_matrix/client/v3/rooms", dms.get(0), "state").build(), null, null), "the DM is forgotten");
            assertFalse(direct(vbBotClient, silent.userId()).contains(dms.get(0)), "m.direct no longer names it");

            // After the back-off, a new DM; the bot refuses it: left at once, and the back-off doubles.
            dms.add(awaitDirectInvite(silentClient, vbBot.userId(), dms));
            assertFalse(Instant.now().isBefore(first.nextAt().minusSeconds(1)), "not before the back-off ended");
            silentClient.leave(dms.get(1));
            StateStore.DmRetry second = awaitRetry(config, silentId, 2);
            assertTrue(second.reason().contains("refused"), second.reason());
            Duration wait = Duration.between(Instant.now(), second.nextAt());
            assertTrue(wait.compareTo(Duration.ofSeconds(8)) > 0 && wait.compareTo(Duration.ofSeconds(12)) <= 0,
                    "twice the first back-off: " + wait);

            // A restart in the back-off keeps it: no new DM before it ends, one after.
            vb.stop();
            vb = VisitingBridge.create(config, Credentials.load(config), timings).start();
            Duration quiet = Duration.between(Instant.now(), second.nextAt().minusSeconds(1));
            if (!quiet.isNegative()) {
                silentClient.sync(quiet);
                Thread.sleep(Math.max(0, Duration.between(Instant.now(), second.nextAt().minusSeconds(1)).toMillis()));
                silentClient.sync(Duration.ZERO);
            }
            assertFalse(silentClient.seen().stream().anyMatch(e -> isDirectInvite(e, vbBot.userId())
                    && !dms.contains(e.roomId())), "a DM before the back-off ended: " + silentClient.seen());
            dms.add(awaitDirectInvite(silentClient, vbBot.userId(), dms));
            assertEquals(3, Set.copyOf(dms).size(), dms.toString());
            assertEquals(0, vb.sentTypes().stream().filter(MessageType.ANSWER.eventType()::equals).count());
        } finally {
            if (vb != null) {
                vb.stop();
            }
        }
    }

    /** The latest event of {@code room} (read by {@code client}) matching {@code predicate}, waiting for it. */
    private static JsonNode awaitInHistory(MatrixUserClient client, String room, String what,
                                           java.util.function.Predicate<JsonNode> predicate) throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        JsonNode chunk = null;
        while (Instant.now().isBefore(end)) {
            chunk = client.api().call("GET", client.api().url("_matrix/client/v3/rooms", room, "messages")
                    .addQueryParameter("dir", "b").addQueryParameter("limit", "50").build(), null, null).path("chunk");
            for (JsonNode e : chunk) {
                if (predicate.test(e)) {
                    return e;
                }
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + " not in " + room + " within " + WAIT + ": " + chunk);
    }

    private static boolean isDirectInvite(RoomEvent e, String from) {
        return "m.room.member".equals(e.type()) && "invite".equals(e.membership()) && from.equals(e.sender())
                && e.content().path("is_direct").asBoolean(false);
    }

    /** The room of the next direct invite from {@code from} to a room not in {@code known}. */
    private static String awaitDirectInvite(MatrixUserClient client, String from, List<String> known) {
        return client.awaitEvent("a direct invite from " + from + " to a new room", e -> isDirectInvite(e, from)
                && client.userId().equals(e.stateKey()) && !known.contains(e.roomId()), WAIT).roomId();
    }

    /** Waits until the visiting bridge's state records {@code failures} failed DMs with {@code peer}. */
    private static StateStore.DmRetry awaitRetry(VisitingBridgeConfig config, UserId peer, int failures)
            throws Exception {
        Instant end = Instant.now().plus(WAIT);
        StateStore.DmRetry retry = null;
        while (Instant.now().isBefore(end)) {
            try (StateStore store = StateStore.open(config.dataDir())) {
                retry = store.dmRetries(StateStore.DmOwner.PAIR).get(peer);
                if (retry != null && retry.failures() == failures) {
                    assertFalse(store.dmRecords(StateStore.DmOwner.PAIR).containsKey(peer), "the DM is forgotten");
                    return retry;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + failures + " failed DMs with " + peer + " recorded: " + retry);
    }

    private static List<String> direct(MatrixUserClient client, String peer) {
        JsonNode direct = client.api().call("GET", client.api().url("_matrix/client/v3/user", client.userId(),
                "account_data", "m.direct").build(), null, null);
        List<String> rooms = new ArrayList<>();
        direct.path(peer).forEach(r -> rooms.add(r.asText()));
        return rooms;
    }

    private static List<String> joinedRooms(MatrixUserClient client) {
        List<String> rooms = new ArrayList<>();
        client.api().call("GET", client.api().url("_matrix/client/v3/joined_rooms").build(), null, null)
                .path("joined_rooms").forEach(r -> rooms.add(r.asText()));
        return rooms;
    }

    private static long heartbeats(VisitingBridge vb) {
        return vb.sentTypes().stream().filter(MessageType.HEARTBEAT.eventType()::equals).count();
    }
}
