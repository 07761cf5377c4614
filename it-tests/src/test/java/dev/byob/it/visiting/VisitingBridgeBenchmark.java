package dev.byob.it.visiting;

import dev.byob.hosting.HostingBridge;
import dev.byob.hosting.bridge.BridgeState;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.FileTrees;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.ManagedProcess;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.TestServers;
import dev.byob.it.hosting.HostingBridgeAppservices;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.IntPredicate;

/**
 * The visiting bridge's footprint on a small machine, from one run against the harness's real servers: the
 * reference hosting bridge (in this JVM) bridges N rooms (default 50) of alice to N channels, and alice's visiting
 * bridge runs as its own process through its launcher, as installed. Reported:
 *
 * <ul>
 *   <li>start to the first completed {@code /sync} of alice (the bridge's log line): the first start ever (a fresh
 *       data directory, the launcher's class-data archive not made yet; it is made when this start stops), the
 *       median of several restarts (state kept, trust resumed: the usual start of an installed bridge) and the
 *       median of several starts from a fresh data directory (a full initial sync of the N rooms and a new
 *       handshake, whose DM is created while that sync is handled);</li>
 *   <li>resident memory ({@code VmRSS}) after a steady minute of one more restart, once its IRC connection is in
 *       all N channels, and the CPU time it used during that idle minute;</li>
 *   <li>messages per second puppeted each way, counted when seen on the other side: alice's Matrix messages as
 *       lines of her IRC account (seen by bob on IRC), and lines of her other IRC client as Matrix events from her
 *       (seen by her Matrix client), the median of several rounds.</li>
 * </ul>
 *
 * <p>Run: {@code mvn -pl it-tests -am -Pvb-bench -DskipTests verify}; settings as system properties in
 * {@code -Dvb.bench.args="..."}: {@code vb.bench.rooms}, {@code vb.bench.starts}, {@code vb.bench.steady} (seconds),
 * {@code vb.bench.rounds}, {@code vb.bench.toIrc}, {@code vb.bench.toMatrix} (messages per round) and
 * {@code vb.bench.jvmOptions} (for {@code VISITING_BRIDGE_OPTS}). The report goes to standard output and to
 * {@code target/vb-bench/report.txt}.
 */
public final class VisitingBridgeBenchmark {
    private static final String NETWORK = "bench";
    private static final String BOT_NICK = "hbbenchbot";
    private static final String SOURCE_FIELD = "org.matrix.msc3647.source";
    private static final String READY_LINE = "first /sync of the user handled";
    private static final Duration SETUP = Duration.ofMinutes(5);

    private final int rooms = Integer.getInteger("vb.bench.rooms", 50);
    private final int starts = Integer.getInteger("vb.bench.starts", 5);
    private final Duration steady = Duration.ofSeconds(Integer.getInteger("vb.bench.steady", 60));
    private final int rounds = Integer.getInteger("vb.bench.rounds", 3);
    private final int toIrc = Integer.getInteger("vb.bench.toIrc", 30);
    private final int toMatrix = Integer.getInteger("vb.bench.toMatrix", 100);
    private final String jvmOptions = System.getProperty("vb.bench.jvmOptions", "");
    private final Path dir;
    private final PrintStream out = System.out;
    private final List<String> report = new ArrayList<>();

    private VisitingBridgeBenchmark(Path dir) {
        this.dir = dir;
    }

