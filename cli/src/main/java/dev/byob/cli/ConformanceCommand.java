package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.cli.conformance.CheckResult;
import dev.byob.cli.conformance.ConformanceRun;
import dev.byob.cli.conformance.ConformanceTarget;
import dev.byob.cli.conformance.LiveWire;
import dev.byob.cli.conformance.PasswordLogin;
import dev.byob.cli.conformance.Report;
import dev.byob.cli.conformance.WireException;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code byob conformance}: drives a live hosting bridge through the specification as a visiting bridge would. */
@Command(name = "conformance", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Drives a live hosting bridge (ours or anyone else's) through the byob specification as a "
                + "visiting bridge would, on a real homeserver and IRC network, and reports PASS, FAIL or SKIP per "
                + "check with the section it checks and the evidence (event ids, cancel codes).", "",
            "It runs the required behaviours (the DM, a complete handshake with a dm Matrix proof and an "
                + "irc.account_privmsg proof, heartbeats and leases, duplicates, an override by a second key, "
                + "release) and the attacks of the threat model, each of which must be refused with the right "
                + "cancel code: malformed and "
                + "wrong-version requests, requests for another bridge, signatures by other keys, wrong nonces, "
                + "replayed and altered answers, a Matrix proof from someone other than the user, IRC proofs from "
                + "a connection logged in to no account or to another account, a request outside the DM, floats and "
                + "over-deep nesting, a request typed as a text message in the DM, a heartbeat signed with the "
                + "visiting bridge's key but sent by the user's account, (when the hosting bridge's challenges are "
                + "short-lived enough) expiry, and with --flood a burst of requests. Every row of the threat model "
                + "(§14) appears: rows that cannot be observed from outside are reported SKIP with the reason. "
                + "List the checks with --list.", "",
            "It needs: the homeserver; an access token (or the user id and password) of a test user (not one linked through a real visiting "
                + "bridge: the run's handshake supersedes such a link) and of a visiting-bridge bot (an account "
                + "used for nothing else: the run creates its own DM with the hosting bridge's bot); the hosting "
                + "bridge's bot (--hb-bot, with --network) or a room it bridges to read it from (--room, MSC2346 "
                + "state); and the test user's IRC services account on that network (--irc-account, its password "
                + "for SASL). Secrets come from options, the environment (BYOB_USER_TOKEN, BYOB_VB_TOKEN, "
                + "BYOB_USER_PASSWORD, BYOB_VB_PASSWORD, BYOB_IRC_PASSWORD, BYOB_IRC_OTHER_PASSWORD) or a --secrets "
                + "file of NAME=value lines with those names; they are never printed. A password login lasts the "
                + "run: it logs out at the end.", "",
            "The run makes about a dozen requests: a hosting bridge with tight rate limits answers some with "
                + "rate_limited, and those checks are reported SKIP with the reason. It cleans up after itself: it "
                + "releases any trust it holds, leaves the rooms it created or joined, and closes every IRC "
                + "connection (each proof uses a connection of its own).", "",
            "Exit codes: 0 every check passed (or was skipped), 1 a check failed, 2 bad usage or input, "
                + "3 the run could not go on (a server unreachable, a token or password refused)."})
final class ConformanceCommand implements Callable<Integer> {
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    static final int EXIT_UNREACHABLE = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--list", description = "List the checks with their sections, and exit.")
    boolean list;

    @Option(names = "--homeserver", paramLabel = "URL", description = "The homeserver's client-server API base URL.")
    String homeserver;

    @Option(names = "--user-token", paramLabel = "TOKEN", defaultValue = "${env:BYOB_USER_TOKEN}",
            description = "The test user's access token (default: BYOB_USER_TOKEN).")
    String userToken;

    @Option(names = "--vb-token", paramLabel = "TOKEN", defaultValue = "${env:BYOB_VB_TOKEN}",
            description = "The visiting-bridge bot's access token (default: BYOB_VB_TOKEN).")
    String vbToken;

    @Option(names = "--user", paramLabel = "USER_ID",
            description = "Instead of a token: the test user, logged in with --user-password for the run.")
    String userId;

    @Option(names = "--user-password", paramLabel = "PASSWORD", defaultValue = "${env:BYOB_USER_PASSWORD}",
            description = "Its password (default: BYOB_USER_PASSWORD).")
    String userPassword;

    @Option(names = "--vb-bot", paramLabel = "USER_ID",
            description = "Instead of a token: the visiting-bridge bot, logged in with --vb-password for the run.")
    String vbBotId;

    @Option(names = "--vb-password", paramLabel = "PASSWORD", defaultValue = "${env:BYOB_VB_PASSWORD}",
            description = "Its password (default: BYOB_VB_PASSWORD).")
    String vbPassword;

