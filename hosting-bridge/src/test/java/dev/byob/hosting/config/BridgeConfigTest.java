package dev.byob.hosting.config;

import dev.byob.kit.config.ConfigProblem;
import dev.byob.kit.config.ConfigException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.message.Accept;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BridgeConfigTest {
    @TempDir
    Path dir;

    private List<String> problems(ConfigFiles files) {
        Path file = files.write(dir);
        ConfigException e = assertThrows(ConfigException.class, () -> BridgeConfig.load(file));
        return e.problems().stream().map(ConfigProblem::toString).toList();
    }

    private String only(ConfigFiles files) {
        List<String> problems = problems(files);
        assertEquals(1, problems.size(), problems.toString());
        return problems.get(0);
    }

    private String prefix() {
        return dir.resolve("config.yaml") + ": ";
    }

    @Test
    void load_minimalFile_fillsInEveryDefault() throws Exception {
        BridgeConfig config = BridgeConfig.load(ConfigFiles.valid().write(dir));

        assertEquals(URI.create("https://matrix.example.org"), config.homeserver().url());
        assertEquals("example.org", config.homeserver().serverName());
        AppserviceConfig appservice = config.appservice();
        assertEquals("byob-irc", appservice.id());
        assertEquals(InetAddress.getByName("127.0.0.1"), appservice.address());
        assertEquals(29340, appservice.port());
        assertEquals(URI.create("http://127.0.0.1:29340"), appservice.url());
        assertEquals("ircbridge", appservice.botLocalpart());
        assertEquals("irc_", appservice.ghostPrefix());
        assertTrue(config.tokens().asToken().matches(ConfigFiles.AS_TOKEN));
        assertTrue(config.tokens().hsToken().matches(ConfigFiles.HS_TOKEN));
        assertEquals("@ircbridge:example.org", config.botUserId());
        assertTrue(config.ghosts().contains("@irc_libera_alice:example.org"));
        assertEquals(dir.resolve("data"), config.dataDir());
        assertEquals(new DatabaseConfig.Sqlite(dir.resolve("data/hosting-bridge.db")), config.database());
        assertEquals(List.of(new IrcNetworkConfig("libera", "irc.libera.chat", 6697, true, "byobbridge", "<name>[m]",
                false)), config.ircNetworks());
        ByobPolicyConfig byob = config.byob();
        assertEquals(List.of("dm"), byob.matrixProofMethods());
        assertEquals(new Accept.LeaseTerms(90_000, 30_000), byob.leaseTerms());
        assertEquals(Duration.ofMinutes(10), byob.challengeTtl());
        assertEquals(10, byob.requestsPerVb());
        assertEquals(20, byob.requestsPerUser());
        assertEquals(Duration.ofHours(1), byob.rateWindow());
        assertEquals(64, byob.maxInFlight());
        assertEquals(4, byob.maxInFlightPerUser());
        assertEquals(Duration.ofSeconds(10), byob.fillInGrace());
        assertEquals(List.of(), byob.admins());
    }

    @Test
    void load_everySettingGiven_takesThem() throws Exception {
        ConfigFiles files = ConfigFiles.valid()
                .set("appservice.address", "::1")
                .set("appservice.port", 8099)
                .set("appservice.bot_localpart", "bridgebot")
                .set("appservice.ghost_prefix", "_irc_")
                .set("data_dir", "/var/lib/byob")
                .set("database.type", "postgres")
                .set("database.url", "jdbc:postgresql://127.0.0.1:5432/byob")
                .set("database.user", "byob")
                .set("database.password", "pw")
                .set("irc.networks[0].tls", false)
                .set("irc.networks[0].nick_template", "mx_<name>")
                .set("irc.networks[0].relaybot", true)
                .set("byob.matrix_proof_methods", List.of("to_device", "dm"))
                .set("byob.admins", List.of("@root:example.org"))
                .set("byob.lease_seconds", 120)
                .set("byob.heartbeat_seconds", 40)
                .set("byob.fill_in_grace_seconds", 2)
                .set("byob.challenge_ttl_seconds", 60)
                .set("byob.rate_limits", Map.of("requests_per_vb", 1, "requests_per_user", 2, "window_seconds", 60,
                        "max_in_flight", 8, "max_in_flight_per_user", 8));
        BridgeConfig config = BridgeConfig.load(files.write(dir));

        assertEquals(URI.create("http://[0:0:0:0:0:0:0:1]:8099"), config.appservice().url());
        assertEquals("@bridgebot:example.org", config.botUserId());
        assertEquals(Path.of("/var/lib/byob"), config.dataDir());
        DatabaseConfig.Postgres postgres = assertInstanceOf(DatabaseConfig.Postgres.class, config.database());
        assertEquals("jdbc:postgresql://127.0.0.1:5432/byob", postgres.jdbcUrl());
        assertTrue(postgres.password().orElseThrow().matches("pw"));
        IrcNetworkConfig network = config.ircNetworks().get(0);
        assertEquals(6667, network.port());
        assertFalse(network.tls());
        assertTrue(network.relaybot());
        assertEquals("mx_alice", network.nickFor("alice"));
        assertEquals(List.of("to_device", "dm"), config.byob().matrixProofMethods());
        assertEquals(new Accept.LeaseTerms(120_000, 40_000), config.byob().leaseTerms());
        assertEquals(Duration.ofSeconds(60), config.byob().rateWindow());
        assertEquals(Duration.ofSeconds(2), config.byob().fillInGrace());
        assertEquals(List.of(dev.byob.protocol.id.UserId.parse("@root:example.org")), config.byob().admins());
    }

    @Test
    void load_badHomeserverUrl_namesFileKeyAndReason() {
        assertEquals(prefix() + "homeserver.url: not an http(s) URL",
                only(ConfigFiles.valid().set("homeserver.url", "matrix.example.org")));
    }

    @Test
    void load_severalProblems_reportsEveryOneInFileOrder() {
        List<String> problems = problems(ConfigFiles.valid()
                .set("homeserver.url", "ftp://x")
                .set("homeserver.server_name", null)
                .set("appservice.port", 70000)
                .set("irc.networks[0].bot_nick", "9nick")
                .set("byob.lease_seconds", "long"));

        assertEquals(List.of(
                prefix() + "homeserver.url: not an http(s) URL",
                prefix() + "homeserver.server_name: required",
                prefix() + "appservice.port: must be between 1 and 65535",
                prefix() + "irc.networks[0].bot_nick: not a valid IRC nick",
                prefix() + "byob.lease_seconds: expected a whole number"), problems);
    }

    static Stream<Arguments> invalidSettings() {
        return Stream.of(
                Arguments.of("homeserver.url", "https://", "homeserver.url: not an http(s) URL"),
                Arguments.of("homeserver.url", "http://h/?q=1", "homeserver.url: not an http(s) URL"),
                Arguments.of("homeserver.server_name", "bad name", "homeserver.server_name: not a valid server name"),
                Arguments.of("appservice.id", "has space", "appservice.id: use at most 64 letters"),
                Arguments.of("appservice.address", "no such host.invalid", "appservice.address: not an IP address"),
                Arguments.of("appservice.port", 0, "appservice.port: must be between 1 and 65535"),
                Arguments.of("appservice.port", 1.5, "appservice.port: expected a whole number"),
                Arguments.of("appservice.url", "tcp://x", "appservice.url: not an http(s) URL"),
                Arguments.of("appservice.bot_localpart", "Bot", "appservice.bot_localpart: not a Matrix localpart"),
                Arguments.of("appservice.bot_localpart", "irc_bot",
                        "appservice.bot_localpart: must not start with ghost_prefix 'irc_'"),
                Arguments.of("appservice.ghost_prefix", "", "appservice.ghost_prefix: not a Matrix localpart"),
                Arguments.of("appservice.as_token", "short", "appservice.as_token: must be at least 16 printable"),
                Arguments.of("appservice.hs_token", ConfigFiles.AS_TOKEN, "appservice.hs_token: must differ"),
                Arguments.of("appservice.hs_token", null, "appservice.hs_token: required with as_token"),
                Arguments.of("appservice.registration", "registration.yaml",
                        "appservice.registration: give either as_token and hs_token, or registration, not both"),
                Arguments.of("appservice.extra", 1, "appservice.extra: unknown key"),
                Arguments.of("homeserver", "https://x", "homeserver: expected a mapping of settings"),
                Arguments.of("database.type", "mysql", "database.type: must be sqlite or postgres"),
                Arguments.of("database.user", "u", "database.user: applies only to type postgres"),
                Arguments.of("irc.networks", List.of(), "irc.networks: required: at least one network"),
                Arguments.of("irc.networks[0].id", "Libera", "irc.networks[0].id: use at most 32 lowercase"),
                Arguments.of("irc.networks[0].host", "irc libera", "irc.networks[0].host: not a host name"),
                Arguments.of("irc.networks[0].tls", "yes please", "irc.networks[0].tls: expected true or false"),
                Arguments.of("irc.networks[0].nick_template", "[m]", "irc.networks[0].nick_template: must contain <name>"),
                Arguments.of("irc.networks[0].nick_template", "<name> x",
                        "irc.networks[0].nick_template: does not make valid IRC nicks"),
                Arguments.of("irc.networks[0].bot_nick", List.of("a"), "irc.networks[0].bot_nick: expected a single value"),
                Arguments.of("byob.matrix_proof_methods", List.of("dm", "carrier_pigeon"),
                        "byob.matrix_proof_methods: unknown method 'carrier_pigeon'"),
                Arguments.of("byob.matrix_proof_methods", List.of("openid"),
                        "byob.matrix_proof_methods: must include dm"),
                Arguments.of("byob.matrix_proof_methods", List.of("dm", "dm"), "byob.matrix_proof_methods: lists 'dm' twice"),
                Arguments.of("byob.admins", List.of("root"), "byob.admins: 'root' is not a Matrix user id"),
                Arguments.of("byob.heartbeat_seconds", 100, "byob.heartbeat_seconds: must not exceed lease_seconds (90)"),
                Arguments.of("byob.rate_limits.max_in_flight_per_user", 100,
                        "byob.rate_limits.max_in_flight_per_user: must not exceed max_in_flight (64)"),
                Arguments.of("byob.rate_limits.requests_per_vb", 0, "byob.rate_limits.requests_per_vb: must be between"));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("invalidSettings")
    void load_invalidSetting_isReportedUnderItsKey(String key, Object value, String expected) {
        String problem = only(ConfigFiles.valid().set(key, value));
        assertTrue(problem.startsWith(prefix() + expected), problem);
    }

    @Test
    void load_postgresWithoutUrlOrUser_reportsBoth() {
        List<String> problems = problems(ConfigFiles.valid().set("database.type", "postgres")
                .set("database.path", "x.db"));
        assertEquals(List.of(prefix() + "database.path: applies only to type sqlite",
                prefix() + "database.url: required", prefix() + "database.user: required"), problems);
    }

    @Test
    void load_rooms_takesThemInOrder() throws Exception {
        Path file = ConfigFiles.valid().set("rooms", List.of(
                Map.of("room", "!abc:example.org", "network", "libera", "channel", "#byob"),
                Map.of("room", "#alias:example.org", "network", "libera", "channel", "#other"))).write(dir);

        BridgeConfig config = BridgeConfig.load(file);

        assertEquals(List.of(new RoomConfig("!abc:example.org", "libera", "#byob"),
                new RoomConfig("#alias:example.org", "libera", "#other")), config.rooms());
    }

    @Test
    void load_noRooms_none() throws Exception {
        assertEquals(List.of(), BridgeConfig.load(ConfigFiles.valid().write(dir)).rooms());
    }

    @Test
    void load_badRooms_eachProblemUnderItsKey() {
        List<String> problems = problems(ConfigFiles.valid().set("rooms", List.of(
                Map.of("room", "not-a-room", "network", "libera", "channel", "#byob"),
                Map.of("room", "!a:example.org", "network", "efnet", "channel", "#x"),
                Map.of("room", "!b:example.org", "network", "libera", "channel", "no hash"),
                Map.of("room", "!c:example.org", "network", "libera", "channel", "#X"),
                Map.of("room", "!d:example.org", "network", "libera", "channel", "#x"))));

        assertEquals(List.of(
                prefix() + "rooms[0].room: not a room id (!id:server) or alias (#alias:server)",
                prefix() + "rooms[1].network: no IRC network has id 'efnet'",
                prefix() + "rooms[2].channel: not an IRC channel name (starts with # or &, no spaces, commas or"
                        + " control characters)",
                prefix() + "rooms[4].channel: bridged to another room already"), problems);
    }

    @Test
    void load_duplicateNetworkIds_areRefused() {
        ConfigFiles files = ConfigFiles.valid();
        files.set("irc.networks", List.of(
                Map.of("id", "net", "host", "a.example", "bot_nick", "bot"),
                Map.of("id", "net", "host", "b.example", "bot_nick", "bot")));
        assertEquals(prefix() + "irc.networks[1].id: another network already has id 'net'", only(files));
    }

    @Test
    void load_wildcardAddressWithoutUrl_asksForTheUrl() {
        assertTrue(only(ConfigFiles.valid().set("appservice.address", "0.0.0.0"))
                .startsWith(prefix() + "appservice.url: required when address is a wildcard address"));
    }

    @Test
    void load_missingSections_areEachReported() throws IOException {
        Files.writeString(dir.resolve("config.yaml"), "data_dir: somewhere\n");
        ConfigException e = assertThrows(ConfigException.class, () -> BridgeConfig.load(dir.resolve("config.yaml")));
        List<String> keys = e.problems().stream().map(ConfigProblem::key).toList();
        assertEquals(List.of("homeserver", "appservice", "irc"), keys);
    }

    @Test
    void load_missingFile_saysSo() {
        Path missing = dir.resolve("nope.yaml");
        ConfigException e = assertThrows(ConfigException.class, () -> BridgeConfig.load(missing));
        assertEquals(missing + ": does not exist", e.getMessage());
        assertNull(e.problems().get(0).key());
    }

    @Test
    void load_yamlSyntaxError_givesLineAndColumn() throws IOException {
        Files.writeString(dir.resolve("config.yaml"), "homeserver:\n  url: [unclosed\n");
        ConfigException e = assertThrows(ConfigException.class, () -> BridgeConfig.load(dir.resolve("config.yaml")));
        assertTrue(e.getMessage().startsWith(prefix() + "not valid YAML: line "), e.getMessage());
    }

    @Test
    void load_duplicateKey_isAYamlError() throws IOException {
        Files.writeString(dir.resolve("config.yaml"), "data_dir: a\ndata_dir: b\n");
        ConfigException e = assertThrows(ConfigException.class, () -> BridgeConfig.load(dir.resolve("config.yaml")));
        assertTrue(e.getMessage().contains("Duplicate field 'data_dir'"), e.getMessage());
    }

    @Test
    void load_emptyFileOrNotAMapping_isRefused() throws IOException {
        Files.writeString(dir.resolve("config.yaml"), "");
        assertTrue(assertThrows(ConfigException.class, () -> BridgeConfig.load(dir.resolve("config.yaml")))
                .getMessage().endsWith("is empty; write one with: hosting-bridge generate-registration --example-config FILE"));
        Files.writeString(dir.resolve("config.yaml"), "- a\n- b\n");
        assertTrue(assertThrows(ConfigException.class, () -> BridgeConfig.load(dir.resolve("config.yaml")))
                .getMessage().endsWith("expected a YAML mapping of settings at the top level"));
    }

    @Test
    void load_dataDirIsAFile_isRefused() throws IOException {
        Files.writeString(dir.resolve("afile"), "");
        assertEquals(prefix() + "data_dir: not a directory", only(ConfigFiles.valid().set("data_dir", "afile")));
    }

    // ---- tokens from the registration file ----

    private ConfigFiles withRegistrationFile() {
        return ConfigFiles.valid().set("appservice.as_token", null).set("appservice.hs_token", null)
                .set("appservice.registration", "registration.yaml");
    }

    @Test
    void load_tokensFromRegistrationWrittenForTheConfig_readsThem() throws Exception {
        Path file = withRegistrationFile().write(dir);
        Registration registration = Registration.of(BridgeConfig.loadForRegistration(file));
        registration.write(dir.resolve("registration.yaml"), false);

        BridgeConfig config = BridgeConfig.load(file);
        assertEquals(registration.tokens(), config.tokens());
        assertEquals(dir.resolve("registration.yaml"), config.appservice().registrationFile().orElseThrow());
    }

    @Test
    void load_registrationFileMissing_saysHowToWriteIt() {
        assertEquals(prefix() + "appservice.registration: registration.yaml does not exist; write it with: "
                + "hosting-bridge generate-registration -c " + dir.resolve("config.yaml") + " -o registration.yaml",
                only(withRegistrationFile()));
    }

    @Test
    void loadForRegistration_registrationFileMissing_isFine() throws Exception {
        BridgeConfig config = BridgeConfig.loadForRegistration(withRegistrationFile().write(dir));
        assertTrue(config.appservice().tokens().isEmpty());
        assertThrows(IllegalStateException.class, config::tokens);
    }

    @Test
    void load_noTokensAtAll_asksForTheRegistration() {
        assertTrue(only(ConfigFiles.valid().set("appservice.as_token", null).set("appservice.hs_token", null))
                .startsWith(prefix() + "appservice.registration: required"));
    }

    @Test
    void load_registrationOfAnotherAppservice_isRefused() throws Exception {
        Files.writeString(dir.resolve("registration.yaml"), "id: other\nas_token: " + ConfigFiles.AS_TOKEN
                + "\nhs_token: " + ConfigFiles.HS_TOKEN + "\nsender_localpart: ircbridge\n");
        assertEquals(prefix() + "appservice.registration: registration.yaml is for appservice 'other', but "
                + "appservice.id is 'byob-irc'", only(withRegistrationFile()));
    }

    @Test
    void load_registrationWithoutTokens_isRefused() throws Exception {
        Files.writeString(dir.resolve("registration.yaml"), "id: byob-irc\nas_token: " + ConfigFiles.AS_TOKEN + "\n");
        assertEquals(prefix() + "appservice.registration: registration.yaml has no valid hs_token",
                only(withRegistrationFile()));
    }

    // ---- the example ----

    @Test
    void exampleConfig_withItsRegistration_loadsWithoutProblems() throws Exception {
        Path file = dir.resolve("config.yaml");
        ExampleConfig.write(file, false);
        BridgeConfig forRegistration = BridgeConfig.loadForRegistration(file);
        Registration.of(forRegistration).write(dir.resolve("registration.yaml"), false);

        BridgeConfig config = BridgeConfig.load(file);
        assertEquals("byob-irc", config.appservice().id());
        assertEquals("libera", config.ircNetworks().get(0).id());
        assertTrue(ExampleConfig.text().startsWith("# byob hosting bridge: example configuration."));
    }

    @Test
    void exampleConfig_existingFile_isNotOverwritten() throws IOException {
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, "mine");
        assertThrows(java.nio.file.FileAlreadyExistsException.class, () -> ExampleConfig.write(file, false));
        assertEquals("mine", Files.readString(file));
    }

    @Test
    void toString_neverShowsSecrets() throws Exception {
        BridgeConfig config = BridgeConfig.load(ConfigFiles.valid().set("database.type", "postgres")
                .set("database.url", "jdbc:postgresql://h/db").set("database.user", "u")
                .set("database.password", "hunter2hunter2").write(dir));
        String text = config.toString();
        assertFalse(text.contains(ConfigFiles.AS_TOKEN), text);
        assertFalse(text.contains(ConfigFiles.HS_TOKEN), text);
        assertFalse(text.contains("hunter2"), text);
        assertTrue(text.contains("<redacted>"), text);
    }
}