    /** Runs the benchmark once; the servers are started and stopped here. */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(System.getProperty("vb.bench.dir", "target/vb-bench")).toAbsolutePath();
        FileTrees.recreate(dir);
        try (TestServers servers = TestServers.shared()) {
            new VisitingBridgeBenchmark(dir).run(servers.homeserver(), servers.irc());
        }
        System.exit(0);
    }

    private void run(Homeserver homeserver, IrcNetwork irc) throws Exception {
        long ticks = Launcher.clockTicks();
        String loadBefore = loadAverage();
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.BENCH_ID);
        String hbBot = registration.senderUserId(homeserver.serverName());
        MatrixAccount alice = homeserver.newUser("alice");
        MatrixAccount vbBot = homeserver.newUser("vbbot");
        IrcNetwork.IrcAccount aliceIrc = irc.newAccount("alice");
        HostingBridge hb = null;
        ManagedProcess vb = null;
        try (MatrixUserClient aliceClient = MatrixUserClient.of(alice);
             IrcUserClient bob = irc.user(Names.unique("bob")).connect()) {
            progress("creating %d bridged rooms", rooms);
            List<String> roomIds = new ArrayList<>();
            List<String> channels = new ArrayList<>();
            List<String> roomLines = new ArrayList<>(List.of("rooms:"));
            for (int i = 0; i < rooms; i++) {
                String channel = "#" + Names.unique("bench" + i);
                bob.join(channel);
                String room = HostingBridgeAppservices.createBridgedRoom(aliceClient, alice.userId(), hbBot, channel);
                channels.add(channel);
                roomIds.add(room);
                roomLines.add("  - {room: \"" + room + "\", network: " + NETWORK + ", channel: \"" + channel + "\"}");
            }
            List<String> rest = new ArrayList<>(List.of("irc:", "  networks:",
                    "    - {id: " + NETWORK + ", host: " + irc.host() + ", port: " + irc.port()
                            + ", tls: false, bot_nick: " + BOT_NICK + "}"));
            rest.addAll(roomLines);
            Files.createDirectories(dir.resolve("hb"));
            Path hbConfig = HostingBridgeAppservices.writeConfig(dir.resolve("hb").resolve("config.yaml"), homeserver,
                    registration, HostingBridgeAppservices.BENCH_BOT_LOCALPART,
                    HostingBridgeAppservices.BENCH_GHOST_PREFIX, rest.toArray(String[]::new));
            hb = HostingBridge.bridging(BridgeConfig.load(hbConfig)).start();
            progress("waiting for the hosting bridge's MSC2346 state in every room");
            Set<String> announced = new HashSet<>();
            aliceClient.awaitEvent("the hosting bridge's state in all " + rooms + " rooms", e -> {
                if (hbBot.equals(e.sender()) && BridgeState.EVENT_TYPES.contains(e.type())) {
                    announced.add(e.roomId());
                }
                return announced.containsAll(roomIds);
            }, SETUP);

            Path config = setUpVisitingBridge(homeserver, irc, alice, vbBot, aliceIrc);
            Path data = config.resolveSibling("data");
            Path pristine = config.resolveSibling("data.after-login");
            FileTrees.copy(data, pristine);

            // The launcher's class-data archive lives here: the first start makes it, later ones map it.
            Path cache = dir.resolve("cache");
            progress("first start through the launcher (fresh data directory, no class-data archive yet)");
            Instant started = Instant.now();
            Duration firstReady;
            try (ManagedProcess first = start(1, cache, config)) {
                firstReady = Duration.between(started, Launcher.awaitLine(first, READY_LINE, SETUP));
                Launcher.awaitLine(first, "trust established with", SETUP);
            }
            Path trusted = config.resolveSibling("data.trusted");
            FileTrees.copy(data, trusted);

            List<Duration> restartReady = new ArrayList<>();
            for (int s = 0; s < starts; s++) {
                progress("restart %d of %d (state kept: trust resumed)", s + 1, starts);
                FileTrees.delete(data);
                FileTrees.copy(trusted, data);
                Instant t0 = Instant.now();
                try (ManagedProcess again = start(restartReady.size() + 2, cache, config)) {
                    restartReady.add(Duration.between(t0, Launcher.awaitLine(again, READY_LINE, SETUP)));
                }
            }

            progress("the measured run: a restart; waiting for its IRC connection to join the %d channels", rooms);
            FileTrees.delete(data);
            FileTrees.copy(trusted, data);
            String nick = aliceIrc.name();
            int seenBefore = bob.received().size();
            vb = start(starts + 2, cache, config);
            Launcher.awaitLine(vb, READY_LINE, SETUP);
            awaitCount(bob, "JOINs of " + nick, n -> n == rooms, SETUP,
                    m -> m.is("JOIN") && nick.equalsIgnoreCase(m.nick()) && channels.stream()
                            .anyMatch(c -> c.equalsIgnoreCase(m.param(0))), seenBefore);

            progress("steady for %d s", steady.toSeconds());
            long pid = vb.pid();
            Duration cpuBefore = Launcher.cpuTime(pid, ticks);
            Thread.sleep(steady.toMillis());
            Duration idleCpu = Launcher.cpuTime(pid, ticks).minus(cpuBefore);
            long rssKib = Launcher.residentKib(pid);
            long peakKib = Launcher.peakResidentKib(pid);

            List<Rate> toIrcRates = new ArrayList<>();
            for (int r = 0; r < rounds; r++) {
                toIrcRates.add(toIrc(aliceClient, bob, roomIds, channels, nick, r));
            }
            List<Rate> toMatrixRates = new ArrayList<>();
            try (IrcUserClient phone = irc.user(Names.unique("aphone")).sasl(aliceIrc.name(), aliceIrc.password())
                    .connect()) {
                channels.forEach(phone::join);
                for (int r = 0; r < rounds; r++) {
                    toMatrixRates.add(toMatrix(aliceClient, phone, channels, alice.userId(), r));
                }
            }
            long peakAfterLoadKib = Launcher.peakResidentKib(pid);
            long rssAfterLoadKib = Launcher.residentKib(pid);
            vb.close();

            List<Duration> freshReady = new ArrayList<>();
            for (int s = 0; s < starts; s++) {
                FileTrees.delete(data);
                FileTrees.copy(pristine, data);
                progress("fresh start %d of %d", s + 1, starts);
                Instant t0 = Instant.now();
                try (ManagedProcess again = start(starts + 3 + s, cache, config)) {
                    freshReady.add(Duration.between(t0, Launcher.awaitLine(again, READY_LINE, SETUP)));
                }
            }

            line("machine: %d CPUs, load average (1, 5, 15 min) %s at the start, %s at the end",
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAverage());
            report(firstReady, restartReady, freshReady, idleCpu, rssKib, peakKib, rssAfterLoadKib, peakAfterLoadKib, toIrcRates, toMatrixRates);
        } finally {
            if (vb != null) {
                vb.close();
            }
            if (hb != null) {
                hb.stop();
            }
        }
    }

    /** {@code init} and {@code login} through the launcher, as a user does; returns the configuration file. */
    private Path setUpVisitingBridge(Homeserver homeserver, IrcNetwork irc, MatrixAccount alice, MatrixAccount vbBot,
                                     IrcNetwork.IrcAccount aliceIrc) throws IOException, InterruptedException {
        Path config = dir.resolve("vb").resolve("config.yaml");
        Files.createDirectories(config.getParent());
        check(Launcher.run(Map.of(), "", "init", "-c", config.toString()), "init");
        Files.writeString(config, VisitingBridges.configYaml(homeserver, alice, vbBot, irc, NETWORK, aliceIrc.name(),
                aliceIrc));
        String answers = alice.accessToken() + "\n" + vbBot.accessToken() + "\n" + aliceIrc.password() + "\n";
        check(Launcher.run(Map.of(), answers, "login", "-c", config.toString(), "--access-token",
                "--bot-access-token"), "login");
        return config;
    }

    /** One message per room in turn from alice's Matrix client; the rate at which bob sees them from her account. */
    private Rate toIrc(MatrixUserClient alice, IrcUserClient bob, List<String> rooms, List<String> channels,
                       String nick, int round) {
        String tag = "to-irc-" + round + "-" + Names.unique("m");
        progress("round %d: %d messages Matrix -> IRC", round + 1, toIrc);
        Instant t0 = Instant.now();
        for (int i = 0; i < toIrc; i++) {
            alice.sendText(rooms.get(i % rooms.size()), tag + " " + i);
        }
        Instant sent = Instant.now();
        Instant last = awaitCount(bob, toIrc + " lines " + tag, n -> n == toIrc, Duration.ofSeconds(30 + 3L * toIrc),
                m -> m.is("PRIVMSG") && nick.equalsIgnoreCase(m.nick()) && m.param(1).startsWith(tag + " ")
                        && channels.stream().anyMatch(c -> c.equalsIgnoreCase(m.param(0))));
        return new Rate(toIrc, Duration.between(t0, sent), Duration.between(t0, last));
    }

    /** One line per channel in turn from alice's other IRC client; the rate at which she sees them on Matrix. */
    private Rate toMatrix(MatrixUserClient alice, IrcUserClient phone, List<String> channels, String aliceId,
                          int round) {
        String tag = "to-matrix-" + round + "-" + Names.unique("m");
        progress("round %d: %d messages IRC -> Matrix", round + 1, toMatrix);
        Instant t0 = Instant.now();
        for (int i = 0; i < toMatrix; i++) {
            phone.privmsg(channels.get(i % channels.size()), tag + " " + i);
        }
        Instant sent = Instant.now();
        Set<String> seen = new HashSet<>();
        alice.awaitEvent(toMatrix + " events " + tag, e -> {
            if ("m.room.message".equals(e.type()) && aliceId.equals(e.sender()) && e.content().has(SOURCE_FIELD)
                    && e.body() != null && e.body().startsWith(tag + " ")) {
                seen.add(e.body());
            }
            return seen.size() == toMatrix;
        }, Duration.ofSeconds(60 + toMatrix));
        return new Rate(toMatrix, Duration.between(t0, sent), Duration.between(t0, Instant.now()));
    }

    /** Polls {@code client}'s received lines until the number matching {@code match} satisfies {@code done}. */
    private static Instant awaitCount(IrcUserClient client, String what, IntPredicate done, Duration timeout,
                                      java.util.function.Predicate<IrcMessage> match) {
        return awaitCount(client, what, done, timeout, match, 0);
    }

    /** As above, counting only the lines received after the first {@code skip}. */
    private static Instant awaitCount(IrcUserClient client, String what, IntPredicate done, Duration timeout,
                                      java.util.function.Predicate<IrcMessage> match, int skip) {
        Instant end = Instant.now().plus(timeout);
        int count = 0;
        while (Instant.now().isBefore(end)) {
            List<IrcMessage> received = client.received();
            count = (int) received.subList(Math.min(skip, received.size()), received.size()).stream().filter(match)
                    .count();
            if (done.test(count)) {
                return Instant.now();
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("waiting for " + what + ": " + count + " after " + timeout);
    }

    /** {@code count} messages sent in {@code sending}, the last seen on the other side after {@code seen}. */
    private record Rate(int count, Duration sending, Duration seen) {
        double perSecond() {
            return count * 1000.0 / Math.max(1, seen.toMillis());
        }
    }

    private void report(Duration firstReady, List<Duration> restartReady, List<Duration> freshReady, Duration idleCpu, long rssKib, long peakKib, long rssAfterLoadKib,
                        long peakAfterLoadKib, List<Rate> toIrcRates, List<Rate> toMatrixRates) throws IOException {
        line("visiting bridge benchmark: %d bridged rooms, JVM options from the launcher%s", rooms,
                jvmOptions.isBlank() ? "" : " + VISITING_BRIDGE_OPTS=\"" + jvmOptions + "\"");
        line("ready = start of the launcher to the log line \"%s\" (the first /sync of the process handled)",
                READY_LINE);
        line("ready, first start ever (fresh data dir, no class-data archive yet): %.2f s",
                firstReady.toMillis() / 1000.0);
        readyLine("ready after a restart (state kept, trust resumed)", restartReady);
        readyLine("ready from a fresh data dir (full initial sync, new handshake)", freshReady);
        double rssMib = rssKib / 1024.0;
        double cpuPercent = 100.0 * idleCpu.toMillis() / steady.toMillis();
        line("RSS after a steady %d s: %.1f MiB (peak so far %.1f MiB); target <= 64 MiB: %.2f x", steady.toSeconds(),
                rssMib, peakKib / 1024.0, rssMib / 64.0);
        line("CPU time while idle over those %d s: %d ms (%.2f %% of one core)", steady.toSeconds(), idleCpu.toMillis(),
                cpuPercent);
        rates("Matrix -> IRC", toIrcRates);
        rates("IRC -> Matrix", toMatrixRates);
        line("RSS after the message rounds: %.1f MiB (peak %.1f MiB)", rssAfterLoadKib / 1024.0,
                peakAfterLoadKib / 1024.0);
        Files.write(dir.resolve("report.txt"), report, StandardCharsets.UTF_8);
    }

    private void readyLine(String what, List<Duration> ready) {
        double median = median(ready.stream().map(d -> d.toMillis() / 1000.0).toList());
        line("%s: median %.2f s over %d starts %s; target <= 2 s: %.2f x", what, median, ready.size(),
                seconds(ready), median / 2.0);
    }

    /** Starts the visiting bridge through its launcher, its class-data archive in {@code cache}. */
    private ManagedProcess start(int n, Path cache, Path config) {
        return Launcher.start(dir.resolve("vb-run-" + n + ".log"), jvmOptions, cache, "run", "-c", config.toString());
    }

    private void rates(String direction, List<Rate> rates) {
        List<String> each = rates.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.perSecond())).toList();
        List<String> sending = rates.stream().map(r -> Long.toString(r.sending().toMillis())).toList();
        line("%s: median %.2f messages/s puppeted (rounds of %d: %s; all sent within %s ms)", direction,
                median(rates.stream().map(Rate::perSecond).toList()), rates.isEmpty() ? 0 : rates.get(0).count(),
                String.join(", ", each), String.join(", ", sending));
    }

    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
        return fields[0] + ", " + fields[1] + ", " + fields[2];
    }

    private static String seconds(List<Duration> durations) {
        return durations.stream().map(d -> String.format(Locale.ROOT, "%.2f", d.toMillis() / 1000.0)).toList()
                .toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        if (n == 0) {
            return Double.NaN;
        }
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private void line(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args);
        report.add(text);
        out.println(text);
    }

    private void progress(String format, Object... args) {
        out.println("[vb-bench] " + String.format(Locale.ROOT, format, args));
    }

    private static void check(Launcher.Result result, String what) {
        if (result.exit() != 0) {
            throw new AssertionError("visiting-bridge " + what + " exited " + result.exit() + ": " + result.err());
        }
    }
}
