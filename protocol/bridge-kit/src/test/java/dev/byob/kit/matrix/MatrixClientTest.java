package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.protocol.discovery.BridgeStateKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import mockwebserver3.SocketEffect;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MatrixClientTest {
    private static final String TOKEN = "syt_aXJjX2JvYg_secretSECRETsecret_0a1b2c";
    private static final UserId GHOST = UserId.parse("@irc_bob:example.org");
    private static final RoomId ROOM = RoomId.parse("!room:example.org");
    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> TEXT = Map.of("msgtype", "m.text", "body", "hello");

    private final List<Duration> sleeps = Collections.synchronizedList(new ArrayList<>());
    private MockWebServer server;
    private MatrixClient client;

    @BeforeEach
    void start() throws IOException {
        server = new MockWebServer();
        server.start(InetAddress.getLoopbackAddress(), 0);
        client = clientFor(server.getPort(), MatrixClient.sharedHttpClient());
    }

    private MatrixClient clientFor(int port, OkHttpClient http) {
        return MatrixClient.builder(URI.create("http://127.0.0.1:" + port + "/"), TOKEN)
                .httpClient(http)
                .retryPolicy(RetryPolicy.defaults().withRandom(() -> 0.0).withSleeper(sleeps::add))
                .clock(Clock.fixed(NOW, ZoneOffset.UTC))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.close();
    }

    private void answer(int code, String json) {
        server.enqueue(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(json).build());
    }

    private void answer(MockResponse.Builder response) {
        server.enqueue(response.build());
    }

    private RecordedRequest take() throws InterruptedException {
        RecordedRequest request = server.takeRequest(10, TimeUnit.SECONDS);
        assertNotNull(request, "no request arrived");
        return request;
    }

    private static JsonNode body(RecordedRequest request) throws IOException {
        return JSON.readTree(request.getBody().utf8());
    }

    // --- masquerading and authentication ---------------------------------------------------------

    @Test
    void as_anyRequest_carriesTheEncodedUserIdAndTheBearerToken() throws Exception {
        answer(200, "{\"user_id\":\"@irc_bob:example.org\"}");

        WhoAmI whoami = client.as(GHOST).whoami();

        RecordedRequest request = take();
        assertEquals("/_matrix/client/v3/account/whoami?user_id=%40irc_bob%3Aexample.org", request.getTarget());
        assertEquals("Bearer " + TOKEN, request.getHeaders().get("Authorization"));
        assertEquals(GHOST, whoami.userId());
        assertEquals(Optional.empty(), whoami.deviceId());
        assertEquals(Optional.of(GHOST), client.as(GHOST).actingAs());
    }

    @Test
    void whoami_withoutAView_sendsNoUserId() throws Exception {
        answer(200, "{\"user_id\":\"@alice:example.org\",\"device_id\":\"ABCDEF\",\"is_guest\":false}");

        WhoAmI whoami = client.whoami();

        assertEquals("/_matrix/client/v3/account/whoami", take().getTarget());
        assertEquals(UserId.parse("@alice:example.org"), whoami.userId());
        assertEquals(Optional.of("ABCDEF"), whoami.deviceId());
        assertEquals(Optional.empty(), client.actingAs());
    }

    @Test
    void registerAppserviceUser_onAView_sendsTheApplicationServiceTypeAndNoUserId() throws Exception {
        answer(200, "{\"user_id\":\"@irc_bob:example.org\",\"home_server\":\"example.org\"}");

        assertTrue(client.as(GHOST).registerAppserviceUser(GHOST));

        RecordedRequest request = take();
        assertEquals("POST", request.getMethod());
        assertEquals("/_matrix/client/v3/register", request.getTarget());
        JsonNode body = body(request);
        assertEquals("m.login.application_service", body.path("type").asText());
        assertEquals("irc_bob", body.path("username").asText());
        assertTrue(body.path("inhibit_login").asBoolean());
    }

    @Test
    void registerAppserviceUser_userInUse_isSuccess() {
        answer(400, "{\"errcode\":\"M_USER_IN_USE\",\"error\":\"User ID already taken.\"}");

        assertFalse(client.registerAppserviceUser(GHOST));
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void registerAppserviceUser_outsideTheNamespace_throwsExclusive() {
        answer(400, "{\"errcode\":\"M_EXCLUSIVE\",\"error\":\"Invalid user localpart for this application service.\"}");

        MatrixException e = assertThrows(MatrixException.class,
                () -> client.registerAppserviceUser(UserId.parse("@someone:example.org")));
        assertEquals(ErrorCode.M_EXCLUSIVE, e.errcode());
    }

    // --- path encoding ----------------------------------------------------------------------------

    @Test
    void sendStateEvent_bridgeStateKey_isOnePercentEncodedSegment() throws Exception {
        answer(200, "{\"event_id\":\"$state:example.org\"}");
        String stateKey = new BridgeStateKey("byob", "irc", Optional.of("libera"), "#chan/x").format();

        EventId id = client.sendStateEvent(ROOM, "m.bridge", stateKey, Map.of("bridgebot", "@bot:example.org"));

        RecordedRequest request = take();
        assertEquals("PUT", request.getMethod());
        assertEquals("/_matrix/client/v3/rooms/%21room%3Aexample.org/state/m.bridge/"
                + "byob%3A%2F%2Firc%2Flibera%2F%23chan%252Fx", request.getTarget());
        assertEquals(List.of("_matrix", "client", "v3", "rooms", ROOM.value(), "state", "m.bridge", stateKey),
                request.getUrl().pathSegments());
        assertEquals("@bot:example.org", body(request).path("bridgebot").asText());
        assertEquals(EventId.parse("$state:example.org"), id);
    }

    @Test
    void sendStateEvent_emptyStateKey_endsWithASlash() throws Exception {
        answer(200, "{\"event_id\":\"$name\"}");

        client.sendStateEvent(ROOM, "m.room.name", "", Map.of("name", "IRC"));

        assertEquals("/_matrix/client/v3/rooms/%21room%3Aexample.org/state/m.room.name/", take().getTarget());
    }

    @Test
    void sendMessageEvent_typeAndTxnId_areEncoded() throws Exception {
        answer(200, "{\"event_id\":\"$abc\"}");

        EventId id = client.sendMessageEvent(ROOM, "org.example.custom event", TEXT, "t/1 $x");

        assertEquals("/_matrix/client/v3/rooms/%21room%3Aexample.org/send/org.example.custom%20event/t%2F1%20%24x",
                take().getTarget());
        assertEquals(EventId.parse("$abc"), id);
    }

    @Test
    void join_aliasAndVia_areEncoded() throws Exception {
        answer(200, "{\"room_id\":\"!joined:example.org\"}");

        RoomId room = client.as(GHOST).join("#irc_#chan:example.org", List.of("other.example"));

        assertEquals("/_matrix/client/v3/join/%23irc_%23chan%3Aexample.org"
                + "?via=other.example&server_name=other.example&user_id=%40irc_bob%3Aexample.org", take().getTarget());
        assertEquals(RoomId.parse("!joined:example.org"), room);
    }

    @Test
    void setDisplayName_userIdInThePath_isEncoded() throws Exception {
        answer(200, "{}");

        client.as(GHOST).setDisplayName(GHOST, "bob (IRC)");

        RecordedRequest request = take();
        assertEquals("/_matrix/client/v3/profile/%40irc_bob%3Aexample.org/displayname"
                + "?user_id=%40irc_bob%3Aexample.org", request.getTarget());
        assertEquals("bob (IRC)", body(request).path("displayname").asText());
    }

    @Test
    void forget_postsToTheRoomsForgetEndpoint() throws Exception {
        answer(200, "{}");

        client.forget(ROOM);

        RecordedRequest request = take();
        assertEquals("POST", request.getMethod());
        assertEquals("/_matrix/client/v3/rooms/%21room%3Aexample.org/forget", request.getTarget());
    }

    @Test
    void joinedRooms_areTheAnswersRoomIds() throws Exception {
        answer(200, "{\"joined_rooms\": [\"!a:example.org\", \"!b:example.org\"]}");

        assertEquals(List.of(RoomId.parse("!a:example.org"), RoomId.parse("!b:example.org")), client.joinedRooms());
        assertEquals("/_matrix/client/v3/joined_rooms", take().getTarget());
    }

    @Test
    void homeserver_withAPathPrefix_keepsIt() throws Exception {
        MatrixClient prefixed = MatrixClient.builder(URI.create("http://127.0.0.1:" + server.getPort() + "/matrix"),
                TOKEN).build();
        answer(200, "{}");

        prefixed.leave(ROOM);

        assertEquals("/matrix/_matrix/client/v3/rooms/%21room%3Aexample.org/leave", take().getTarget());
    }

    // --- error mapping ----------------------------------------------------------------------------

    @Test
    void errorAnswer_knownErrcode_carriesStatusCodeAndText() {
        answer(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"You are not invited to this room.\"}");

        MatrixException e = assertThrows(MatrixException.class, () -> client.invite(ROOM, GHOST));

        assertEquals(403, e.status());
        assertEquals(ErrorCode.M_FORBIDDEN, e.errcode());
        assertEquals("M_FORBIDDEN", e.rawErrcode());
        assertEquals("You are not invited to this room.", e.error());
        assertEquals(Optional.empty(), e.retryAfter());
        assertEquals("POST /_matrix/client/v3/rooms/%21room%3Aexample.org/invite", e.request());
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void errorAnswer_unlistedErrcode_isUnknownAndKeepsTheRawString() {
        answer(400, "{\"errcode\":\"ORG.EXAMPLE_ODD\",\"error\":\"odd\",\"extra\":7}");

        MatrixException e = assertThrows(MatrixException.class, () -> client.leave(ROOM));

        assertEquals(ErrorCode.UNKNOWN, e.errcode());
        assertEquals("ORG.EXAMPLE_ODD", e.rawErrcode());
        assertEquals(7, e.body().path("extra").asInt());
    }

    @Test
    void errorAnswer_notJson_isUnknownWithTheStatusAndNotRetriedForCreateRoom() {
        answer(new MockResponse.Builder().code(502).body("<html>502 Bad Gateway</html>"));

        MatrixException e = assertThrows(MatrixException.class,
                () -> client.createRoom(CreateRoomOptions.builder().name("x").build()));

        assertEquals(502, e.status());
        assertEquals(ErrorCode.UNKNOWN, e.errcode());
        assertNull(e.rawErrcode());
        assertTrue(e.error().contains("502 Bad Gateway"), e.error());
        assertEquals(1, server.getRequestCount());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void successAnswer_withoutEventId_isABadAnswer() {
        answer(200, "{}");

        MatrixException e = assertThrows(MatrixException.class, () -> client.sendMessageEvent(ROOM, "m.room.message",
                TEXT, "t1"));

        assertEquals(200, e.status());
        assertEquals(ErrorCode.UNKNOWN, e.errcode());
    }

    @Test
    void sendMessageEvent_contentNotAnObject_isRejectedBeforeSending() {
        assertThrows(IllegalArgumentException.class, () -> client.sendMessageEvent(ROOM, "m.room.message",
                List.of("not", "an", "object"), "t1"));
        assertEquals(0, server.getRequestCount());
    }

    // --- retries ----------------------------------------------------------------------------------

    @Test
    void sendMessageEvent_after500_retriesWithTheSameTxnId() throws Exception {
        answer(500, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Internal server error\"}");
        answer(200, "{\"event_id\":\"$sent\"}");

        EventId id = client.sendMessageEvent(ROOM, "m.room.message", TEXT, "txn-42");

        String first = take().getTarget();
        String second = take().getTarget();
        assertEquals("/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/txn-42", first);
        assertEquals(first, second);
        assertEquals(EventId.parse("$sent"), id);
        assertEquals(List.of(Duration.ofMillis(500)), sleeps);
    }

    @Test
    void sendMessageEvent_afterABrokenConnection_retriesWithTheSameTxnId() throws Exception {
        answer(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE));
        answer(200, "{\"event_id\":\"$sent\"}");

        EventId id = client.sendMessageEvent(ROOM, "m.room.message", TEXT);

        String first = take().getTarget();
        assertEquals(first, take().getTarget());
        assertTrue(first.matches("/_matrix/client/v3/rooms/%21room%3Aexample.org/send/m.room.message/"
                + "byob\\.\\d+\\.\\d+"), first);
        assertEquals(EventId.parse("$sent"), id);
        assertEquals(1, sleeps.size());
    }

    @Test
    void createRoom_afterABrokenConnection_isNotRetried() {
        answer(new MockResponse.Builder().onResponseStart(SocketEffect.ShutdownConnection.INSTANCE));
        answer(200, "{\"room_id\":\"!second:example.org\"}");

        MatrixNetworkException e = assertThrows(MatrixNetworkException.class,
                () -> client.createRoom(CreateRoomOptions.builder().build()));

        assertTrue(e.mayHaveReachedServer());
        assertFalse(e.cancelled());
        assertEquals(1, server.getRequestCount());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void createRoom_after500_isNotRetried() {
        answer(500, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"Internal server error\"}");
        answer(200, "{\"room_id\":\"!second:example.org\"}");

        MatrixException e = assertThrows(MatrixException.class,
                () -> client.createRoom(CreateRoomOptions.builder().build()));

        assertEquals(500, e.status());
        assertEquals(1, server.getRequestCount());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void createRoom_rateLimited_isRetriedAfterTheRequestedWait() {
        answer(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"Too Many Requests\",\"retry_after_ms\":1500}");
        answer(200, "{\"room_id\":\"!new:example.org\"}");

        RoomId room = client.createRoom(CreateRoomOptions.builder().build());

        assertEquals(RoomId.parse("!new:example.org"), room);
        assertEquals(2, server.getRequestCount());
        assertEquals(List.of(Duration.ofMillis(1500)), sleeps);
    }

    @Test
    void rateLimited_retryAfterHeader_winsOverTheBody() {
        answer(new MockResponse.Builder().code(429).addHeader("Retry-After", "7")
                .body("{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":1500}"));
        answer(200, "{\"event_id\":\"$sent\"}");

        client.sendMessageEvent(ROOM, "m.room.message", TEXT, "t1");

        assertEquals(List.of(Duration.ofSeconds(7)), sleeps);
    }

    @Test
    void rateLimited_retryAfterHttpDate_isMeasuredFromTheClock() {
        answer(new MockResponse.Builder().code(429).addHeader("Retry-After", "Wed, 21 Oct 2026 07:28:10 GMT")
                .body("{\"errcode\":\"M_LIMIT_EXCEEDED\"}"));
        answer(200, "{\"event_id\":\"$sent\"}");

        client.sendMessageEvent(ROOM, "m.room.message", TEXT, "t1");

        assertEquals(List.of(Duration.ofSeconds(10)), sleeps);
    }

    @Test
    void rateLimited_waitLongerThanTheMaximum_goesToTheCaller() {
        answer(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":3600000}");

        MatrixException e = assertThrows(MatrixException.class,
                () -> client.sendMessageEvent(ROOM, "m.room.message", TEXT, "t1"));

        assertTrue(e.isRateLimited());
        assertEquals(Optional.of(Duration.ofHours(1)), e.retryAfter());
        assertEquals(1, server.getRequestCount());
        assertEquals(List.of(), sleeps);
    }

    @Test
    void rateLimited_withoutAWait_backsOffExponentially() {
        for (int i = 0; i < 3; i++) {
            answer(429, "{\"errcode\":\"M_LIMIT_EXCEEDED\"}");
        }
        answer(200, "{\"event_id\":\"$sent\"}");

        client.sendMessageEvent(ROOM, "m.room.message", TEXT, "t1");

        assertEquals(List.of(Duration.ofMillis(500), Duration.ofMillis(1000), Duration.ofMillis(2000)), sleeps);
    }

    @Test
    void retries_exhausted_throwTheLastFailure() {
        MatrixClient threeTries = client.withRetryPolicy(client.retryPolicy().withMaxAttempts(3));
        for (int i = 0; i < 3; i++) {
            answer(503, "{\"errcode\":\"M_UNKNOWN\",\"error\":\"try " + i + "\"}");
        }

        MatrixException e = assertThrows(MatrixException.class, () -> threeTries.getRoomState(ROOM));

        assertEquals("try 2", e.error());
        assertEquals(3, server.getRequestCount());
        assertEquals(2, sleeps.size());
    }

    @Test
    void connectionRefused_isRetriedEvenForCreateRoom() throws IOException {
        MockWebServer gone = new MockWebServer();
        gone.start(InetAddress.getLoopbackAddress(), 0);
        int port = gone.getPort();
        gone.close();
        MatrixClient refused = clientFor(port, MatrixClient.sharedHttpClient());
        refused = refused.withRetryPolicy(refused.retryPolicy().withMaxAttempts(3));
        MatrixClient finalRefused = refused;

        MatrixNetworkException e = assertThrows(MatrixNetworkException.class,
                () -> finalRefused.createRoom(CreateRoomOptions.builder().build()));

        assertFalse(e.mayHaveReachedServer());
        assertEquals(2, sleeps.size());
    }

    @Test
    void interruptedWhileWaiting_throwsTheFailureAndKeepsTheInterruptFlag() {
        MatrixClient interrupted = client.withRetryPolicy(client.retryPolicy().withSleeper(d -> {
            throw new InterruptedException("stop");
        }));
        answer(500, "{\"errcode\":\"M_UNKNOWN\"}");

        MatrixException e = assertThrows(MatrixException.class, () -> interrupted.getRoomState(ROOM));

        assertTrue(Thread.interrupted());
        assertEquals(500, e.status());
        assertInstanceOf(InterruptedException.class, e.getSuppressed()[0]);
    }

    // --- reading answers --------------------------------------------------------------------------

    @Test
    void getStateEvent_notFound_isEmptyAndNotRetried() {
        answer(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"Event not found.\"}");

        assertEquals(Optional.empty(), client.getStateEvent(ROOM, "m.bridge", "x"));
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void getStateEvent_set_returnsTheContent() {
        answer(200, "{\"name\":\"IRC\"}");

        assertEquals("IRC", client.getStateEvent(ROOM, "m.room.name", "").orElseThrow().path("name").asText());
    }

    @Test
    void getRoomState_returnsEveryEventRaw() {
        answer(200, "[{\"type\":\"m.room.create\",\"state_key\":\"\",\"content\":{}},"
                + "{\"type\":\"org.example.unknown\",\"state_key\":\"k\",\"content\":{\"x\":1}}]");

        List<JsonNode> state = client.getRoomState(ROOM);

        assertEquals(2, state.size());
        assertEquals(1, state.get(1).path("content").path("x").asInt());
    }

    @Test
    void joinedMembers_readsNamesAndAvatars() {
        answer(200, "{\"joined\":{\"@irc_bob:example.org\":{\"display_name\":\"bob (IRC)\",\"avatar_url\":null},"
                + "\"@alice:example.org\":{\"avatar_url\":\"mxc://example.org/a\"}}}");

        Map<UserId, JoinedMember> members = client.joinedMembers(ROOM);

        assertEquals(new JoinedMember(Optional.of("bob (IRC)"), Optional.empty()), members.get(GHOST));
        assertEquals(new JoinedMember(Optional.empty(), Optional.of("mxc://example.org/a")),
                members.get(UserId.parse("@alice:example.org")));
    }

    @Test
    void createRoom_options_areSentAsTheSpecificationNamesThem() throws Exception {
        answer(200, "{\"room_id\":\"!dm:example.org\"}");
        UserId alice = UserId.parse("@alice:example.org");

        client.as(GHOST).createRoom(CreateRoomOptions.builder()
                .name("bob").topic("IRC direct chat").invite(alice).direct(true)
                .preset(RoomPreset.TRUSTED_PRIVATE_CHAT)
                .initialState("m.bridge", "k", Map.of("bridgebot", "@bot:example.org"))
                .extra("power_level_content_override", Map.of("events_default", 0))
                .build());

        JsonNode body = body(take());
        assertEquals("bob", body.path("name").asText());
        assertEquals("IRC direct chat", body.path("topic").asText());
        assertEquals("@alice:example.org", body.path("invite").path(0).asText());
        assertTrue(body.path("is_direct").asBoolean());
        assertEquals("trusted_private_chat", body.path("preset").asText());
        JsonNode state = body.path("initial_state").path(0);
        assertEquals("m.bridge", state.path("type").asText());
        assertEquals("k", state.path("state_key").asText());
        assertEquals("@bot:example.org", state.path("content").path("bridgebot").asText());
        assertEquals(0, body.path("power_level_content_override").path("events_default").asInt(-1));
    }

    @Test
    void createRoomOptions_extraRepeatingATypedField_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> CreateRoomOptions.builder().extra("preset", "x").build());
    }

    @Test
    void putAccountData_mDirect_putsTheMapUnderTheUser() throws Exception {
        answer(200, "{}");

        client.as(GHOST).putAccountData(GHOST, "m.direct", Map.of("@alice:example.org", List.of(ROOM.value())));

        RecordedRequest request = take();
        assertEquals("PUT", request.getMethod());
        assertEquals("/_matrix/client/v3/user/%40irc_bob%3Aexample.org/account_data/m.direct"
                + "?user_id=%40irc_bob%3Aexample.org", request.getTarget());
        assertEquals(ROOM.value(), body(request).path("@alice:example.org").path(0).asText());
    }

    @Test
    void getAccountData_unset_isEmpty() {
        answer(404, "{\"errcode\":\"M_NOT_FOUND\",\"error\":\"Account data not found\"}");

        assertEquals(Optional.empty(), client.getAccountData(GHOST, "m.direct"));
    }

    @Test
    void sendToDevice_messages_areKeyedByUserAndDevice() throws Exception {
        answer(200, "{}");

        client.sendToDevice("org.example.ping", Map.of(GHOST, Map.of("DEVICE", Map.of("n", 1))), "td1");

        RecordedRequest request = take();
        assertEquals("/_matrix/client/v3/sendToDevice/org.example.ping/td1", request.getTarget());
        assertEquals(1, body(request).path("messages").path(GHOST.value()).path("DEVICE").path("n").asInt());
    }

    @Test
    void kick_sendsTheUserAndReason() throws Exception {
        answer(200, "{}");

        client.kick(ROOM, GHOST, "netsplit");

        JsonNode body = body(take());
        assertEquals(GHOST.value(), body.path("user_id").asText());
        assertEquals("netsplit", body.path("reason").asText());
    }

    @Test
    void requestOpenIdToken_answer_isReadAndItsTokenRedacted() throws Exception {
        answer(200, "{\"access_token\":\"openid-secret\",\"token_type\":\"Bearer\","
                + "\"matrix_server_name\":\"example.org\",\"expires_in\":3600}");

        OpenIdToken token = client.requestOpenIdToken(UserId.parse("@alice:example.org"));

        assertEquals("/_matrix/client/v3/user/%40alice%3Aexample.org/openid/request_token", take().getTarget());
        assertEquals("openid-secret", token.accessToken());
        assertEquals("example.org", token.matrixServerName());
        assertEquals(Duration.ofHours(1), token.expiresIn());
        assertFalse(token.toString().contains("openid-secret"), token.toString());
    }

    // --- sync and lifecycle -----------------------------------------------------------------------

    @Test
    void sync_request_isSentAsQueryParameters() throws Exception {
        answer(200, "{\"next_batch\":\"s2\"}");

        JsonNode answer = client.as(GHOST).sync(SyncRequest.initial().since("s1").withFilter("{\"room\":{}}")
                .withTimeout(Duration.ofSeconds(5)).withFullState(true));

        RecordedRequest request = take();
        assertEquals("GET", request.getMethod());
        assertEquals("s1", request.getUrl().queryParameter("since"));
        assertEquals("{\"room\":{}}", request.getUrl().queryParameter("filter"));
        assertEquals("5000", request.getUrl().queryParameter("timeout"));
        assertEquals("true", request.getUrl().queryParameter("full_state"));
        assertEquals(GHOST.value(), request.getUrl().queryParameter("user_id"));
        assertEquals("s2", answer.path("next_batch").asText());
    }

    @Test
    void sync_longPoll_outlastsTheSharedClientsReadTimeout() {
        OkHttpClient impatient = new OkHttpClient.Builder().readTimeout(Duration.ofMillis(100))
                .retryOnConnectionFailure(false).build();
        MatrixClient syncing = clientFor(server.getPort(), impatient).withRetryPolicy(RetryPolicy.none());
        answer(new MockResponse.Builder().code(200).body("{\"next_batch\":\"s2\"}")
                .headersDelay(500, TimeUnit.MILLISECONDS));

        JsonNode answer = syncing.sync(SyncRequest.initial().withTimeout(Duration.ofSeconds(1)));

        assertEquals("s2", answer.path("next_batch").asText());
    }

    @Test
    void close_syncInFlight_isCancelledAndNotRetried() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                release.await();
                return new MockResponse.Builder().code(200).body("{}").build();
            }
        });
        ExecutorService worker = Executors.newSingleThreadExecutor();
        try {
            Future<JsonNode> sync = worker.submit(() -> client.sync(SyncRequest.initial()
                    .withTimeout(Duration.ofSeconds(30))));
            take();

            client.close();

            ExecutionException e = assertThrows(ExecutionException.class, sync::get);
            MatrixNetworkException cancelled = assertInstanceOf(MatrixNetworkException.class, e.getCause());
            assertTrue(cancelled.cancelled());
            assertEquals(List.of(), sleeps);
            assertThrows(IllegalStateException.class, () -> client.whoami());
        } finally {
            release.countDown();
            worker.shutdownNow();
        }
    }

    @Test
    void close_duringARetryWait_throwsTheLastFailureWithoutTryingAgain() {
        MatrixClient closing = client.withRetryPolicy(client.retryPolicy().withSleeper(d -> client.close()));
        answer(500, "{\"errcode\":\"M_UNKNOWN\"}");
        answer(200, "[]");

        MatrixException e = assertThrows(MatrixException.class, () -> closing.getRoomState(ROOM));

        assertEquals(500, e.status());
        assertEquals(1, server.getRequestCount());
    }

    @Test
    void toString_clientAndView_neverShowTheToken() {
        assertFalse(client.toString().contains(TOKEN), client.toString());
        assertFalse(client.as(GHOST).toString().contains(TOKEN));
        assertTrue(client.as(GHOST).toString().contains(GHOST.value()));
    }

    @Test
    void builder_emptyToken_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> MatrixClient.builder(URI.create("http://127.0.0.1/"), ""));
    }
}
