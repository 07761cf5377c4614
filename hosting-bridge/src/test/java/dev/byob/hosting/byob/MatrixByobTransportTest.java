package dev.byob.hosting.byob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.OpenIdUserInfo;
import dev.byob.kit.matrix.ServerNameResolver;
import dev.byob.kit.matrix.RetryPolicy;
import dev.byob.hosting.store.Database;
import dev.byob.hosting.store.DatabaseConfig;
import dev.byob.hosting.store.SqlCanonicalDms;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MatrixByobTransportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UserId BOT = UserId.parse("@ircbridge:hb.example");
    private static final UserId VB = UserId.parse("@vb:home.example");

    @TempDir
    Path dir;
    private MockWebServer server;
    private MatrixClient client;
    private Database database;
    private SqlCanonicalDms dms;
    private MatrixByobTransport transport;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(InetAddress.getLoopbackAddress(), 0);
        URI base = URI.create("http://127.0.0.1:" + server.getPort() + "/");
        client = MatrixClient.builder(base, "as_token").retryPolicy(RetryPolicy.none()).build();
        database = Database.open(new DatabaseConfig.Sqlite(dir.resolve("hb.sqlite3")));
        dms = new SqlCanonicalDms(database);
        // Other servers "resolve" to this loopback server too: an internal address, never contacted for them.
        transport = new MatrixByobTransport(client, BOT, dms, Runnable::run, new OpenIdUserInfo(
                MatrixClient.sharedHttpClient(), "hb.example", base, new ServerNameResolver(h -> Optional.empty(),
                        n -> List.of(new ServerNameResolver.SrvRecord(0, 0, server.getPort(), "127.0.0.1")))));
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
        database.close();
    }

    private void answer(int code, String json) {
        server.enqueue(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(json).build());
    }

    private RecordedRequest take() throws InterruptedException {
        RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
        assertNotNull(request, "no request arrived");
        return request;
    }

    private static JsonNode body(RecordedRequest request) throws IOException {
        return JSON.readTree(request.getBody().utf8());
    }

    @Test
    void sendToVisitingBridge_createsTheCanonicalDmOnce_thenReusesIt() throws Exception {
        answer(200, "{\"room_id\":\"!dm:hb.example\"}");
        answer(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"no\"}");
        answer(200, "{}");
        answer(200, "{\"event_id\":\"$1\"}");
        answer(200, "{\"event_id\":\"$2\"}");
        ObjectNode content = JSON.createObjectNode().put("version", 1);

        transport.sendToVisitingBridge(VB, "org.matrix.msc3647.challenge", content, "byob.challenge.t1");
        transport.sendToVisitingBridge(VB, "org.matrix.msc3647.accept", content, "byob.accept.t1");

        RecordedRequest create = take();
        assertTrue(create.getTarget().startsWith("/_matrix/client/v3/createRoom"), create.getTarget());
        JsonNode options = body(create);
        assertTrue(options.get("is_direct").asBoolean());
        assertEquals("trusted_private_chat", options.get("preset").asText());
        assertEquals(VB.value(), options.get("invite").get(0).asText());
        assertTrue(take().getTarget().contains("/account_data/m.direct"));
        RecordedRequest direct = take();
        assertEquals("PUT", direct.getMethod());
        assertEquals("!dm:hb.example", body(direct).get(VB.value()).get(0).asText());
        RecordedRequest first = take();
        assertTrue(first.getTarget().startsWith(
                "/_matrix/client/v3/rooms/%21dm%3Ahb.example/send/org.matrix.msc3647.challenge/byob.challenge.t1"),
                first.getTarget());
        RecordedRequest second = take();
        assertTrue(second.getTarget().contains("/send/org.matrix.msc3647.accept/byob.accept.t1"), second.getTarget());
        assertEquals(Optional.of(RoomId.parse("!dm:hb.example")), dms.find(BOT, VB));
    }

    /**
     * A homeserver that knows rooms' create timestamps, answers everything else with {@code {}}, and records the
     * requests as "METHOD path".
     */
    private List<String> homeserverWithRooms(Map<String, Long> created) {
        List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                seen.add(request.getMethod() + " " + request.getUrl().pathSegments());
                for (Map.Entry<String, Long> room : created.entrySet()) {
                    if (request.getUrl().pathSegments().contains(room.getKey())
                            && path.endsWith("/state")) {
                        return json("[{\"type\":\"m.room.create\",\"state_key\":\"\",\"origin_server_ts\":"
                                + room.getValue() + ",\"content\":{}}]");
                    }
                }
                if (path.contains("/send/")) {
                    return json("{\"event_id\":\"$sent\"}");
                }
                if (path.contains("/join/")) {
                    return json("{\"room_id\":\"" + request.getUrl().pathSegments().get(4) + "\"}");
                }
                return json("{}");
            }
        });
        return seen;
    }

    private static MockResponse json(String body) {
        return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body).build();
    }

    @Test
    void joinDirect_joinsAndMakesTheRoomTheDmWithTheInviter() {
        List<String> seen = homeserverWithRooms(Map.of());

        transport.joinDirect(RoomId.parse("!new:home.example"), VB);

        assertEquals("POST [_matrix, client, v3, join, !new:home.example]", seen.get(0));
        assertEquals(Optional.of(RoomId.parse("!new:home.example")), dms.find(BOT, VB));
        transport.directRoomLeft(RoomId.parse("!other:home.example"), VB);
        assertEquals(Optional.of(RoomId.parse("!new:home.example")), dms.find(BOT, VB), "another room: kept");
        transport.directRoomLeft(RoomId.parse("!new:home.example"), VB);
        assertEquals(Optional.empty(), dms.find(BOT, VB));
    }

    @Test
    void aSecondDm_theOlderIsKeptAndTheOtherLeftWithANotice_whicheverCameFirst() {
        List<String> seen = homeserverWithRooms(Map.of("!old:hb.example", 1000L, "!new:home.example", 2000L));
        dms.put(BOT, VB, RoomId.parse("!new:home.example"));

        transport.directRoomSeen(RoomId.parse("!old:hb.example"), VB);

        assertEquals(Optional.of(RoomId.parse("!old:hb.example")), dms.find(BOT, VB));
        assertTrue(seen.stream().anyMatch(r -> r.startsWith("PUT [_matrix, client, v3, rooms, !new:home.example, send, "
                + "m.room.message")), seen.toString());
        assertTrue(seen.contains("POST [_matrix, client, v3, rooms, !new:home.example, leave]"), seen.toString());
        assertFalse(seen.stream().anyMatch(r -> r.contains("!old:hb.example, leave")), seen.toString());

        seen.clear();
        transport.joinDirect(RoomId.parse("!new:home.example"), VB); // invited into the younger one again
        assertEquals(Optional.of(RoomId.parse("!old:hb.example")), dms.find(BOT, VB));
        assertTrue(seen.contains("POST [_matrix, client, v3, rooms, !new:home.example, leave]"), seen.toString());
    }

    @Test
    void directInvites_fromOneInviter_areJoinedOnlySoOftenAnHour() {
        List<String> seen = homeserverWithRooms(Map.of());
        for (int i = 0; i < MatrixByobTransport.DIRECT_INVITES_PER_HOUR + 2; i++) {
            transport.joinDirect(RoomId.parse("!r" + i + ":home.example"), VB);
        }
        long joins = seen.stream().filter(r -> r.contains(", join, ")).count();
        long declines = seen.stream().filter(r -> r.endsWith(", leave]")).count();
        assertEquals(MatrixByobTransport.DIRECT_INVITES_PER_HOUR, joins);
        assertTrue(declines >= 2, seen.toString());
        transport.joinDirect(RoomId.parse("!other:home.example"), UserId.parse("@someone:home.example"));
        assertTrue(seen.contains("POST [_matrix, client, v3, join, !other:home.example]"), "another inviter is joined");
    }

    @Test
    void checkOpenId_ofTheBridgesOwnServer_asksUserinfo() throws Exception {
        answer(200, "{\"sub\":\"@alice:hb.example\"}");
        answer(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"no\"}");

        assertEquals(Optional.of(UserId.parse("@alice:hb.example")),
                transport.checkOpenId("hb.example", "tok").toCompletableFuture().get());
        assertEquals("/_matrix/federation/v1/openid/userinfo?access_token=tok", take().getTarget());
        assertEquals(Optional.empty(), transport.checkOpenId("hb.example", "bad").toCompletableFuture().get());
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> transport.checkOpenId("elsewhere.example", "tok").toCompletableFuture().get());
        assertTrue(e.getCause().getMessage().contains("internal address"), e.getCause().getMessage());
    }
}
