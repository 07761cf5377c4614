package dev.byob.it.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.Main;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** What the visiting bridge's integration tests share: setting it up through its command line, and waiting on it. */
final class VisitingBridges {
    static final Duration WAIT = Duration.ofSeconds(60);

    private VisitingBridges() {
    }

    /**
     * A visiting bridge configuration in {@code dir} for {@code alice} with its own bot {@code vbBot}, on the IRC
     * network {@code network} (the harness's {@code irc}) as {@code nick}, logged in to {@code account}: written by
     * {@code init}, edited, and logged in by {@code login}, as a user does.
     */
    static VisitingBridgeConfig configure(Path dir, Homeserver homeserver, MatrixAccount alice, MatrixAccount vbBot,
                                          IrcNetwork irc, String network, String nick, IrcNetwork.IrcAccount account)
            throws Exception {
        Path file = dir.resolve("config.yaml");
        cli(List.of(), "init", "-c", file.toString());
        Files.writeString(file, configYaml(homeserver, alice, vbBot, irc, network, nick, account));
        cli(List.of(alice.accessToken(), vbBot.accessToken(), account.password()), "login", "-c", file.toString(),
                "--access-token", "--bot-access-token");
        return VisitingBridgeConfig.load(file);
    }

    /** The configuration {@code init}'s file is edited into: alice with her bot, on one IRC network. */
    static String configYaml(Homeserver homeserver, MatrixAccount alice, MatrixAccount vbBot, IrcNetwork irc,
                             String network, String nick, IrcNetwork.IrcAccount account) {
        return String.join("\n",
                "homeserver:",
                "  url: " + homeserver.baseUrl(),
                "user: \"" + alice.userId() + "\"",
                "bot: \"" + vbBot.userId() + "\"",
                "data_dir: data",
                "irc:",
                "  networks:",
                "    - {id: " + network + ", host: " + irc.host() + ", port: " + irc.port() + ", tls: false, nick: "
                        + nick + ", account: " + account.name() + "}",
                "");
    }

    /** Runs the visiting bridge's command line, answering its questions with {@code answers}; it must exit 0. */
    static int cli(List<String> answers, String... args) {
        Deque<String> queue = new ArrayDeque<>(answers);
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine(q -> queue.poll());
        cmd.setErr(new PrintWriter(err, true));
        cmd.setOut(new PrintWriter(new StringWriter(), true));
        int exit = cmd.execute(args);
        if (exit != 0) {
            throw new AssertionError("visiting-bridge " + String.join(" ", args) + " exited " + exit + ": " + err);
        }
        assertEquals(0, exit);
        return exit;
    }

    /** Waits until {@code vb} has {@code count} relations, each with a live lease. */
    static void awaitTrusted(VisitingBridge vb, int count, String what) throws InterruptedException {
        Instant end = Instant.now().plus(WAIT);
        Map<TrustKey, VisitingState> relations = Map.of();
        while (Instant.now().isBefore(end)) {
            relations = vb.relations();
            if (relations.size() == count && relations.values().stream()
                    .allMatch(s -> s instanceof VisitingState.Trusted t && !t.lapsed())) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(what + ": not " + count + " live trust in " + WAIT + "; relations " + relations
                + ", sent " + vb.sentTypes());
    }

    /** Alice accepts the bot's DM (it opens one to tell her trust is established); returns that room. */
    static String acceptBotDm(MatrixUserClient aliceClient, String vbBot) {
        String dm = aliceClient.awaitEvent("an invite from " + vbBot, e -> "invite".equals(e.membership())
                && "m.room.member".equals(e.type()) && aliceClient.userId().equals(e.stateKey())
                && vbBot.equals(e.sender()), WAIT).roomId();
        aliceClient.join(dm);
        return dm;
    }

    /** The next notice of {@code vbBot} in {@code dm} containing {@code containing}. */
    static RoomEvent awaitNotice(MatrixUserClient aliceClient, String dm, String vbBot, String containing) {
        return aliceClient.awaitEvent("a notice from " + vbBot + " saying \"" + containing + "\"",
                e -> dm.equals(e.roomId()) && vbBot.equals(e.sender()) && "m.room.message".equals(e.type())
                        && "m.notice".equals(e.content().path("msgtype").asText()) && e.body().contains(containing),
                WAIT);
    }

    /** Whether {@code nick} joined a channel again after it quit, in {@code seen}. */
    static boolean joinedAfterQuit(List<IrcMessage> seen, String nick) {
        boolean quit = false;
        for (IrcMessage m : seen) {
            if (m.is("QUIT") && nick.equalsIgnoreCase(m.nick())) {
                quit = true;
            } else if (quit && m.is("JOIN") && nick.equalsIgnoreCase(m.nick())) {
                return true;
            }
        }
        return false;
    }
}
