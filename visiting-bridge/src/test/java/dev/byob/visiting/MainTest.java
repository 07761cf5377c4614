package dev.byob.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private static final String PASSWORD = "correct horse battery staple";
    private static final String TOKEN = "syt_YWxpY2U_secrettokenvalue_1234";
    private static final String BOT_TOKEN = "syt_Ym90_secretbottokenvalue_5678";
    private static final String IRC_PASSWORD = "irc-secret-pw";

    @TempDir
    Path dir;

    MockWebServer server = new MockWebServer();
    final Deque<String> answers = new ArrayDeque<>();
    final List<String> questions = new ArrayList<>();

    record Run(int exit, String out, String err) {}

    @BeforeEach
    void start() throws IOException {
        server.start(InetAddress.getLoopbackAddress(), 0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine(q -> {
            questions.add(q);
            return answers.poll();
        });
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int exit = cmd.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }

    private void answer(int code, String json) {
        server.enqueue(new MockResponse.Builder().code(code).addHeader("Content-Type", "application/json")
                .body(json).build());
    }

    /** A configuration from the example, pointed at the mock homeserver, with or without a bot. */
    private Path config(boolean withBot) throws IOException {
        Path config = dir.resolve("config.yaml");
        Run r = run("init", "-c", config.toString());
        assertEquals(0, r.exit(), r.err());
        String text = Files.readString(config)
                .replace("https://matrix.example.org", server.url("/").toString())
                .replace("irc.libera.chat", "127.0.0.1");
        if (withBot) {
            text = text.replace("# bot: \"@alice-bridge:example.org\"", "bot: \"@alice-bridge:example.org\"");
        }
        Files.writeString(config, text);
        return config;
    }

    private static void assertNoSecrets(Run r) {
        for (String secret : List.of(PASSWORD, TOKEN, BOT_TOKEN, IRC_PASSWORD)) {
            assertFalse(r.out().contains(secret) || r.err().contains(secret), "a secret was printed: " + r);
        }
    }

    @Test
    void noArguments_printsUsageWithSubcommands() {
        Run r = run();
        assertEquals(0, r.exit());
        assertTrue(r.out().contains("init") && r.out().contains("login") && r.out().contains("run"), r.out());
    }

    @Test
    void init_writesTheCommentedExample_andRefusesToOverwrite() throws Exception {
        Path config = dir.resolve("config.yaml");
        Run first = run("init", "-c", config.toString());
        assertEquals(0, first.exit(), first.err());
        String text = Files.readString(config);
        assertTrue(text.contains("# Your homeserver's client-server API base URL."), text);
        assertTrue(text.contains("data_dir: data"), text);
        Run second = run("init", "-c", config.toString());
        assertEquals(2, second.exit());
        assertTrue(second.err().contains("exists") && second.err().contains("--force"), second.err());
        assertEquals(0, run("init", "-c", config.toString(), "--force").exit());
    }

    @Test
    void theExampleLoads() throws Exception {
        Path config = config(true);
        var cfg = dev.byob.visiting.config.VisitingBridgeConfig.load(config);
        assertEquals("@alice:example.org", cfg.user().value());
        assertEquals("@alice-bridge:example.org", cfg.vbBot().value());
        assertEquals(dir.resolve("data"), cfg.dataDir());
        assertEquals("libera", cfg.ircNetworks().get(0).id());
        assertEquals(6697, cfg.ircNetworks().get(0).port());
    }

    @Test
    void configMistakes_areAllReported_withFileAndKey_withoutAStackTrace() throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, String.join("\n",
                "homeserver:",
                "  url: matrix.example.org",
                "user: alice",
                "colour: blue",
                "irc:",
                "  networks:",
                "    - {id: Libera, host: irc.libera.chat, port: 99999, nick: alice}",
                ""));
        Run r = run("login", "-c", config.toString());
        assertEquals(2, r.exit());
        String f = config.toString();
        assertTrue(r.err().contains(f + ": homeserver.url: not an http(s) URL"), r.err());
        assertTrue(r.err().contains(f + ": user: not a Matrix user id like @alice:example.org"), r.err());
        assertTrue(r.err().contains(f + ": colour: unknown key"), r.err());
        assertTrue(r.err().contains(f + ": irc.networks[0].id: must be lower case"), r.err());
        assertTrue(r.err().contains(f + ": irc.networks[0].port: must be between 1 and 65535"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertTrue(questions.isEmpty(), "asked for a secret with a broken configuration");
    }

    @Test
    void missingConfig_saysHowToWriteOne() {
        Run r = run("run", "-c", dir.resolve("nope.yaml").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("does not exist; write one with: visiting-bridge init"), r.err());
    }

    @Test
    void login_withPasswords_checksWithWhoami_andStoresOwnerOnlyFiles() throws Exception {
        Path config = config(true);
        answers.addAll(List.of(PASSWORD, PASSWORD, IRC_PASSWORD));
        answer(200, "{\"access_token\":\"" + TOKEN + "\",\"user_id\":\"@alice:example.org\",\"device_id\":\"D\"}");
        answer(200, "{\"user_id\":\"@alice:example.org\",\"device_id\":\"D\"}");
        answer(200, "{\"access_token\":\"" + BOT_TOKEN + "\",\"user_id\":\"@alice-bridge:example.org\"}");
        answer(200, "{\"user_id\":\"@alice-bridge:example.org\",\"device_id\":\"E\"}");
        Run r = run("login", "-c", config.toString());
        assertEquals(0, r.exit(), r.err());
        assertNoSecrets(r);
        assertEquals(3, questions.size(), questions.toString());

        RecordedRequest login = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/_matrix/client/v3/login", login.getUrl().encodedPath());
        assertTrue(login.getBody().utf8().contains("\"m.login.password\""));
        RecordedRequest whoami = server.takeRequest(5, TimeUnit.SECONDS);
        assertEquals("/_matrix/client/v3/account/whoami", whoami.getUrl().encodedPath());
        assertEquals("Bearer " + TOKEN, whoami.getHeaders().get("Authorization"));

        Path data = dir.resolve("data");
        assertEquals(TOKEN, Files.readString(data.resolve("user.token")).strip());
        assertEquals(BOT_TOKEN, Files.readString(data.resolve("bot.token")).strip());
        assertEquals(IRC_PASSWORD, Files.readString(data.resolve("irc-libera.password")).strip());
        for (String file : List.of("user.token", "bot.token", "irc-libera.password", "signing.key")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve(file))),
                    file);
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(data)));
        String key = Files.readString(data.resolve("signing.key"));
        assertTrue(key.matches("ed25519 \\S+ [A-Za-z0-9+/]{43}\\n"), key);

        // A second login keeps the signing key: hosting bridges pin it.
        answers.addAll(List.of(TOKEN, BOT_TOKEN, IRC_PASSWORD));
        answer(200, "{\"user_id\":\"@alice:example.org\"}");
        answer(200, "{\"user_id\":\"@alice-bridge:example.org\"}");
        Run again = run("login", "-c", config.toString(), "--access-token", "--bot-access-token");
        assertEquals(0, again.exit(), again.err());
        assertTrue(again.out().contains("Kept the bridge's signing key"), again.out());
        assertEquals(key, Files.readString(data.resolve("signing.key")));
    }

    @Test
    void login_wrongPassword_saysSo_andStoresNothing() throws Exception {
        Path config = config(false);
        answers.add("wrong");
        answer(403, "{\"errcode\":\"M_FORBIDDEN\",\"error\":\"Invalid username or password\"}");
        Run r = run("login", "-c", config.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("refused the password for @alice:example.org"), r.err());
        assertFalse(r.err().contains("\tat "), r.err());
        assertFalse(Files.exists(dir.resolve("data").resolve("user.token")));
    }

    @Test
    void login_tokenOfAnotherUser_isRefused() throws Exception {
        Path config = config(false);
        answers.add(TOKEN);
        answer(200, "{\"user_id\":\"@mallory:example.org\"}");
        Run r = run("login", "-c", config.toString(), "--access-token");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("belongs to @mallory:example.org"), r.err());
        assertNoSecrets(r);
    }

    @Test
    void login_invalidToken_saysToLogInAgain() throws Exception {
        Path config = config(false);
        answers.add(TOKEN);
        answer(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Unknown access token\"}");
        Run r = run("login", "-c", config.toString(), "--access-token");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("does not accept the access token") && r.err().contains("M_UNKNOWN_TOKEN"),
                r.err());
        assertNoSecrets(r);
    }

    @Test
    void run_withoutLogin_namesEveryMissingCredential_andTheFix() throws Exception {
        Path config = config(true);
        Run r = run("run", "-c", config.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no access token for @alice:example.org; run: visiting-bridge login -c"), r.err());
        assertTrue(r.err().contains("no access token for the bot @alice-bridge:example.org"), r.err());
        assertTrue(r.err().contains("no password for the IRC account alice on libera"), r.err());
        assertTrue(r.err().contains("no signing key"), r.err());
    }

    @Test
    void runCheck_withRevokedToken_saysSo() throws Exception {
        Path config = config(false);
        answers.addAll(List.of(TOKEN, IRC_PASSWORD));
        answer(200, "{\"user_id\":\"@alice:example.org\"}");
        assertEquals(0, run("login", "-c", config.toString(), "--access-token").exit());
        answer(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Unknown access token\"}");
        Run r = run("run", "-c", config.toString(), "--check");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("does not accept the access token of you @alice:example.org"), r.err());
        assertNoSecrets(r);
        answer(200, "{\"user_id\":\"@alice:example.org\"}");
        Run ok = run("run", "-c", config.toString(), "--check");
        assertEquals(0, ok.exit(), ok.err());
    }

    @Test
    void run_withRevokedToken_exitsWithTheCheck_afterClosingTheStateItOpened() throws Exception {
        Path config = config(false);
        answers.addAll(List.of(TOKEN, IRC_PASSWORD));
        answer(200, "{\"user_id\":\"@alice:example.org\"}");
        assertEquals(0, run("login", "-c", config.toString(), "--access-token").exit());
        answer(401, "{\"errcode\":\"M_UNKNOWN_TOKEN\",\"error\":\"Unknown access token\"}");
        Run r = run("run", "-c", config.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("does not accept the access token of you @alice:example.org"), r.err());
        assertNoSecrets(r);
    }
}
