package dev.byob.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The command line: arguments in, output, files and exit code out. */
class MainTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    /** The example configuration, written through the command line, on a free port. */
    static Path exampleConfig(Path dir, int port) throws IOException {
        Path config = dir.resolve("config.yaml");
        Run r = run("generate-registration", "--example-config", config.toString());
        assertEquals(0, r.exit(), r.err());
        Files.writeString(config, Files.readString(config).replace("port: 29340 ", "port: " + port + " "));
        return config;
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void noArguments_printsUsageWithExitCodes() {
        Run r = run();
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("generate-registration"), r.out());
        assertTrue(r.out().contains("Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage."), r.out());
    }

    @Test
    void version_printsAVersionLine() {
        Run r = run("--version");
        assertEquals(0, r.exit());
        assertTrue(r.out().startsWith("hosting-bridge "), r.out());
    }

    @Test
    void generateRegistration_exampleConfig_writesTheRegistrationItNames() throws Exception {
        Path config = exampleConfig(dir, 29340);

        Run r = run("generate-registration", "-c", config.toString());

        assertEquals(0, r.exit(), r.err());
        Path registration = dir.resolve("registration.yaml");
        assertTrue(r.out().contains("Wrote the registration of appservice 'byob-irc' to " + registration), r.out());
        JsonNode yaml = YAML.readTree(registration.toFile());
        assertEquals("byob-irc", yaml.path("id").asText());
        assertEquals("http://127.0.0.1:29340", yaml.path("url").asText());
        assertTrue(yaml.path("as_token").asText().matches("[0-9a-f]{64}"));
        assertTrue(yaml.path("hs_token").asText().matches("[0-9a-f]{64}"));
        assertEquals("ircbridge", yaml.path("sender_localpart").asText());
        assertEquals("^@irc_.*:example\\.org$", yaml.path("namespaces").path("users").get(0).path("regex").asText());
        assertTrue(yaml.path("namespaces").path("users").get(0).path("exclusive").asBoolean());
        assertEquals(false, yaml.path("rate_limited").asBoolean(true));
    }

    @Test
    void generateRegistration_existingRegistration_isKeptUnlessForced() throws Exception {
        Path config = exampleConfig(dir, 29340);
        assertEquals(0, run("generate-registration", "-c", config.toString()).exit());
        Path registration = dir.resolve("registration.yaml");
        String first = Files.readString(registration);

        Run again = run("generate-registration", "-c", config.toString());
        assertEquals(2, again.exit());
        assertTrue(again.err().contains("exists and holds the tokens the homeserver knows; use --force"), again.err());
        assertEquals(first, Files.readString(registration));

        assertEquals(0, run("generate-registration", "-c", config.toString(), "--force").exit());
        assertNotEquals(first, Files.readString(registration), "new tokens");
    }

    @Test
    void generateRegistration_outputElsewhere_saysWhereTheBridgeReadsTokens() throws Exception {
        Path config = exampleConfig(dir, 29340);
        Path other = dir.resolve("elsewhere.yaml");

        Run r = run("generate-registration", "-c", config.toString(), "-o", other.toString());

        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.exists(other));
        assertTrue(r.out().contains("reads its tokens from " + dir.resolve("registration.yaml")), r.out());
    }

    @Test
    void generateRegistration_inlineTokens_areTheOnesWritten() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                homeserver: {url: "http://127.0.0.1:8008", server_name: localhost}
                appservice: {id: test, as_token: as-token-0123456789abcdef, hs_token: hs-token-0123456789abcdef}
                irc: {networks: [{id: net, host: 127.0.0.1, tls: false, bot_nick: bot}]}
                """);
        Path out = dir.resolve("out/registration.yaml");

        Run r = run("generate-registration", "-c", config.toString(), "-o", out.toString());

        assertEquals(0, r.exit(), r.err());
        JsonNode yaml = YAML.readTree(out.toFile());
        assertEquals("as-token-0123456789abcdef", yaml.path("as_token").asText());
        assertEquals("hs-token-0123456789abcdef", yaml.path("hs_token").asText());
        assertEquals("^@irc_.*:localhost$", yaml.path("namespaces").path("users").get(0).path("regex").asText());
    }

    @Test
    void generateRegistration_noOutputAnywhere_isAUsageError() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                homeserver: {url: "http://127.0.0.1:8008", server_name: localhost}
                appservice: {id: test}
                irc: {networks: [{id: net, host: 127.0.0.1, bot_nick: bot}]}
                """);

        Run r = run("generate-registration", "-c", config.toString());

        assertEquals(2, r.exit());
        assertTrue(r.err().contains("give -o/--output FILE: " + config + " has no appservice.registration"), r.err());
    }

    @Test
    void generateRegistration_withoutAnyFile_isAUsageError() {
        Run r = run("generate-registration");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("give -c/--config FILE, --example-config FILE, or both"), r.err());
    }

    @Test
    void generateRegistration_exampleConfigExists_isKept() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, "mine");
        Run r = run("generate-registration", "--example-config", config.toString());
        assertEquals(2, r.exit());
        assertEquals("mine", Files.readString(config));
    }

    @Test
    void generateRegistration_badConfig_listsEveryProblemAndWritesNothing() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                homeserver: {url: "matrix.example.org", server_name: example.org}
                appservice: {id: test, port: 0, registration: registration.yaml, colour: blue}
                irc: {networks: [{id: net, host: 127.0.0.1, bot_nick: bot}]}
                """);

        Run r = run("generate-registration", "-c", config.toString());

        assertEquals(2, r.exit());
        String[] lines = r.err().split("\n");
        assertEquals(config + ": homeserver.url: not an http(s) URL", lines[0]);
        assertEquals(config + ": appservice.port: must be between 1 and 65535", lines[1]);
        assertEquals(config + ": appservice.colour: unknown key", lines[2]);
        assertEquals("hosting-bridge: 3 problems in the configuration; nothing was started", lines[3]);
        assertTrue(Files.notExists(dir.resolve("registration.yaml")));
    }

    @Test
    void run_badConfig_listsTheProblemsAndExits2() throws Exception {
        Path config = exampleConfig(dir, 29340);
        Files.writeString(config, Files.readString(config).replace("https://matrix.example.org", "matrix"));

        Run r = run("run", "-c", config.toString());

        assertEquals(2, r.exit());
        assertTrue(r.err().contains(config + ": homeserver.url: not an http(s) URL\n"), r.err());
        assertTrue(r.err().contains(config + ": appservice.registration: registration.yaml does not exist; write it "
                + "with: hosting-bridge generate-registration -c " + config + " -o registration.yaml\n"), r.err());
        assertTrue(r.err().contains("nothing was started"), r.err());
    }

    @Test
    void run_missingConfigFile_exits2() {
        Run r = run("run", "-c", dir.resolve("absent.yaml").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith(dir.resolve("absent.yaml") + ": does not exist"), r.err());
    }

    @Test
    void run_withoutConfigOption_isAUsageError() {
        Run r = run("run");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("Missing required option: '--config=FILE'"), r.err());
    }

    @Test
    void run_portAlreadyTaken_isARuntimeFailure() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Path config = exampleConfig(dir, taken.getLocalPort());
            assertEquals(0, run("generate-registration", "-c", config.toString()).exit());

            Run r = run("run", "-c", config.toString());

            assertEquals(1, r.exit());
            assertTrue(r.err().startsWith("hosting-bridge: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
        }
    }
}
