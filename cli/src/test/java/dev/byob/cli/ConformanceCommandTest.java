package dev.byob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.cli.conformance.ConformanceRun;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code byob conformance}: its inputs, errors and exit codes (the checks run in ConformanceRunTest and the ITs). */
class ConformanceCommandTest {
    private static final String[] IRC = {"--irc-server", "127.0.0.1:6667", "--irc-account", "alice"};

    @TempDir
    Path dir;

    private static String[] args(String... more) {
        String[] all = new String[IRC.length + more.length + 1];
        all[0] = "conformance";
        System.arraycopy(IRC, 0, all, 1, IRC.length);
        System.arraycopy(more, 0, all, 1 + IRC.length, more.length);
        return all;
    }

    @Test
    void list_printsEveryCheckWithItsSection() {
        CommandRun run = CommandRun.of("conformance", "--list");

        assertEquals(0, run.exit(), run.err());
        for (ConformanceRun.Check c : ConformanceRun.CHECKS) {
            assertTrue(run.out().contains(c.id()) && run.out().contains(c.section()), c.id());
        }
    }

    @Test
    void help_documentsTheExitCodes() {
        CommandRun run = CommandRun.of("conformance", "--help");

        assertEquals(0, run.exit());
        assertTrue(run.out().replaceAll("\\s+", " ").contains("3 the run could not go on"), run.out());
    }

    @Test
    void missingToken_isUsageError_withoutEchoingTheOtherSecret() {
        CommandRun run = CommandRun.of(args("--homeserver", "http://127.0.0.1:1", "--user-token", "s3cret-user",
                "--irc-password", "s3cret-irc", "--hb-bot", "@hb:example.org", "--network", "test"));

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("BYOB_VB_TOKEN"), run.err());
        assertFalse(run.err().contains("s3cret"), run.err());
    }

    @Test
    void hbBotWithoutNetwork_isUsageError() {
        CommandRun run = CommandRun.of(args("--homeserver", "http://127.0.0.1:1", "--user-token", "u",
                "--vb-token", "v", "--irc-password", "p", "--hb-bot", "@hb:example.org"));

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--network"), run.err());
    }

    @Test
    void badIrcServer_isUsageError() {
        CommandRun run = CommandRun.of("conformance", "--homeserver", "http://127.0.0.1:1", "--user-token", "u",
                "--vb-token", "v", "--irc-password", "p", "--hb-bot", "@hb:example.org", "--network", "test",
                "--irc-server", "irc.example.org", "--irc-account", "alice");

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("HOST:PORT"), run.err());
    }

    @Test
    void secretsFile_suppliesTheTokens_andARefusedTokenExitsThree() throws Exception {
        Path secrets = Files.writeString(dir.resolve("secrets"),
                "BYOB_USER_TOKEN=s3cret-user\nBYOB_VB_TOKEN=s3cret-vb\nBYOB_IRC_PASSWORD=s3cret-irc\n");
        try (MockWebServer server = new MockWebServer()) {
            server.start(InetAddress.getLoopbackAddress(), 0);
            server.enqueue(new MockResponse.Builder().code(401).addHeader("Content-Type", "application/json")
                    .body("{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Invalid access token\"}").build());

            CommandRun run = CommandRun.of(args("--homeserver", server.url("/").toString(), "--secrets",
                    secrets.toString(), "--hb-bot", "@hb:example.org", "--network", "test"));

            assertEquals(3, run.exit(), run.err());
            assertTrue(run.err().contains("M_UNKNOWN_TOKEN"), run.err());
            assertFalse(run.err().contains("s3cret") || run.out().contains("s3cret"), run.err());
            assertEquals("Bearer s3cret-user", server.takeRequest().getHeaders().get("Authorization"));
        }
    }

    @Test
    void unreachableHomeserver_exitsThree() {
        CommandRun run = CommandRun.of(args("--homeserver", "http://127.0.0.1:1", "--user-token", "u",
                "--vb-token", "v", "--irc-password", "p", "--hb-bot", "@hb:example.org", "--network", "test"));

        assertEquals(3, run.exit(), run.err());
        assertTrue(run.err().startsWith("byob conformance: "), run.err());
    }

    @Test
    void userWithoutPassword_isUsageError_namingBothWays() {
        CommandRun run = CommandRun.of(args("--homeserver", "http://127.0.0.1:1", "--user", "@alice:example.org",
                "--vb-token", "v", "--irc-password", "p", "--hb-bot", "@hb:example.org", "--network", "test"));

        assertEquals(2, run.exit());
        assertTrue(run.err().contains("--user-token") && run.err().contains("--user-password"), run.err());
    }

    @Test
    void refusedPasswordLogin_exitsThree_withoutEchoingIt() throws Exception {
        try (MockWebServer server = new MockWebServer()) {
            server.start(InetAddress.getLoopbackAddress(), 0);
            server.enqueue(new MockResponse.Builder().code(403).addHeader("Content-Type", "application/json")
                    .body("{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Invalid password\"}").build());

            CommandRun run = CommandRun.of(args("--homeserver", server.url("/").toString(), "--user",
                    "@alice:example.org", "--user-password", "s3cret-pw", "--vb-token", "v", "--irc-password", "p",
                    "--hb-bot", "@hb:example.org", "--network", "test"));

            assertEquals(3, run.exit(), run.err());
            assertTrue(run.err().contains("M_FORBIDDEN"), run.err());
            assertFalse(run.err().contains("s3cret"), run.err());
            assertEquals(1, server.getRequestCount(), "no logout without a session");
        }
    }
}
