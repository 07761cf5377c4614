package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.Main;
import dev.byob.hosting.appservice.AppserviceMetrics;
import dev.byob.hosting.appservice.InMemoryTransactionSink;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.MatrixApi;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.Http;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hosting bridge's application-service API against a real Synapse that loaded its registration. The bridge
 * runs from a configuration file holding the registration's tokens, on the registered port, for the whole class:
 * Synapse backs off for minutes from an appservice it could not reach.
 */
@RealServers
class HostingBridgeAppserviceIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    static Path dir;

    private static Homeserver homeserver;
    private static AppserviceRegistration registration;
    private static Path configFile;
    private static InMemoryTransactionSink sink;
    private static HostingBridge bridge;

    @BeforeAll
    static void startBridge(Homeserver server) throws Exception {
        homeserver = server;
        registration = homeserver.appservice(HostingBridgeAppservices.ID);
        configFile = dir.resolve("config.yaml");
        HostingBridgeAppservices.writeConfig(configFile, homeserver, registration,
                HostingBridgeAppservices.BOT_LOCALPART, HostingBridgeAppservices.GHOST_PREFIX,
                "irc:",
                "  networks:",
                "    - {id: test, host: 127.0.0.1, tls: false, bot_nick: hbitbot}");
        sink = new InMemoryTransactionSink(10_000);
        bridge = HostingBridge.create(BridgeConfig.load(configFile), sink).start();
    }

    @AfterAll
    static void stopBridge() {
        if (bridge != null) {
            bridge.stop();
        }
    }

    private static AppserviceMetrics metrics() {
        return bridge.server().metrics();
    }

    private static Predicate<JsonNode> member(String roomId, String userId, String membership) {
        return event -> "m.room.member".equals(event.path("type").asText())
                && roomId.equals(event.path("room_id").asText())
                && userId.equals(event.path("state_key").asText())
                && membership.equals(event.path("content").path("membership").asText());
    }

    private static int indexOf(List<JsonNode> events, JsonNode event) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).path("event_id").asText().equals(event.path("event_id").asText())) {
                return i;
            }
        }
        throw new AssertionError("not received: " + event);
    }

    @Test
    void generateRegistration_forTheBridgesConfig_writesTheRegistrationSynapseLoaded() throws Exception {
        Path written = dir.resolve("generated-registration.yaml");

        int exit = Main.commandLine().execute("generate-registration", "-c", configFile.toString(),
                "-o", written.toString());

        assertEquals(0, exit);
        JsonNode generated = YAML.readTree(written.toFile());
        JsonNode loadedBySynapse = Http.JSON.readTree(registration.toYaml());
        assertEquals(loadedBySynapse, generated);
    }

    @Test
    void ping_requestedFromSynapse_reachesTheBridge() {
        long before = metrics().pings().value();
        MatrixApi asAppservice = new MatrixApi(homeserver.baseUrl(), registration.asToken());

        JsonNode response = asAppservice.post("_matrix/client/v1/appservice/" + registration.id() + "/ping",
                Map.of("transaction_id", Names.unique("ping")));

        assertTrue(response.path("duration_ms").isNumber(), response.toString());
        assertEquals(before + 1, metrics().pings().value());
    }

    @Test
    void roomWithTheBotAndAGhost_invitesAndMessagesReachTheBridgeInOrder() throws Exception {
        String bot = registration.senderUserId(homeserver.serverName());
        String ghost = bridgeConfigGhost(Names.unique("carol"));
        long ghostQueriesBefore = metrics().userQueries().labels("exists").value();
        MatrixAccount alice = homeserver.newUser("alice");
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient botClient = MatrixUserClient.withToken(homeserver.baseUrl(), bot,
                     registration.asToken())) {
            String room = aliceClient.createRoom("with the hosting bridge", bot);
            JsonNode botInvite = sink.awaitEvent(member(room, bot, "invite"), WAIT);
            assertEquals(alice.userId(), botInvite.path("sender").asText());

            botClient.join(room);
            aliceClient.invite(room, ghost);
            JsonNode ghostInvite = sink.awaitEvent(member(room, ghost, "invite"), WAIT);
            assertTrue(metrics().userQueries().labels("exists").value() > ghostQueriesBefore,
                    "Synapse asked the bridge whether the ghost exists");

            String body = "to the ghosts " + Names.unique("msg");
            String messageId = aliceClient.sendText(room, body);
            JsonNode message = sink.awaitEvent(event -> messageId.equals(event.path("event_id").asText()), WAIT);
            assertEquals(body, message.path("content").path("body").asText());
            assertEquals(alice.userId(), message.path("sender").asText());
            assertEquals(room, message.path("room_id").asText());

            List<JsonNode> events = sink.events();
            assertTrue(indexOf(events, botInvite) < indexOf(events, ghostInvite), "in the homeserver's order");
            assertTrue(indexOf(events, ghostInvite) < indexOf(events, message), "in the homeserver's order");
        }
        assertEquals(0, metrics().authFailures().labels("missing_token").value());
        assertEquals(0, metrics().authFailures().labels("wrong_token").value());
        assertEquals(sink.acceptedCount(), metrics().transactionsReceived().value()
                - metrics().transactionsDuplicate().value());
    }

    private static String bridgeConfigGhost(String suffix) throws Exception {
        return BridgeConfig.load(configFile).ghosts().userId(suffix);
    }
}
