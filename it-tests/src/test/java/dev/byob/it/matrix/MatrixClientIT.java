package dev.byob.it.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.ErrorCode;
import dev.byob.kit.matrix.JoinedMember;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.OpenIdToken;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.kit.matrix.SyncRequest;
import dev.byob.it.fixtures.AppserviceReceiver;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Deadline;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.Http;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.discovery.BridgeStateKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * {@link MatrixClient} against a real Synapse: as an application service acting as its bot and as an
 * IRC ghost, and as a plain user.
 */
@RealServers
class MatrixClientIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    /** One endpoint for the whole class: Synapse backs off for minutes from an appservice it cannot reach. */
    private static AppserviceReceiver receiver;

    private static synchronized AppserviceReceiver receiver(AppserviceRegistration registration) {
        if (receiver == null) {
            receiver = AppserviceReceiver.start(registration);
        }
        return receiver;
    }

    @AfterAll
    static synchronized void stopReceiver() {
        if (receiver != null) {
            receiver.close();
        }
    }

    private static MatrixClient appservice(Homeserver homeserver, AppserviceRegistration registration) {
        return MatrixClient.builder(homeserver.baseUrl(), registration.asToken()).build();
    }

    private static MatrixClient user(MatrixAccount account) {
        return MatrixClient.builder(account.homeserver(), account.accessToken()).build();
    }

    @Test
    void ghost_joinsAndSendsTwiceWithOneTxnId_realUserSeesOneMessageAndTheBotsBridgeState(Homeserver homeserver) {
        AppserviceRegistration registration = homeserver.appservice(MatrixClientAppservices.ID);
        UserId bot = UserId.parse(registration.senderUserId(homeserver.serverName()));
        UserId ghost = UserId.parse("@irc_bob:" + homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        UserId aliceId = UserId.parse(alice.userId());
        AppserviceReceiver transactions = receiver(registration);
        try (MatrixClient appservice = appservice(homeserver, registration);
             MatrixClient aliceApi = user(alice);
             MatrixUserClient aliceSees = MatrixUserClient.of(alice)) {
            // Registration is idempotent: whether or not an earlier run made the ghost, it exists now.
            appservice.registerAppserviceUser(ghost);
            assertFalse(appservice.registerAppserviceUser(ghost));
            MatrixClient bob = appservice.as(ghost);
            assertEquals(ghost, bob.whoami().userId());
            assertEquals(bot, appservice.whoami().userId());
            bob.setDisplayName(ghost, "bob (IRC)");

            RoomId room = aliceApi.createRoom(CreateRoomOptions.builder()
                    .name("bridged " + Names.unique("room"))
                    .preset(RoomPreset.PRIVATE_CHAT)
                    .invite(ghost, bot)
                    .extra("power_level_content_override",
                            Map.of("users", Map.of(aliceId.value(), 100, bot.value(), 50)))
                    .build());
            assertEquals(room, bob.join(room));
            appservice.join(room);

            String body = "hello from IRC " + Names.unique("msg");
            String txnId = "irc." + Names.unique("txn");
            Map<String, String> content = Map.of("msgtype", "m.text", "body", body);
            EventId first = bob.sendMessageEvent(room, "m.room.message", content, txnId);
            EventId again = bob.sendMessageEvent(room, "m.room.message", content, txnId);
            assertEquals(first, again);

            BridgeStateKey key = new BridgeStateKey("byob", "irc", Optional.of("test"), "#byob/test");
            Map<String, Object> bridge = Map.of(
                    "bridgebot", bot.value(),
                    "protocol", Map.of("id", "irc", "displayname", "IRC"),
                    "network", Map.of("id", "test"),
                    "channel", Map.of("id", "#byob/test"));
            EventId stateId = appservice.sendStateEvent(room, BridgeInfo.M_BRIDGE, key.format(), bridge);

            RoomEvent message = aliceSees.awaitMessage(room.value(), body, WAIT);
            assertEquals(ghost.value(), message.sender());
            assertEquals(first.value(), message.eventId());
            RoomEvent state = aliceSees.awaitEvent("the m.bridge state of " + room,
                    e -> room.value().equals(e.roomId()) && BridgeInfo.M_BRIDGE.equals(e.type())
                            && key.format().equals(e.stateKey()), WAIT);
            assertEquals(stateId.value(), state.eventId());
            BridgeInfo.Reading reading = BridgeInfo.read(state.type(), state.stateKey(),
                    UserId.parse(state.sender()), state.content());
            assertEquals(BridgeInfo.Verdict.VALID, reading.verdict(), reading.reason());
            assertEquals(bot, reading.info().orElseThrow().hbBot());

            JsonNode readBack = aliceApi.getStateEvent(room, BridgeInfo.M_BRIDGE, key.format()).orElseThrow();
            assertEquals("#byob/test", readBack.path("channel").path("id").asText());
            assertEquals(Optional.empty(), aliceApi.getStateEvent(room, BridgeInfo.M_BRIDGE, "byob://irc/test/none"));
            assertEquals(Optional.of("bob (IRC)"), aliceApi.joinedMembers(room).get(ghost).displayName());
            long copies = aliceSees.seen().stream()
                    .filter(e -> room.value().equals(e.roomId()) && body.equals(e.body())).count();
            assertEquals(1, copies);
            transactions.awaitEvent("the ghost's message", e -> first.value().equals(e.path("event_id").asText()), WAIT);

            aliceApi.kick(room, ghost, "leaving the channel");
            MatrixException refused = assertThrows403(() ->
                    bob.sendMessageEvent(room, "m.room.message", Map.of("msgtype", "m.text", "body", "late")));
            assertEquals(ErrorCode.M_FORBIDDEN, refused.errcode());
        }
    }

    @Test
    void ghost_opensADirectChat_realUserIsInvitedAsDirectAndGetsTheCreatorsPower(Homeserver homeserver) {
        AppserviceRegistration registration = homeserver.appservice(MatrixClientAppservices.ID);
        UserId ghost = UserId.parse("@irc_bob_dm:" + homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        UserId aliceId = UserId.parse(alice.userId());
        receiver(registration);
        try (MatrixClient appservice = appservice(homeserver, registration);
             MatrixClient aliceApi = user(alice);
             MatrixUserClient aliceSees = MatrixUserClient.of(alice)) {
            appservice.registerAppserviceUser(ghost);
            MatrixClient bob = appservice.as(ghost);

            RoomId dm = bob.createRoom(CreateRoomOptions.builder()
                    .invite(aliceId).direct(true).preset(RoomPreset.TRUSTED_PRIVATE_CHAT).build());
            bob.putAccountData(ghost, "m.direct", Map.of(aliceId.value(), List.of(dm.value())));
            assertEquals(dm.value(),
                    bob.getAccountData(ghost, "m.direct").orElseThrow().path(aliceId.value()).path(0).asText());
            assertEquals(Optional.empty(), bob.getAccountData(ghost, "org.byob.test.unset"));

            aliceSees.awaitEvent("a direct invite to " + dm, e -> dm.value().equals(e.roomId())
                    && "invite".equals(e.membership()) && "m.room.member".equals(e.type())
                    && aliceId.value().equals(e.stateKey()) && e.content().path("is_direct").asBoolean(), WAIT);
            aliceApi.join(dm);

            Map<UserId, JoinedMember> members = bob.joinedMembers(dm);
            assertEquals(Set.of(ghost, aliceId), members.keySet());
            JsonNode powerLevels = bob.getStateEvent(dm, "m.room.power_levels", "").orElseThrow();
            assertEquals(100, powerLevels.path("users").path(aliceId.value()).asInt());
            assertTrue(bob.getRoomState(dm).stream().anyMatch(e -> "m.room.join_rules".equals(e.path("type").asText())
                    && "invite".equals(e.path("content").path("join_rule").asText())));

            bob.leave(dm);
            assertEquals(Set.of(aliceId), aliceApi.joinedMembers(dm).keySet());
        }
    }

    @Test
    void plainUser_openIdTokenAndToDeviceSync_workWithTheUsersOwnToken(Homeserver homeserver) throws IOException {
        MatrixAccount alice = homeserver.newUser("alice");
        UserId aliceId = UserId.parse(alice.userId());
        try (MatrixClient aliceApi = user(alice)) {
            assertEquals(aliceId, aliceApi.whoami().userId());
            assertEquals(Optional.of(alice.deviceId()), aliceApi.whoami().deviceId());

            OpenIdToken token = aliceApi.requestOpenIdToken(aliceId);
            assertEquals(homeserver.serverName(), token.matrixServerName());
            assertEquals(aliceId.value(), openIdUserInfo(homeserver, token.accessToken()).path("sub").asText());
            assertEquals(401, openIdUserInfoStatus(homeserver, "not-a-token"));

            String filter = "{\"room\":{\"rooms\":[]},\"presence\":{\"types\":[]},\"account_data\":{\"types\":[]}}";
            String since = aliceApi.sync(SyncRequest.initial().withFilter(filter)).path("next_batch").asText();
            String nonce = Names.unique("nonce");
            aliceApi.sendToDevice("org.byob.test.ping",
                    Map.of(aliceId, Map.of(alice.deviceId(), Map.of("nonce", nonce))));

            Deadline deadline = Deadline.after(WAIT);
            boolean seen = false;
            while (!seen && !deadline.expired()) {
                JsonNode answer = aliceApi.sync(SyncRequest.initial().withFilter(filter).since(since)
                        .withTimeout(Duration.ofSeconds(5)));
                for (JsonNode event : answer.path("to_device").path("events")) {
                    seen |= "org.byob.test.ping".equals(event.path("type").asText())
                            && nonce.equals(event.path("content").path("nonce").asText())
                            && aliceId.value().equals(event.path("sender").asText());
                }
                since = answer.path("next_batch").asText(since);
            }
            assertTrue(seen, "the to-device message did not arrive through /sync within " + WAIT);
        }
    }

    private static MatrixException assertThrows403(Executable call) {
        MatrixException e = assertThrows(MatrixException.class, call);
        assertEquals(403, e.status());
        return e;
    }

    private static HttpUrl userInfoUrl(Homeserver homeserver, String token) {
        return HttpUrl.get(homeserver.baseUrl().toString()).newBuilder()
                .addPathSegments("_matrix/federation/v1/openid/userinfo")
                .addQueryParameter("access_token", token)
                .build();
    }

    private static JsonNode openIdUserInfo(Homeserver homeserver, String token) throws IOException {
        try (Response response = Http.CLIENT.newCall(new Request.Builder().url(userInfoUrl(homeserver, token)).build())
                .execute()) {
            String text = response.body().string();
            assertEquals(200, response.code(), "openid/userinfo answered " + text);
            return Http.JSON.readTree(text);
        }
    }

    private static int openIdUserInfoStatus(Homeserver homeserver, String token) throws IOException {
        try (Response response = Http.CLIENT.newCall(new Request.Builder().url(userInfoUrl(homeserver, token)).build())
                .execute()) {
            return response.code();
        }
    }
}