    @Option(names = "--secrets", paramLabel = "FILE",
            description = "A file of NAME=value lines (BYOB_USER_TOKEN, BYOB_VB_TOKEN, BYOB_USER_PASSWORD, "
                    + "BYOB_VB_PASSWORD, BYOB_IRC_PASSWORD, BYOB_IRC_OTHER_PASSWORD) for secrets not given "
                    + "otherwise.")
    Path secrets;

    @Option(names = "--hb-bot", paramLabel = "USER_ID", description = "The hosting bridge's bot.")
    String hbBot;

    @Option(names = "--room", paramLabel = "ROOM_ID",
            description = "A room the hosting bridge bridges: its bot and network are read from the room's "
                    + "MSC2346 state, and it is where the request outside the DM is sent.")
    String room;

    @Option(names = "--network", paramLabel = "ID",
            description = "The IRC network's id, as in the bridge event's network.id (required with --hb-bot; "
                    + "with --room, picks one when the bot bridges several).")
    String network;

    @Option(names = "--irc-server", paramLabel = "HOST:PORT", description = "The IRC server.")
    String ircServer;

    @Option(names = "--irc-tls", description = "Connect to the IRC server with TLS.")
    boolean ircTls;

    @Option(names = "--irc-account", paramLabel = "NAME", description = "The test user's services account.")
    String ircAccount;

    @Option(names = "--irc-password", paramLabel = "PASSWORD", defaultValue = "${env:BYOB_IRC_PASSWORD}",
            description = "Its password, for SASL (default: BYOB_IRC_PASSWORD).")
    String ircPassword;

    @Option(names = "--irc-nick", paramLabel = "NICK",
            description = "The nick of the test user's connection (default: the account name).")
    String ircNick;

    @Option(names = "--irc-other-account", paramLabel = "NAME",
            description = "Another services account, for the proof from another account (skipped without).")
    String otherAccount;

    @Option(names = "--irc-other-password", paramLabel = "PASSWORD", defaultValue = "${env:BYOB_IRC_OTHER_PASSWORD}",
            description = "Its password (default: BYOB_IRC_OTHER_PASSWORD).")
    String otherPassword;

    @Option(names = "--reply-seconds", paramLabel = "N", defaultValue = "30",
            description = "How long to wait for a reply the hosting bridge must send (default: ${DEFAULT-VALUE}).")
    int replySeconds;

    @Option(names = "--quiet-seconds", paramLabel = "N", defaultValue = "5",
            description = "How long to wait for a reply it must not send (default: ${DEFAULT-VALUE}).")
    int quietSeconds;

    @Option(names = "--max-expiry-wait", paramLabel = "SECONDS", defaultValue = "90",
            description = "Wait out a challenge's expiry when it lives at most this long; skip the check "
                    + "otherwise (default: ${DEFAULT-VALUE}).")
    int maxExpiryWait;

    @Option(names = "--flood", description = "Also run the flood check (§14.2): a burst of requests until the "
            + "hosting bridge refuses one. Off by default: it spends the bridge's rate limits for the user and the "
            + "visiting-bridge bot.")
    boolean flood;

