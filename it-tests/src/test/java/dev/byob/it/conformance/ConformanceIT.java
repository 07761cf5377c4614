package dev.byob.it.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.cli.ByobCommand;
import dev.byob.cli.conformance.ConformanceRun;
import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.it.hosting.HostingBridgeAppservices;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code byob conformance}, run in-process through its command line, against real hosting bridges on the harness's
 * Synapse and IRC network: the reference hosting bridge passes every check; a hosting bridge with one deliberate
 * defect ({@link NickTrustingHostingBridge}) fails the check of the section it breaks, §8.2, and only that one.
 */
@RealServers
class ConformanceIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String NETWORK = "conformance";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /** One run: exit code, the JSON report (null when none), and what went to stderr. */
    private record Run(int exit, JsonNode report, String out, String err) {
    }

    /** Runs {@code byob conformance} with {@code args}, for machines ({@code --json}) or for people. */
    private static Run conformance(boolean json, List<String> args) throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = ByobCommand.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        List<String> all = new ArrayList<>(List.of("conformance"));
        if (json) {
            all.add("--json");
        }
        all.addAll(args);
        int exit = cmd.execute(all.toArray(String[]::new));
        JsonNode report = json && !out.toString().isBlank() ? JSON.readTree(out.toString()) : null;
        return new Run(exit, report, out.toString(), err.toString());
    }

    /** The verdict lines of a report for people: "§8.2 irc-not-logged-in" to "FAIL". */
    private static Map<String, String> verdicts(String humanReport) {
        Map<String, String> verdicts = new HashMap<>();
        Matcher m = Pattern.compile("(?m)^(PASS|FAIL|SKIP)\\s+(§\\S+)\\s+(\\S+)\\s").matcher(humanReport);
        while (m.find()) {
            verdicts.put(m.group(2) + " " + m.group(3), m.group(1));
        }
        return verdicts;
    }

    /** The arguments both runs share; the visiting-bridge bot logs in with its password or uses its token. */
    private static List<String> common(Homeserver homeserver, IrcNetwork irc, MatrixAccount user, MatrixAccount vb,
                                       boolean vbByPassword, IrcNetwork.IrcAccount account,
                                       IrcNetwork.IrcAccount other) {
        List<String> vbCredentials = vbByPassword ? List.of("--vb-bot", vb.userId(), "--vb-password", vb.password())
                : List.of("--vb-token", vb.accessToken());
        List<String> args = new ArrayList<>(List.of("--homeserver", homeserver.baseUrl().toString(),
                "--user-token", user.accessToken()));
        args.addAll(vbCredentials);
        args.addAll(List.of(
                "--irc-server", irc.host() + ":" + irc.port(),
                "--irc-account", account.name(), "--irc-password", account.password(),
                "--irc-other-account", other.name(), "--irc-other-password", other.password(),
                "--reply-seconds", "20", "--quiet-seconds", "4", "--max-expiry-wait", "30"));
        return args;
    }

    private static String failures(Run run) {
        StringBuilder s = new StringBuilder("exit " + run.exit() + ", stderr: " + run.err() + "\n");
        if (run.report() != null) {
            run.report().path("checks").forEach(c -> {
                if (!"pass".equals(c.path("verdict").asText())) {
                    s.append(c).append('\n');
                }
            });
        }
        return s.toString();
    }

    @Test
    void referenceHostingBridge_passesEveryCheck_andIsLeftAsFound(Homeserver homeserver, IrcNetwork irc)
            throws Exception {
        AppserviceRegistration registration = homeserver.appservice(ConformanceAppservices.ID);
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbconf");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        IrcNetwork.IrcAccount mallory = irc.newAccount("mallory");
        String channel = "#" + Names.unique("conf");
        HostingBridge bridge = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             MatrixClient aliceKit = MatrixClient.builder(homeserver.baseUrl(), alice.accessToken()).build()) {
            String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), bot, channel);
            Path configFile = HostingBridgeAppservices.writeBridgeConfig(dir.resolve("config.yaml"), homeserver,
                    registration, ConformanceAppservices.BOT_LOCALPART, ConformanceAppservices.GHOST_PREFIX, irc,
                    NETWORK, "hbconfbot", room, channel,
                    "byob:",
                    // Short-lived challenges, so that the expiry check runs; limits above the run's dozen requests.
                    "  challenge_ttl_seconds: 15",
                    "  rate_limits: {requests_per_vb: 100, requests_per_user: 100}");
            bridge = HostingBridge.bridging(BridgeConfig.load(configFile)).start();
            awaitBridgeEvent(aliceKit, RoomId.parse(room));

            List<String> args = new ArrayList<>(common(homeserver, irc, alice, vbBot, false, aliceAccount,
                    mallory));
            args.addAll(List.of("--room", room, "--flood"));
            Run run = conformance(true, args);

            assertEquals(0, run.exit(), failures(run));
            assertEquals(ConformanceRun.CHECKS.size(), run.report().path("checks").size(), run.out());
            Set<String> unobservable = ConformanceRun.NOT_OBSERVABLE.keySet().stream().map(ConformanceRun.Check::id)
                    .collect(Collectors.toSet());
            run.report().path("checks").forEach(c -> {
                String id = c.path("id").asText();
                if (id.equals("content-float")) {
                    // Synapse refuses a float in any event of a room version from 6 on: the bridge never sees one.
                    assertEquals("skip", c.path("verdict").asText(), c.toString());
                    assertTrue(c.path("detail").asText().contains("M_BAD_JSON"), c.toString());
                } else {
                    assertEquals(unobservable.contains(id) ? "skip" : "pass", c.path("verdict").asText(),
                            c.toString());
                }
            });
            assertEquals(ConformanceRun.THREATS.size(), run.report().path("threat_model").size());
            Map<String, String> details = new HashMap<>();
            run.report().path("checks").forEach(c -> details.put(c.path("id").asText(), c.path("detail").asText()));
            assertEquals("cancel org.matrix.msc3647.invalid_message", details.get("content-depth"), run.out());
            // The user's account holds no trust: the key alone gets it refused in the user's DM (T6).
            assertEquals("cancel org.matrix.msc3647.unknown_transaction", details.get("vb-key-other-sender"),
                    run.out());
            assertTrue(details.get("dm-typed-message").startsWith("no reply within"), run.out());
            assertTrue(details.get("flood").contains("org.matrix.msc3647.busy")
                    || details.get("flood").contains("org.matrix.msc3647.rate_limited"), run.out());
            assertEquals(bot, run.report().path("hb_bot").asText(), "discovered from the room's MSC2346 event");
            assertEquals(NETWORK, run.report().path("network").path("id").asText());
            // It cleaned up: the trust it established was released, so the bridge relays alice again.
            assertEquals(dev.byob.protocol.hosting.HostingEngine.RelayMode.HOSTING, bridge.byob().engine()
                    .relayMode(dev.byob.protocol.id.UserId.parse(alice.userId()), Network.irc(NETWORK)));

            // byob inspect --probe asks the room's bridge bot whether it speaks byob: it does.
            StringWriter inspected = new StringWriter();
            CommandLine inspect = ByobCommand.commandLine();
            inspect.setOut(new PrintWriter(inspected, true));
            assertEquals(0, inspect.execute("inspect", "--homeserver", homeserver.baseUrl().toString(),
                    "--access-token", alice.accessToken(), "--probe", "--probe-seconds", "30", room));
            assertTrue(inspected.toString().contains("probe " + bot + ": answers byob: cancel "
                    + "org.matrix.msc3647.invalid_message"), inspected.toString());
        } finally {
            if (bridge != null) {
                bridge.stop();
            }
        }
    }

    @Test
    void hostingBridgeTrustingNicks_failsSection8_2_only(Homeserver homeserver, IrcNetwork irc) throws Exception {
        MatrixAccount hbBot = homeserver.newUser("brokenhb");
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbconf");
        IrcNetwork.IrcAccount aliceAccount = irc.newAccount("alice");
        IrcNetwork.IrcAccount mallory = irc.newAccount("mallory");
        Network network = Network.irc(NETWORK);
        try (NickTrustingHostingBridge broken = new NickTrustingHostingBridge(homeserver.baseUrl(),
                hbBot.accessToken(), network, irc.host(), irc.port(), Names.unique("brokenbot"))) {
            List<String> args = new ArrayList<>(common(homeserver, irc, alice, vbBot, true, aliceAccount,
                    mallory));
            args.addAll(List.of("--hb-bot", broken.botId().value(), "--network", NETWORK));
            Run run = conformance(false, args);

            assertEquals(1, run.exit(), run.out() + run.err());
            Map<String, String> verdicts = verdicts(run.out());
            assertEquals(ConformanceRun.CHECKS.size(), verdicts.size(), run.out());
            List<String> failed = verdicts.entrySet().stream().filter(e -> "FAIL".equals(e.getValue()))
                    .map(Map.Entry::getKey).toList();
            assertEquals(List.of("§8.2 irc-not-logged-in"), failed, run.out());
            assertTrue(run.out().contains("ACCEPTED (epoch"), run.out());
            assertEquals("PASS", verdicts.get("§6.1 handshake"), run.out());
            assertEquals("PASS", verdicts.get("§8.2 irc-other-account"), run.out());
            assertEquals("SKIP", verdicts.get("§3.4 outside-dm"), "no bridged room was given: " + run.out());
            assertEquals("SKIP", verdicts.get("§14.2 flood"), "not asked: " + run.out());
            assertEquals("PASS", verdicts.get("§5.5 vb-key-other-sender"), run.out());
            assertEquals("PASS", verdicts.get("§5.5 dm-typed-message"), run.out());
            ConformanceRun.NOT_OBSERVABLE.keySet().forEach(c -> assertEquals("SKIP",
                    verdicts.get(c.section() + " " + c.id()), run.out()));
            assertTrue(run.out().contains("failed: §8.2 irc-not-logged-in"), run.out());
            // The trust the defect granted was released at the end.
            assertTrue(run.out().contains("cleanup: released epoch"), run.out());
        }
    }

    private static void awaitBridgeEvent(MatrixClient client, RoomId room) throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(end)) {
            for (JsonNode event : client.getRoomState(room)) {
                if (BridgeInfo.isBridgeEventType(event.path("type").asText())) {
                    return;
                }
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the hosting bridge did not announce itself in " + room + " within " + WAIT);
    }
}
