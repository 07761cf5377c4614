package dev.byob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code byob inspect} against a stand-in homeserver on loopback. */
class InspectCommandTest {
    @RegisterExtension
    final LoopbackHomeserver hs = new LoopbackHomeserver();
    private final MockWebServer server = hs.server;

    private String url() {
        return hs.base().toString();
    }

    private static String bridgeEvent(String type, String sender, String bridgebot, String channel) {
        return "{\"type\":\"" + type + "\",\"state_key\":\"org.example.irc://irc/libera/" + channel.replace("#", "%23")
                + "\",\"sender\":\"" + sender + "\",\"content\":{\"bridgebot\":\"" + bridgebot + "\","
                + "\"protocol\":{\"id\":\"irc\"},\"network\":{\"id\":\"libera\"},\"channel\":{\"id\":\"" + channel + "\"}}}";
    }

    @Test
    void inspect_alias_listsBridgeEventsWithTheirVerdicts() throws Exception {
        hs.answer(200, "{\"room_id\":\"!room:hs.example\",\"servers\":[\"hs.example\"]}");
        hs.answer(200, "[" + bridgeEvent("m.bridge", "@hb:hs.example", "@hb:hs.example", "#byob") + ","
                + bridgeEvent("uk.half-shot.bridge", "@mallory:hs.example", "@hb:hs.example", "#other") + ","
                + "{\"type\":\"m.room.name\",\"state_key\":\"\",\"sender\":\"@a:hs.example\",\"content\":{\"name\":\"x\"}}]");
        CommandRun r = CommandRun.of("inspect", "--homeserver", url(), "--access-token", "secret-token", "#byob:hs.example");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Room !room:hs.example (#byob:hs.example)"), r.out());
        assertTrue(r.out().contains("VALID      m.bridge  irc/libera #byob  bridged by @hb:hs.example"), r.out());
        assertTrue(r.out().contains("FORGED"), r.out());
        assertTrue(r.out().contains("sent by @mallory:hs.example, not by its bridgebot @hb:hs.example"), r.out());
        assertTrue(r.out().contains("1 of 2 bridge events to believe"), r.out());
        RecordedRequest resolve = server.takeRequest(5, TimeUnit.SECONDS);
        assertTrue(resolve.getTarget().contains("/directory/room/%23byob%3Ahs.example"), resolve.getTarget());
        assertEquals("Bearer secret-token", resolve.getHeaders().get("Authorization"));
        assertFalse(r.out().contains("secret-token") || r.err().contains("secret-token"));
    }

    @Test
    void inspect_roomWithoutBridges_saysSo() {
        hs.answer(200, "[]");
        CommandRun r = CommandRun.of("inspect", "--homeserver", url(), "--access-token", "t", "!plain:hs.example");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("no bridge events"), r.out());
    }

    @Test
    void inspect_refusedByTheHomeserver_explainsWithoutAStackTrace() {
        hs.answer(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"You aren't a member of the room\"}");
        CommandRun r = CommandRun.of("inspect", "--homeserver", url(), "--access-token", "t", "!secret:hs.example");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("the homeserver refused: M_FORBIDDEN You aren't a member of the room (HTTP 403)"),
                r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void probe_aBotThatNeverJoinsTheDm_isReportedAsNotSpeakingByob_andTheDmIsLeft() {
        java.util.List<String> seen = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        server.setDispatcher(new mockwebserver3.Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                String path = request.getUrl().encodedPath();
                seen.add(request.getMethod() + " " + path);
                String body = path.endsWith("/state") ? "[" + bridgeEvent("m.bridge", "@hb:hs.example",
                        "@hb:hs.example", "#byob") + "]"
                        : path.endsWith("/sync") ? "{\"next_batch\":\"s1\"}"
                        : path.endsWith("/createRoom") ? "{\"room_id\":\"!dm:hs.example\"}"
                        : path.endsWith("/joined_members") ? "{\"joined\":{\"@me:hs.example\":{}}}"
                        : "{}";
                return new MockResponse.Builder().code(200).addHeader("Content-Type", "application/json").body(body)
                        .build();
            }
        });
        CommandRun r = CommandRun.of("inspect", "--homeserver", url(), "--access-token", "t", "--probe",
                "--probe-seconds", "1", "!room:hs.example");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("probe @hb:hs.example: did not join a DM within 1 s"), r.out());
        assertTrue(seen.stream().anyMatch(x -> x.startsWith("POST") && x.contains("dm") && x.endsWith("/leave")),
                seen.toString());
    }

    @Test
    void inspect_badArguments_areUsageErrors() {
        assertEquals(2, CommandRun.of("inspect", "--homeserver", url(), "--access-token", "t", "--probe",
                "--probe-seconds", "0", "!r:x").exit());
        assertEquals(2, CommandRun.of("inspect", "--homeserver", "ftp://x", "--access-token", "t", "!r:x").exit());
        CommandRun noToken = CommandRun.of("inspect", "--homeserver", url(), "--access-token", "", "!r:x");
        assertEquals(2, noToken.exit());
        assertTrue(noToken.err().contains("an access token is needed"), noToken.err());
        assertEquals(2, CommandRun.of("inspect", "--homeserver", url(), "--access-token", "t", "room").exit());
    }
}