    @Option(names = "--json", description = "Print the results as one JSON document.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            for (ConformanceRun.Check c : ConformanceRun.CHECKS) {
                out.printf("%-6s %-20s %s%n", c.section(), c.id(), c.title());
            }
            return 0;
        }
        readSecrets();
        URI base = homeserverUrl();
        Optional<UserId> userLogin = login(userToken, userId, "--user", userPassword,
                "the test user's access token is needed (--user-token, BYOB_USER_TOKEN or --secrets), or --user "
                        + "with its password (--user-password, BYOB_USER_PASSWORD or --secrets)");
        Optional<UserId> vbLogin = login(vbToken, vbBotId, "--vb-bot", vbPassword,
                "the visiting-bridge bot's access token is needed (--vb-token, BYOB_VB_TOKEN or --secrets), or "
                        + "--vb-bot with its password (--vb-password, BYOB_VB_PASSWORD or --secrets)");
        require(ircServer, "--irc-server HOST:PORT is needed");
        require(ircAccount, "--irc-account NAME is needed (the test user's services account)");
        require(ircPassword, "the IRC account's password is needed: --irc-password, BYOB_IRC_PASSWORD or --secrets");
        if (hbBot == null && room == null) {
            throw usage("name the hosting bridge: --hb-bot USER_ID with --network ID, or --room ROOM_ID");
        }
        if (hbBot != null && network == null) {
            throw usage("--network ID is needed with --hb-bot");
        }
        if (otherAccount != null) {
            require(otherPassword, "--irc-other-account needs its password: --irc-other-password, "
                    + "BYOB_IRC_OTHER_PASSWORD or --secrets");
        }
        if (replySeconds < 1 || quietSeconds < 1 || maxExpiryWait < 0) {
            throw usage("--reply-seconds and --quiet-seconds must be at least 1, --max-expiry-wait at least 0");
        }
        LiveWire.IrcServer irc = ircServer();
        Optional<RoomId> bridged = Optional.ofNullable(room).map(r -> parse("--room", () -> RoomId.parse(r)));
        Optional<UserId> givenBot = Optional.ofNullable(hbBot).map(b -> Inputs.userId(spec, "--hb-bot", b));
        RemoteAccount account = parse("--irc-account", () -> new RemoteAccount(ircAccount));
        LiveWire.IrcLogin ircLogin = parse("--irc-account", () -> new LiveWire.IrcLogin(ircAccount, ircPassword));
        Optional<LiveWire.IrcLogin> otherLogin = Optional.ofNullable(otherAccount)
                .map(a -> parse("--irc-other-account", () -> new LiveWire.IrcLogin(a, otherPassword)));

        List<String> loggedIn = new ArrayList<>();
        try {
            userLogin.ifPresent(u -> userToken = loggedIn(base, u, userPassword, loggedIn));
            vbLogin.ifPresent(u -> vbToken = loggedIn(base, u, vbPassword, loggedIn));
            return run(base, irc, bridged, givenBot, account, ircLogin, otherLogin);
        } catch (WireException e) {
            return unreachable(e.getMessage());
        } finally {
            loggedIn.forEach(token -> PasswordLogin.logout(base, token));
        }
    }

    private Integer run(URI base, LiveWire.IrcServer irc, Optional<RoomId> bridged, Optional<UserId> givenBot,
                        RemoteAccount account, LiveWire.IrcLogin ircLogin, Optional<LiveWire.IrcLogin> otherLogin) {
        PrintWriter out = spec.commandLine().getOut();
        try (MatrixClient user = MatrixClient.builder(base, userToken).build();
             MatrixClient vb = MatrixClient.builder(base, vbToken).build()) {
            UserId userId = whoami(user, "the test user's token");
            UserId vbBot = whoami(vb, "the visiting-bridge bot's token");
            if (userId.equals(vbBot)) {
                throw usage("the test user and the visiting-bridge bot must be different accounts");
            }
            UserId bot;
            Network net;
            if (givenBot.isPresent()) {
                bot = givenBot.get();
                net = parse("--network", () -> Network.irc(network));
            } else {
                BridgeInfo info = discover(user, bridged.get());
                bot = info.hbBot();
                net = info.network();
            }
            ConformanceTarget target = new ConformanceTarget(bot, userId, vbBot, net, account,
                    Duration.ofSeconds(replySeconds), Duration.ofSeconds(quietSeconds),
                    Duration.ofSeconds(maxExpiryWait));
            if (!json) {
                out.println("byob conformance: " + bot + " on " + net + ", user " + userId + " (IRC account "
                        + account + "), visiting bridge bot " + vbBot);
                out.println();
            }
            List<CheckResult> results;
            List<String> cleanup = new ArrayList<>();
            try (LiveWire wire = new LiveWire(vb, user, bot, bridged, irc, ircLogin,
                    ircNick == null ? ircAccount : ircNick, otherLogin)) {
                ConformanceRun run = new ConformanceRun(target, wire, new SecureRandom(), flood);
                try {
                    results = run.run(r -> {
                        if (!json) {
                            out.print(Report.human(r));
                            out.flush();
                        }
                    });
                } finally {
                    try {
                        cleanup.addAll(run.cleanUp());
                    } catch (RuntimeException e) {
                        spec.commandLine().getErr().println("byob conformance: the clean-up failed: " + e.getMessage());
                    }
                }
            }
            if (json) {
                out.println(Report.json(target, results, cleanup));
            } else {
                cleanup.forEach(c -> out.println("cleanup: " + c));
                out.println();
                out.println(Report.summary(results));
            }
            return results.stream().anyMatch(r -> r.verdict() == CheckResult.Verdict.FAIL) ? EXIT_FAILED : 0;
        } catch (MatrixException e) {
            return unreachable("the homeserver refused: " + e.errcode() + " " + e.error() + " (HTTP " + e.status()
                    + ")");
        } catch (MatrixNetworkException e) {
            return unreachable("cannot reach " + homeserver + ": " + e.getMessage());
        } catch (MatrixRequestException | WireException e) {
            return unreachable(e.getMessage());
        }
    }

    /**
     * Whether to log in: empty when a token is given; the user id when it is not and an id and password are;
     * otherwise a usage error saying what is needed.
     */
    private Optional<UserId> login(String token, String id, String idOption, String password, String needed) {
        if (!blank(token)) {
            return Optional.empty();
        }
        if (blank(id) || blank(password)) {
            throw usage(needed);
        }
        return Optional.of(Inputs.userId(spec, idOption, id));
    }

    private static String loggedIn(URI base, UserId user, String password, List<String> tokens) {
        String token = PasswordLogin.login(base, user, password);
        tokens.add(token);
        return token;
    }

    private int unreachable(String message) {
        spec.commandLine().getErr().println("byob conformance: " + message);
        return EXIT_UNREACHABLE;
    }

    private UserId whoami(MatrixClient client, String what) {
        try {
            return client.whoami().userId();
        } catch (MatrixException e) {
            throw new WireException(what + " was refused: " + e.errcode() + " " + e.error(), e);
        }
    }

    /** The one usable bridge event in {@code room} (of {@code --network}, if given). */
    private BridgeInfo discover(MatrixClient user, RoomId bridged) {
        List<BridgeInfo> usable = new ArrayList<>();
        for (JsonNode event : user.getRoomState(bridged)) {
            String type = event.path("type").asText();
            if (!BridgeInfo.isBridgeEventType(type)) {
                continue;
            }
            UserId sender;
            try {
                sender = UserId.parse(event.path("sender").asText());
            } catch (IllegalArgumentException e) {
                continue;
            }
            BridgeInfo.Reading reading = BridgeInfo.read(type, event.path("state_key").asText(), sender,
                    event.path("content"));
            reading.info().filter(i -> reading.verdict() == BridgeInfo.Verdict.VALID && i.active()
                    && (network == null || network.equals(i.network().id()))).ifPresent(usable::add);
        }
        List<UserId> bots = usable.stream().map(BridgeInfo::hbBot).distinct().toList();
        List<Network> networks = usable.stream().map(BridgeInfo::network).distinct().toList();
        if (usable.isEmpty()) {
            throw usage("--room " + bridged + ": no usable bridge event (m.bridge or uk.half-shot.bridge sent by "
                    + "its bridgebot" + (network == null ? "" : ", for network " + network) + "); see "
                    + "'byob inspect', or name the bot with --hb-bot");
        }
        if (bots.size() > 1 || networks.size() > 1) {
            throw usage("--room " + bridged + " is bridged by " + bots + " on " + networks
                    + ": pick one with --network, or name the bot with --hb-bot");
        }
        return usable.get(0);
    }

    private void readSecrets() {
        if (secrets == null) {
            return;
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(secrets)) {
            p.load(r);
        } catch (IOException e) {
            throw usage("--secrets " + secrets + ": cannot read it (" + e.getClass().getSimpleName() + ")");
        }
        userToken = blank(userToken) ? p.getProperty("BYOB_USER_TOKEN") : userToken;
        userPassword = blank(userPassword) ? p.getProperty("BYOB_USER_PASSWORD") : userPassword;
        vbPassword = blank(vbPassword) ? p.getProperty("BYOB_VB_PASSWORD") : vbPassword;
        vbToken = blank(vbToken) ? p.getProperty("BYOB_VB_TOKEN") : vbToken;
        ircPassword = blank(ircPassword) ? p.getProperty("BYOB_IRC_PASSWORD") : ircPassword;
        otherPassword = blank(otherPassword) ? p.getProperty("BYOB_IRC_OTHER_PASSWORD") : otherPassword;
    }

    private URI homeserverUrl() {
        require(homeserver, "--homeserver URL is needed");
        try {
            URI base = URI.create(homeserver);
            if (("http".equals(base.getScheme()) || "https".equals(base.getScheme())) && base.getHost() != null) {
                return base;
            }
        } catch (IllegalArgumentException e) {
            // Reported below.
        }
        throw usage("--homeserver: '" + homeserver + "' is not an http(s) URL");
    }

    private LiveWire.IrcServer ircServer() {
        int colon = ircServer.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new IllegalArgumentException("no port");
            }
            return new LiveWire.IrcServer(ircServer.substring(0, colon), Integer.parseInt(ircServer.substring(colon + 1)),
                    ircTls);
        } catch (IllegalArgumentException e) {
            throw usage("--irc-server: '" + ircServer + "' is not HOST:PORT");
        }
    }

    private <T> T parse(String option, java.util.function.Supplier<T> parser) {
        try {
            return parser.get();
        } catch (IllegalArgumentException e) {
            throw usage(option + ": " + e.getMessage());
        }
    }

    private void require(String value, String message) {
        if (blank(value)) {
            throw usage(message);
        }
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
