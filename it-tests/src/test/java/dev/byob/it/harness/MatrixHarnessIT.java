package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.it.fixtures.AppserviceReceiver;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The harness's homeserver behaves like a real one: people talk, appservices get transactions. */
@RealServers
class MatrixHarnessIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Test
    void twoUsers_exchangeMessages_eachSeesTheOthers(Homeserver homeserver) {
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount bob = homeserver.newUser("bob");
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient bobClient = MatrixUserClient.of(bob)) {
            String room = aliceClient.createRoom("harness", bob.userId());
            assertEquals(room, bobClient.awaitInvite(WAIT));
            bobClient.join(room);

            String hello = "hello " + Names.unique("msg");
            String helloId = aliceClient.sendText(room, hello);
            RoomEvent seenByBob = bobClient.awaitMessage(room, hello, WAIT);
            assertEquals(alice.userId(), seenByBob.sender());
            assertEquals(helloId, seenByBob.eventId());

            String reply = "hi " + Names.unique("msg");
            bobClient.sendText(room, reply);
            assertEquals(bob.userId(), aliceClient.awaitMessage(room, reply, WAIT).sender());
        }
    }

    @Test
    void login_registeredUsersPassword_givesAWorkingClient(Homeserver homeserver) {
        MatrixAccount carol = homeserver.newUser("carol");

        try (MatrixUserClient client = MatrixUserClient.login(homeserver.baseUrl(), carol.localpart(),
                carol.password())) {
            assertEquals(carol.userId(), client.userId());
            String room = client.createRoom("alone");
            String body = "note " + Names.unique("msg");
            client.sendText(room, body);
            client.awaitMessage(room, body, WAIT);
        }
    }

    @Test
    void appservice_registeredBeforeStart_receivesTransactionsAtItsLoopbackEndpoint(Homeserver homeserver) {
        AppserviceRegistration registration = homeserver.appservice(HarnessAppservices.ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        try (AppserviceReceiver receiver = AppserviceReceiver.start(registration);
             MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixUserClient botClient = MatrixUserClient.withToken(homeserver.baseUrl(), bot,
                     registration.asToken())) {
            String room = aliceClient.createRoom("with a bridge", bot);
            receiver.awaitEvent("the invite of " + bot, event -> "m.room.member".equals(event.path("type").asText())
                    && bot.equals(event.path("state_key").asText())
                    && "invite".equals(event.path("content").path("membership").asText()), WAIT);

            botClient.join(room);
            String body = "to the bridge " + Names.unique("msg");
            aliceClient.sendText(room, body);
            JsonNode message = receiver.awaitEvent("alice's message", event -> room.equals(event.path("room_id").asText())
                    && body.equals(event.path("content").path("body").asText()), WAIT);
            assertEquals(alice.userId(), message.path("sender").asText());
        }
    }
}
