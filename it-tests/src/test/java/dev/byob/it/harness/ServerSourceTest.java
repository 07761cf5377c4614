package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ServerSourceTest {

    @Test
    void decide_noVariablesAsRoot_startsEmbedded() {
        ServerSource source = ServerSource.decide(ServerKind.HOMESERVER, Map.of(), true);

        assertEquals(new ServerSource.Embedded(ServerKind.HOMESERVER), source);
    }

    @Test
    void decide_noVariablesNotRoot_isUnavailableWithInstructions() {
        ServerSource source = ServerSource.decide(ServerKind.HOMESERVER, Map.of(), false);

        String message = assertInstanceOf(ServerSource.Unavailable.class, source).message();
        assertTrue(message.contains("as root"), message);
        assertTrue(message.contains("BYOB_IT_HOMESERVER_URL and BYOB_IT_REGISTRATION_SECRET"), message);
        assertTrue(message.contains("-DskipITs"), message);
    }

    @Test
    void decide_urlAndSecret_usesExternalEvenAsRoot() {
        Map<String, String> env = Map.of(
                "BYOB_IT_HOMESERVER_URL", "http://127.0.0.1:8008",
                "BYOB_IT_REGISTRATION_SECRET", "s3cret",
                "BYOB_IT_SERVER_NAME", "example.test",
                "BYOB_IT_IRC_HOST", "ignored.here");

        ServerSource source = ServerSource.decide(ServerKind.HOMESERVER, env, true);

        ServerSource.External external = assertInstanceOf(ServerSource.External.class, source);
        assertEquals(Map.of(
                "BYOB_IT_HOMESERVER_URL", "http://127.0.0.1:8008",
                "BYOB_IT_REGISTRATION_SECRET", "s3cret",
                "BYOB_IT_SERVER_NAME", "example.test"), external.settings());
    }

    @Test
    void decide_urlWithoutSecret_isUnavailableNamingTheMissingVariable() {
        Map<String, String> env = Map.of("BYOB_IT_HOMESERVER_URL", "http://127.0.0.1:8008");

        ServerSource source = ServerSource.decide(ServerKind.HOMESERVER, env, true);

        String message = assertInstanceOf(ServerSource.Unavailable.class, source).message();
        assertTrue(message.contains("BYOB_IT_REGISTRATION_SECRET is not set"), message);
    }

    @Test
    void decide_blankVariable_countsAsUnset() {
        ServerSource source = ServerSource.decide(ServerKind.IRC, Map.of("BYOB_IT_IRC_HOST", "  "), false);

        assertInstanceOf(ServerSource.Unavailable.class, source);
    }

    @Test
    void decide_ircHostNotRoot_usesExternalWithOptionalPort() {
        Map<String, String> env = Map.of("BYOB_IT_IRC_HOST", "127.0.0.1", "BYOB_IT_IRC_PORT", "6697");

        ServerSource source = ServerSource.decide(ServerKind.IRC, env, false);

        ServerSource.External external = assertInstanceOf(ServerSource.External.class, source);
        assertEquals("6697", external.get("BYOB_IT_IRC_PORT", "6667"));
        assertEquals(6697, ExternalIrcNetwork.from(external).port());
    }

    @Test
    void decide_postgresUrl_usesExternal() {
        Map<String, String> env = Map.of("BYOB_IT_PG_URL", "jdbc:postgresql://127.0.0.1:5432/postgres?ssl=false",
                "BYOB_IT_PG_USER", "bridge");

        ServerSource source = ServerSource.decide(ServerKind.POSTGRES, env, false);

        ExternalPostgres postgres = ExternalPostgres.from(assertInstanceOf(ServerSource.External.class, source));
        assertEquals("bridge", postgres.user());
        assertEquals("jdbc:postgresql://127.0.0.1:5432/other?ssl=false", postgres.jdbcUrl("other"));
    }
}
