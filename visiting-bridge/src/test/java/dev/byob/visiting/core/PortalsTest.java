package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.RetryPolicy;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.visiting.config.IrcNetworkConfig;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.store.RelayLog;
import dev.byob.visiting.store.StateStore;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portal rooms against a stand-in homeserver: creation, the tombstone (§13.3) and what a restart finishes. */
class PortalsTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final UserId ALICE = UserId.parse("@alice:example.org");
    static final UserId BOT = UserId.parse("@vbbot:example.org");
    static final UserId HB = UserId.parse("@ircbot:hb.example");
    static final UserId CAROL = UserId.parse("@carol:example.org");
    static final RoomId PORTAL = RoomId.parse("!portal:example.org");
    static final RoomId HB_ROOM = RoomId.parse("!chat:hb.example");
    static final Network LIBERA = Network.irc("libera");
    /** An answer that makes the stand-in fail with 500. */
    static final String DOWN = "500";

    @TempDir
    Path dir;

    final MockWebServer server = new MockWebServer();
    /** Answers by "METHOD path" prefix (the path after /_matrix/client/v3/, decoded); M_NOT_FOUND otherwise. */
    final Map<String, String> answers = Collections.synchronizedMap(new LinkedHashMap<>());
    /** "METHOD path" of each request, then its body, and which token it carried. */
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final List<JsonNode> bodies = Collections.synchronizedList(new ArrayList<>());
    final List<String> tokens = Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger joins = new AtomicInteger();
    final ScheduledExecutorService core = Executors.newSingleThreadScheduledExecutor();
    StateStore store;
    UserDm userDm;
    Portals portals;

    @BeforeEach
    void start() throws IOException {
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                List<String> segments = request.getUrl().pathSegments();
                String key = request.getMethod() + " " + String.join("/", segments.subList(3, segments.size()));
                requests.add(key);
                tokens.add(request.getHeaders().get("Authorization"));
                try {
                    bodies.add(request.getBody() == null || request.getBody().size() == 0 ? JSON.nullNode()
                            : JSON.readTree(request.getBody().utf8()));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                synchronized (answers) {
                    for (Map.Entry<String, String> a : answers.entrySet()) {
                        if (key.startsWith(a.getKey())) {
                            return a.getValue().equals(DOWN) ? json(500, "{\"errcode\": \"M_UNKNOWN\"}")
                                    : json(200, a.getValue());
                        }
                    }
                }
                return json(404, "{\"errcode\": \"M_NOT_FOUND\", \"error\": \"not here\"}");
            }
        });
        server.start(InetAddress.getLoopbackAddress(), 0);
        store = StateStore.open(dir);
        userDm = new UserDm(Optional.empty(), BOT, ALICE, store);
        VisitingBridgeConfig config = new VisitingBridgeConfig(dir.resolve("config.yaml"), server.url("/").uri(), ALICE,
                Optional.of(BOT), dir, List.of(new IrcNetworkConfig("libera", "127.0.0.1", 6667, false, "alice",
                "alice")));
        MatrixClient user = MatrixClient.builder(server.url("/").uri(), "user-token").retryPolicy(RetryPolicy.none())
                .build();
        MatrixClient bot = MatrixClient.builder(server.url("/").uri(), "bot-token").retryPolicy(RetryPolicy.none())
                .build();
        portals = new Portals(config, user, bot, BOT, store, userDm, Map.of(), core, joins::incrementAndGet);
    }

    @AfterEach
    void stop() {
        core.shutdownNow();
        store.close();
        server.close();
    }

    private static MockResponse json(int code, String body) {
        return new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json").body(body).build();
    }

    private static BridgeInfo hbBridge(String channel) {
        ObjectNode content = JSON.createObjectNode().put("bridgebot", HB.value());
        content.putObject("protocol").put("id", "irc");
        content.putObject("network").put("id", "libera");
        content.putObject("channel").put("id", channel);
        return BridgeInfo.read(BridgeInfo.M_BRIDGE, "org.example.irc://irc/libera/" + channel.replace("#", "%23"), HB,
                content).info().orElseThrow();
    }

    private static String members(UserId... users) {
        ObjectNode joined = JSON.createObjectNode();
        for (UserId u : users) {
            joined.putObject(u.value());
        }
        return JSON.createObjectNode().set("joined", joined).toString();
    }

    /** A live portal to #chat, as a previous run left it. */
    private void livePortal() {
        store.portalCreated(PORTAL, LIBERA, "#chat", ALICE, Instant.EPOCH);
        portals.load();
    }

    private void tombstoneAnswers(UserId... inPortal) {
        answers.put("GET rooms/" + PORTAL + "/joined_members", members(inPortal));
        answers.put("GET rooms/" + HB_ROOM + "/joined_members", members(ALICE, HB));
        answers.put("GET rooms/" + PORTAL + "/state/m.room.join_rules", "{\"join_rule\": \"invite\"}");
        answers.put("PUT rooms/" + PORTAL + "/state/m.room.tombstone", "{\"event_id\": \"$tomb\"}");
        answers.put("POST rooms/" + PORTAL + "/leave", "{}");
    }

    @Test
    void command_createsAPrivateRoomWithTheBridgeEvent_joinsTheUser_andRecordsIt() {
        answers.put("POST createRoom", "{\"room_id\": \"" + PORTAL + "\"}");
        answers.put("POST join/" + PORTAL, "{\"room_id\": \"" + PORTAL + "\"}");
        portals.command(new Commands.Command.Portal("Libera", "#Chat"), Map.of());

        assertEquals(List.of("POST createRoom", "POST join/" + PORTAL), requests);
        assertEquals("Bearer bot-token", tokens.get(0));
        assertEquals("Bearer user-token", tokens.get(1));
        JsonNode create = bodies.get(0);
        assertEquals("private_chat", create.path("preset").asText());
        assertEquals(ALICE.value(), create.path("invite").path(0).asText());
        assertFalse(create.has("visibility"), "never in the room directory: " + create);
        assertEquals(100, create.path("power_level_content_override").path("users").path(BOT.value()).asInt());
        List<String> types = new ArrayList<>();
        for (JsonNode e : create.path("initial_state")) {
            types.add(e.path("type").asText());
            assertEquals("dev.byob.visiting://irc/libera/#Chat", e.path("state_key").asText());
            BridgeInfo read = BridgeInfo.read(e.path("type").asText(), e.path("state_key").asText(), BOT,
                    e.path("content")).info().orElseThrow();
            assertEquals(new Network("irc", "libera"), read.network());
            assertEquals("#Chat", read.channel());
            assertTrue(Portals.isPortalEvent(e.path("content")));
            assertTrue(portals.isOwn(read));
        }
        assertEquals(List.of(BridgeInfo.M_BRIDGE, BridgeInfo.HALF_SHOT_BRIDGE), types);
        StateStore.StoredPortal stored = store.portals().get(0);
        assertEquals(StateStore.PortalStage.LIVE, stored.stage());
        assertEquals("#Chat", stored.channel());
        assertEquals(1, joins.get(), "the connection joins the channel");
        assertTrue(portals.needs(LIBERA, "#chat"));
        assertTrue(userDm.told().get(0).startsWith("Created the portal room " + PORTAL + " for #Chat on libera and"
                + " joined you to it"), userDm.told().toString());

        // Asked again, in another case: the same portal, no second room.
        portals.command(new Commands.Command.Portal("libera", "#chat"), Map.of());
        assertEquals(1, requests.stream().filter("POST createRoom"::equals).count(), requests.toString());
        assertTrue(userDm.told().get(1).startsWith("Your portal room for #Chat on libera is " + PORTAL),
                userDm.told().toString());
    }

    @Test
    void command_channelAHostingBridgeBridges_orUnknownNetwork_createsNothing() {
        portals.command(new Commands.Command.Portal("libera", "#CHAT"), Map.of(HB_ROOM, hbBridge("#chat")));
        portals.command(new Commands.Command.Portal("oftc", "#chat"), Map.of());
        assertEquals(List.of(), requests);
        assertTrue(userDm.told().get(0).startsWith("#chat on libera is bridged already by " + HB + " in " + HB_ROOM),
                userDm.told().toString());
        assertEquals("This bridge has no IRC network \"oftc\"; it serves: libera.", userDm.told().get(1));
        assertTrue(store.portals().isEmpty());
    }

    @Test
    void review_onlyTheUserAndTheBot_tombstonesOnce_leaves_andRecordsIt() {
        livePortal();
        tombstoneAnswers(ALICE, BOT);
        portals.review(Map.of(HB_ROOM, hbBridge("#Chat")), info -> false);
        assertEquals(List.of(), requests, "no live trust: nothing is even asked");

        portals.review(Map.of(HB_ROOM, hbBridge("#Chat")), info -> true);
        int put = requests.indexOf("PUT rooms/" + PORTAL + "/state/m.room.tombstone/");
        assertTrue(put >= 0, requests.toString());
        assertEquals(HB_ROOM.value(), bodies.get(put).path("replacement_room").asText());
        assertTrue(bodies.get(put).path("body").asText().contains("#chat"), bodies.get(put).toString());
        assertEquals("Bearer bot-token", tokens.get(put));
        assertEquals("POST rooms/" + PORTAL + "/leave", requests.get(requests.size() - 1));
        assertEquals(StateStore.PortalStage.RETIRED, store.portals().get(0).stage());
        assertEquals(HB_ROOM, store.portals().get(0).replacement().orElseThrow());
        assertTrue(portals.live().isEmpty());
        assertFalse(portals.needs(LIBERA, "#chat"));
        assertTrue(userDm.told().get(0).startsWith("Your portal room " + PORTAL + " for #chat on libera is retired"),
                userDm.told().toString());

        int before = requests.size();
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        portals.load(); // as after a restart: a retired portal stays retired
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(before, requests.size(), "a portal is tombstoned once: " + requests);
    }

    @Test
    void review_aStrangerInThePortal_keepsIt_andAsksAgainOnlyAfterAMembershipChange() throws Exception {
        livePortal();
        tombstoneAnswers(ALICE, BOT, CAROL);
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertFalse(requests.stream().anyMatch(r -> r.startsWith("PUT")), requests.toString());
        int before = requests.size();
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(before, requests.size(), "asked again without a change: " + requests);

        // Carol leaves: the portal is read again and retired.
        tombstoneAnswers(ALICE, BOT);
        portals.userEvent(PORTAL, JSON.readTree("{\"type\": \"m.room.member\", \"state_key\": \"" + CAROL
                + "\", \"sender\": \"" + CAROL + "\", \"content\": {\"membership\": \"leave\"}}"), false);
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertTrue(requests.contains("PUT rooms/" + PORTAL + "/state/m.room.tombstone/"), requests.toString());
        assertEquals(StateStore.PortalStage.RETIRED, store.portals().get(0).stage());
    }

    @Test
    void review_aPublicPortal_orAliceNotInTheHostingBridgesRoom_keepsIt() {
        livePortal();
        tombstoneAnswers(ALICE, BOT);
        answers.put("GET rooms/" + PORTAL + "/state/m.room.canonical_alias", "{\"alias\": \"#mine:example.org\"}");
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        answers.remove("GET rooms/" + PORTAL + "/state/m.room.canonical_alias");
        answers.put("GET rooms/" + HB_ROOM + "/joined_members", members(HB));
        portals.userEvent(PORTAL, JSON.createObjectNode().put("type", "m.room.canonical_alias").put("state_key", ""),
                false);
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertFalse(requests.stream().anyMatch(r -> r.startsWith("PUT")), requests.toString());
        assertEquals(StateStore.PortalStage.LIVE, store.portals().get(0).stage());
    }

    @Test
    void load_finishesARetirementAStopInterrupted_withoutASecondTombstone() {
        store.portalCreated(PORTAL, LIBERA, "#chat", ALICE, Instant.EPOCH);
        store.portalRetiring(PORTAL, HB_ROOM, "moved", Instant.EPOCH);
        answers.put("GET rooms/" + PORTAL + "/state/m.room.tombstone",
                "{\"body\": \"moved\", \"replacement_room\": \"" + HB_ROOM + "\"}");
        answers.put("POST rooms/" + PORTAL + "/leave", "{}");
        portals.load();
        assertEquals(List.of("GET rooms/" + PORTAL + "/state/m.room.tombstone/", "POST rooms/" + PORTAL + "/leave"),
                requests);
        assertEquals(StateStore.PortalStage.RETIRED, store.portals().get(0).stage());
        assertTrue(portals.live().isEmpty());
    }

    @Test
    void restore_resendsAMatrixRelayUnderItsTransactionId_butNotAnIrcLineInDoubt() {
        livePortal();
        RelayLog log = store.relays();
        Instant now = Instant.now();
        log.observed(Lease.Direction.TO_MATRIX, Portals.OTHER_LINE + "m1", PORTAL,
                new Formatting.Message(Formatting.Kind.TEXT, "<bob> hi"), now, true);
        log.sending(Lease.Direction.TO_MATRIX, Portals.OTHER_LINE + "m1", now);
        log.observed(Lease.Direction.TO_REMOTE, "$sent", PORTAL, new Formatting.Message(Formatting.Kind.TEXT, "yo"),
                now, true);
        log.sending(Lease.Direction.TO_REMOTE, "$sent", now);
        answers.put("PUT rooms/" + PORTAL + "/send/m.room.message/byob.portal.b.m1", "{\"event_id\": \"$r\"}");

        for (RelayLog.Entry e : log.unfinished()) {
            assertTrue(portals.restore(e), e.toString());
        }
        assertEquals(List.of("PUT rooms/" + PORTAL + "/send/m.room.message/byob.portal.b.m1"), requests);
        assertEquals("Bearer bot-token", tokens.get(0));
        assertEquals("<bob> hi", bodies.get(0).path("body").asText());
        assertEquals(RelayLog.Status.DONE, log.get(Lease.Direction.TO_MATRIX, Portals.OTHER_LINE + "m1")
                .orElseThrow().status());
        assertEquals(RelayLog.Status.LEFT, log.get(Lease.Direction.TO_REMOTE, "$sent").orElseThrow().status());
        assertFalse(portals.restore(new RelayLog.Entry(Lease.Direction.TO_REMOTE, "$other",
                Optional.of(HB_ROOM), Optional.empty(), now, true, RelayLog.Status.OBSERVED, 0)),
                "a hosting bridge room's entry is not a portal's");
    }

    @Test
    void asRelayBot_showsTheNickAsARelayBotDoes() {
        assertEquals(new Formatting.Message(Formatting.Kind.TEXT, "<bob> hi"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.TEXT, "hi")));
        assertEquals(new Formatting.Message(Formatting.Kind.TEXT, "* bob waves"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.EMOTE, "waves")));
        assertEquals(new Formatting.Message(Formatting.Kind.NOTICE, "-bob- the topic is set"),
                Portals.asRelayBot("bob", new Formatting.Message(Formatting.Kind.NOTICE, "the topic is set")));
    }

    @Test
    void isPortalEvent_onlyWithThePortalField() {
        ObjectNode content = JSON.createObjectNode().put("bridgebot", BOT.value());
        assertFalse(Portals.isPortalEvent(content));
        content.put("org.matrix.msc3647.portal", ALICE.value());
        assertTrue(Portals.isPortalEvent(content));
    }

    @Test
    void review_homeserverFailing_asksAgainAtTheNextReview_butARefusalWaitsForAChange() {
        livePortal();
        answers.put("GET rooms/" + PORTAL + "/joined_members", DOWN);
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(List.of("GET rooms/" + PORTAL + "/joined_members"), requests);
        answers.remove("GET rooms/" + PORTAL + "/joined_members"); // now M_NOT_FOUND: the bot is not there
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(2, requests.size(), requests.toString());
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(2, requests.size(), "a refusal is not asked again without a change: " + requests);
        tombstoneAnswers(ALICE, BOT);
        portals.userEvent(PORTAL, JSON.createObjectNode().put("type", "m.room.member")
                .put("state_key", BOT.value()).set("content", JSON.createObjectNode().put("membership", "join")), false);
        portals.review(Map.of(HB_ROOM, hbBridge("#chat")), info -> true);
        assertEquals(StateStore.PortalStage.RETIRED, store.portals().get(0).stage(), requests.toString());
    }
}
