package dev.byob.it.bench;

import dev.byob.hosting.config.BridgeConfig;
import dev.byob.hosting.config.DatabaseConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.TestServers;
import dev.byob.it.hosting.HostingBridgeAppservices;
import dev.byob.protocol.id.UserId;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hosting bridge's end-to-end throughput: its runnable jar runs as a process of its own against the
 * harness's Synapse and IRC network, with 100 000 trust records in force, and this driver posts application-service
 * transactions of 100 events to it over loopback with the homeserver's token, one at a time as Synapse does. A
 * round ends when the bridge has <em>handled</em> every event (its {@code hosting_bridge_events_handled_total}
 * counts events deleted from the store after handling), not when the last answer came.
 *
 * <p>Two paths, reported apart because they differ by orders of magnitude:
 * <ul>
 *   <li><b>step aside</b>: messages of users whose trust is in force; per event the bridge stores it, reads it
 *       back, asks the byob engine, journals the message as awaiting the visiting bridge's relay, and deletes it;
 *   <li><b>relayed</b>: messages of users without trust; the bridge relays each through the user's own IRC
 *       connection, which IRC flood control paces (5 lines at once, then one per 1.5 s per connection).
 * </ul>
 *
 * <p>Run with {@code mvn -pl it-tests -am -Phb-load -DskipTests verify}; settings are system properties (see
 * {@link #main}). Prints medians, the ratio to the 20 000 events/s target and the bridge's memory.
 */
public final class HostingBridgeLoad {
    static final double TARGET = 20_000;
    private static final String NETWORK = "load";
    private static final int PER_TRANSACTION = 100;
    private static final Duration WAIT = Duration.ofMinutes(3);
    private static final Pattern HANDLED = Pattern.compile("(?m)^hosting_bridge_events_handled_total (\\S+)$");
    private static final Pattern HEAP_USED = Pattern.compile("used (\\d+)K");

    private final Path dir;
    private final Path jar;
    private final Path baselineJar;
    private final int baselineEvents;
    private final int records;
    private final int events;
    private final int warmups;
    private final int rounds;
    private final int relayedSenders;
    private final int relayedEvents;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
    private URI base;
    private String hsToken;
    private Process bridge;

    private HostingBridgeLoad(Path dir, Path jar, Path baselineJar, int baselineEvents, int records, int events,
                              int warmups, int rounds, int relayedSenders, int relayedEvents) {
        this.dir = dir;
        this.jar = jar;
        this.baselineJar = baselineJar;
        this.baselineEvents = baselineEvents;
        this.records = records;
        this.events = events;
        this.warmups = warmups;
        this.rounds = rounds;
        this.relayedSenders = relayedSenders;
        this.relayedEvents = relayedEvents;
    }

    /**
     * Runs the benchmark. System properties: {@code byob.hb.jar} (the bridge's {@code -all} jar, required),
     * {@code byob.load.dir} (work directory, default {@code target/load}), {@code byob.load.records} (trust records
     * in force, default 100000), {@code byob.load.events} (events per round, default 50000),
     * {@code byob.load.warmups} (default 2), {@code byob.load.rounds} (measured rounds, default 5),
     * {@code byob.load.relayedSenders} (default 4) and {@code byob.load.relayedEvents} (default 40). With
     * {@code byob.load.baselineJar} (another build's {@code -all} jar) the same measurement runs first against
     * that build, with {@code byob.load.baselineEvents} per round (default 2000), and both are printed.
     */
    public static void main(String[] args) throws Exception {
        String jar = System.getProperty("byob.hb.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            System.err.println("byob.hb.jar must name the hosting bridge's runnable jar (mvn -pl hosting-bridge "
                    + "-am -DskipTests package builds it); was " + jar);
            System.exit(2);
        }
        Path dir = Path.of(System.getProperty("byob.load.dir", "target/load")).toAbsolutePath();
        String baseline = System.getProperty("byob.load.baselineJar", "");
        if (!baseline.isEmpty() && !Files.isRegularFile(Path.of(baseline))) {
            System.err.println("byob.load.baselineJar names no file: " + baseline);
            System.exit(2);
        }
        HostingBridgeLoad load = new HostingBridgeLoad(dir, Path.of(jar), baseline.isEmpty() ? null : Path.of(baseline),
                Integer.getInteger("byob.load.baselineEvents", 2_000), Integer.getInteger("byob.load.records", 100_000),
                Integer.getInteger("byob.load.events", 50_000), Integer.getInteger("byob.load.warmups", 2),
                Integer.getInteger("byob.load.rounds", 5), Integer.getInteger("byob.load.relayedSenders", 4),
                Integer.getInteger("byob.load.relayedEvents", 40));
        try {
            load.run(TestServers.shared());
        } finally {
            load.stopBridge();
            TestServers.shared().close();
        }
        System.exit(0);
    }

    /** What one bridge build yielded. */
    record Result(String label, int events, List<Double> handled, List<Double> answered, List<Double> perCpu,
                  Round relay,
                  double delivered, double startSeconds, Memory idle, Memory afterStepAside, Memory end,
                  String loadBefore, String loadAfter) {
        double median() {
            return LoadPlan.median(handled);
        }
    }

    private void run(TestServers servers) throws Exception {
        Result baseline = null;
        if (baselineJar != null) {
            baseline = measure(servers, baselineJar, baselineEvents, "baseline " + baselineJar.getFileName());
        }
        Result result = measure(servers, jar, events, "this build " + jar.getFileName());
        System.out.println();
        System.out.printf(Locale.ROOT, "machine: %d cores, %s %s, java %s; trust records in force: %,d; %d events "
                        + "per transaction, one transaction at a time%n", Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                records, PER_TRANSACTION);
        if (baseline != null) {
            print(baseline);
        }
        print(result);
        if (baseline != null) {
            System.out.printf(Locale.ROOT, "step aside, this build / baseline: %.1f x (%,.0f / %,.0f events/s); "
                            + "per CPU second %.1f x%n", result.median() / baseline.median(), result.median(),
                    baseline.median(), LoadPlan.median(result.perCpu()) / LoadPlan.median(baseline.perCpu()));
        }
    }

    private void print(Result r) {
        System.out.println("== " + r.label());
        System.out.printf(Locale.ROOT, "step aside, %d rounds of %,d events (after %d warm-up): handled median "
                        + "%,.0f events/s (rounds: %s), %.2f x the %,.0f/s target; answered median %,.0f/s%n", rounds,
                r.events(), warmups, r.median(), list(r.handled()), r.median() / TARGET, TARGET,
                LoadPlan.median(r.answered()));
        System.out.printf(Locale.ROOT, "step aside, per second of the bridge's CPU time (all threads): median %,.0f "
                + "events (rounds: %s)%n", LoadPlan.median(r.perCpu()), list(r.perCpu()));
        System.out.printf(Locale.ROOT, "relayed, %d events from %d senders: handled (decided and queued on the "
                        + "sender's IRC connection) %,.0f/s; delivered on IRC %.1f lines/s (flood control)%n",
                relayedEvents, relayedSenders, r.relay().handledPerSecond(), r.delivered());
        System.out.printf(Locale.ROOT, "bridge start with the records: %.1f s; machine load average (1, 5, 15 min) "
                + "before %s, after %s%n", r.startSeconds(), r.loadBefore(), r.loadAfter());
        System.out.println("memory after start:      " + r.idle());
        System.out.println("memory after step aside: " + r.afterStepAside());
        System.out.println("memory at the end:       " + r.end());
    }

    /** Starts the bridge from {@code bridgeJar} on a room, channel and database of its own, and measures it. */
    private Result measure(TestServers servers, Path bridgeJar, int roundEvents, String label) throws Exception {
        System.out.println("== " + label);
        Homeserver homeserver = servers.homeserver();
        IrcNetwork irc = servers.irc();
        AppserviceRegistration registration = homeserver.appservice(HostingBridgeAppservices.LOAD_ID);
        String bot = registration.senderUserId(homeserver.serverName());
        Files.createDirectories(dir);
        Path work = Files.createTempDirectory(dir, "run-");
        String run = work.getFileName().toString().replace("run-", "").replaceAll("[^A-Za-z0-9]", "");
        String channel = "#" + Names.unique("load");
        String botNick = "hbload" + run.substring(0, Math.min(6, run.length())).toLowerCase(Locale.ROOT);
        MatrixAccount owner = homeserver.newUser("loadowner");
        String room;
        try (MatrixUserClient ownerClient = MatrixUserClient.of(owner)) {
            room = HostingBridgeAppservices.createBridgedRoom(ownerClient, owner.userId(), bot, channel);
        }
        Path configFile = HostingBridgeAppservices.writeBridgeConfig(work.resolve("config.yaml"), homeserver,
                registration, HostingBridgeAppservices.LOAD_BOT_LOCALPART, HostingBridgeAppservices.LOAD_GHOST_PREFIX,
                irc, NETWORK, botNick, room, channel,
                // No visiting bridge heartbeats here: a lease longer than the run keeps every record in force.
                "byob:", "  lease_seconds: 86400");
        BridgeConfig config = BridgeConfig.load(configFile);
        String server = homeserver.serverName();

        String loadBefore = loadAverage();
        long loadStart = System.nanoTime();
        loadTrust(bridgeJar, config, UserId.parse(bot), server);
        System.out.printf(Locale.ROOT, "loaded %,d trust records in force in %.1f s%n", records,
                (System.nanoTime() - loadStart) / 1e9);

        base = URI.create("http://127.0.0.1:" + registration.port());
        hsToken = registration.hsToken();
        try (IrcUserClient watcher = irc.user(Names.unique("watch")).connect()) {
            watcher.join(channel);
            long startNanos = System.nanoTime();
            startBridge(bridgeJar, work, configFile);
            awaitReady();
            watcher.await("the bridge bot joining " + channel, m -> m.is("JOIN") && botNick.equalsIgnoreCase(m.nick()),
                    WAIT);
            double startSeconds = (System.nanoTime() - startNanos) / 1e9;
            System.out.printf(Locale.ROOT, "bridge ready in %.1f s (pid %d)%n", startSeconds, bridge.pid());
            Memory idle = memory();
            System.out.println("memory after start: " + idle);

            LoadPlan plan = new LoadPlan(run, room, PER_TRANSACTION);
            List<Double> handled = new ArrayList<>();
            List<Double> answered = new ArrayList<>();
            List<Double> perCpu = new ArrayList<>();
            long offset = 0;
            for (int r = 0; r < warmups + rounds; r++) {
                boolean warm = r < warmups;
                String roundLabel = warm ? "warmup" + (r + 1) : "round" + (r + 1 - warmups);
                long first = offset;
                Round result = round(plan, roundLabel, roundEvents,
                        n -> "@loadlinked" + LoadPlan.spread(first + n, records) + ":" + server);
                offset += roundEvents;
                System.out.printf(Locale.ROOT, "step aside %-8s %,7d events: answered %,9.0f/s, handled %,9.0f/s, "
                                + "%,9.0f per CPU second%s%n", roundLabel, roundEvents, result.answeredPerSecond(),
                        result.handledPerSecond(), result.perCpuSecond(), warm ? " (warm-up)" : "");
                if (!warm) {
                    handled.add(result.handledPerSecond());
                    answered.add(result.answeredPerSecond());
                    perCpu.add(result.perCpuSecond());
                }
            }
            Memory afterStepAside = memory();

            // Relayed: a warm-up event per sender brings each sender's own IRC connection up first.
            List<String> plain = new ArrayList<>();
            for (int i = 0; i < relayedSenders; i++) {
                plain.add("@loadplain" + i + "_" + run + ":" + server);
            }
            Round warmRelay = round(plan, "relaywarmup", relayedSenders, n -> plain.get(n % plain.size()));
            awaitLines(watcher, "load relaywarmup ", relayedSenders);
            System.out.printf(Locale.ROOT, "relayed  warm-up %d events (one IRC connection per sender started): "
                    + "handled in %.2f s%n", relayedSenders, warmRelay.handledNanos() / 1e9);
            long relayStart = System.nanoTime();
            Round relay = round(plan, "relay", relayedEvents, n -> plain.get(n % plain.size()));
            long lastLine = awaitLines(watcher, "load relay ", relayedEvents);
            double delivered = LoadPlan.perSecond(relayedEvents, lastLine - relayStart);
            Memory end = memory();
            return new Result(label, roundEvents, handled, answered, perCpu, relay, delivered, startSeconds, idle,
                    afterStepAside, end, loadBefore, loadAverage());
        } finally {
            stopBridge();
        }
    }

    private static String list(List<Double> values) {
        List<String> out = new ArrayList<>();
        for (double v : values) {
            out.add(String.format(Locale.ROOT, "%,.0f", v));
        }
        return String.join(" ", out);
    }

    /**
     * Establishes {@link #records} trust records through the store's API, in one database transaction, in a process
     * running {@code bridgeJar}'s own store ({@link TrustLoad}), so that the database has the schema of that build.
     */
    private void loadTrust(Path bridgeJar, BridgeConfig config, UserId hbBot, String server)
            throws IOException, InterruptedException {
        if (!(config.database() instanceof DatabaseConfig.Sqlite sqlite)) {
            throw new IllegalStateException("the load driver writes the bridge's SQLite database");
        }
        String classes;
        try {
            classes = Path.of(TrustLoad.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the driver's classes", e);
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", bridgeJar + File.pathSeparator + classes,
                TrustLoad.class.getName(), sqlite.path().toAbsolutePath().toString(), Integer.toString(records),
                hbBot.value(), server, NETWORK).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("loading the trust records failed: " + out);
        }
    }

    private void startBridge(Path bridgeJar, Path work, Path configFile) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        bridge = new ProcessBuilder(java, "-jar", bridgeJar.toString(), "run", "-c", configFile.toString())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("hosting-bridge.log").toFile())
                .start();
        System.out.println("bridge log: " + work.resolve("hosting-bridge.log"));
    }

    private void stopBridge() throws InterruptedException {
        if (bridge == null) {
            return;
        }
        bridge.destroy();
        if (!bridge.waitFor(30, TimeUnit.SECONDS)) {
            bridge.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        bridge = null;
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!bridge.isAlive()) {
                throw new IllegalStateException("the bridge exited with " + bridge.exitValue() + "; see its log");
            }
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/health/ready")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the bridge was not ready within " + WAIT);
    }

    /** What a round took: until every answer came, and until every event was handled. */
    record Round(int events, long answeredNanos, long handledNanos, long cpuNanos) {
        double answeredPerSecond() {
            return LoadPlan.perSecond(events, answeredNanos);
        }

        double handledPerSecond() {
            return LoadPlan.perSecond(events, handledNanos);
        }

        /** Events per second of the bridge process's CPU time (all its threads): what contention does not change. */
        double perCpuSecond() {
            return LoadPlan.perSecond(events, Math.max(1, cpuNanos));
        }
    }

    /** Posts a round's transactions one after the other, then waits until the bridge has handled them all. */
    private Round round(LoadPlan plan, String label, int count, java.util.function.IntFunction<String> sender)
            throws Exception {
        List<LoadPlan.Transaction> txns = plan.round(label, count, sender);
        long before = handled();
        long cpuBefore = cpuNanos();
        long start = System.nanoTime();
        for (LoadPlan.Transaction txn : txns) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            base.resolve("/_matrix/app/v1/transactions/" + txn.txnId()))
                    .header("Authorization", "Bearer " + hsToken)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(txn.body()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException("transaction " + txn.txnId() + " answered " + response.statusCode()
                        + ": " + response.body());
            }
        }
        long answered = System.nanoTime() - start;
        long deadline = start + WAIT.toNanos();
        while (handled() < before + count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(label + ": the bridge handled " + (handled() - before) + " of " + count
                        + " events within " + WAIT);
            }
            Thread.sleep(1);
        }
        long took = System.nanoTime() - start;
        return new Round(count, answered, took, cpuNanos() - cpuBefore);
    }

    /** The bridge process's CPU time so far, user and system, from {@code /proc} (10 ms resolution). */
    private long cpuNanos() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(bridge.pid()), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime: fields 14 and 15
        return ticks * 10_000_000L; // USER_HZ is 100 on Linux
    }

    /** The bridge's count of handled events, from {@code /metrics}. */
    private long handled() throws Exception {
        String body = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = HANDLED.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("/metrics has no hosting_bridge_events_handled_total");
        }
        return (long) Double.parseDouble(m.group(1));
    }

    /** Waits until the watcher has seen {@code count} distinct lines starting with {@code prefix}; when the last came. */
    private static long awaitLines(IrcUserClient watcher, String prefix, int count) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            Set<String> seen = new HashSet<>();
            for (IrcMessage m : watcher.received()) {
                if (m.is("PRIVMSG") && m.params().size() > 1 && m.param(1).startsWith(prefix)) {
                    seen.add(m.param(1));
                }
            }
            if (seen.size() >= count) {
                return System.nanoTime();
            }
            Thread.sleep(5);
        }
        throw new IllegalStateException("not all " + count + " lines '" + prefix + "…' reached IRC within " + WAIT);
    }

    /** The bridge process's memory: resident set now and at its peak, and the Java heap in use after a full GC. */
    record Memory(long rssKb, long peakRssKb, long heapAfterGcKb) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "RSS %,d MiB (peak %,d MiB), heap after full GC %,d MiB", rssKb / 1024,
                    peakRssKb / 1024, heapAfterGcKb / 1024);
        }
    }

    private Memory memory() throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        command(jcmd, Long.toString(bridge.pid()), "GC.run");
        String heap = command(jcmd, Long.toString(bridge.pid()), "GC.heap_info");
        Matcher used = HEAP_USED.matcher(heap);
        long heapKb = used.find() ? Long.parseLong(used.group(1)) : -1;
        String status = Files.readString(Path.of("/proc", Long.toString(bridge.pid()), "status"));
        return new Memory(statusKb(status, "VmRSS"), statusKb(status, "VmHWM"), heapKb);
    }

    /** The machine's load average over 1, 5 and 15 minutes: other work shares the cores with the bridge. */
    private static String loadAverage() throws IOException {
        String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
        return fields[0] + " " + fields[1] + " " + fields[2];
    }

    private static long statusKb(String status, String field) {
        Matcher m = Pattern.compile("(?m)^" + field + ":\\s+(\\d+) kB").matcher(status);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static String command(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
        return out;
    }
}
