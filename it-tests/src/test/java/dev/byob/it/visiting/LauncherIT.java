package dev.byob.it.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.byob.it.harness.ManagedProcess;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visiting bridge's launcher ({@code bin/visiting-bridge} of the install tree the build makes), run through
 * {@code /bin/sh} as a user runs it: it finds Java, refuses a missing or too old one with a clear message, runs
 * the jar with its small-memory JVM options (overridable), passes the arguments through unchanged, and keeps an
 * application class-data archive made by the first {@code run} for later starts.
 */
class LauncherIT {
    @TempDir
    Path dir;

    @Test
    void version_printsTheJarsVersion() throws Exception {
        Launcher.Result r = Launcher.run(Map.of(), "", "--version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().matches("visiting-bridge \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\s*"), r.out());
    }

    @Test
    void help_listsTheCommands() throws Exception {
        Launcher.Result r = Launcher.run(Map.of(), "", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String command : List.of("init", "login", "run")) {
            assertTrue(r.out().contains(command), r.out());
        }
    }

    @Test
    void arguments_arePassedThroughUnchanged_evenWithSpaces() throws Exception {
        Path config = dir.resolve("a dir with spaces").resolve("my config.yaml");
        Files.createDirectories(config.getParent());
        Launcher.Result r = Launcher.run(Map.of(), "", "init", "-c", config.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(Files.readString(config).contains("homeserver:"));

        Launcher.Result bad = Launcher.run(Map.of(), "", "run", "-c", dir.resolve("missing.yaml").toString());
        assertEquals(2, bad.exit(), "bad configuration is exit code 2: " + bad.err());
        assertTrue(bad.err().contains("missing.yaml"), bad.err());
    }

    @Test
    void jvmOptions_areTheSmallMemoryDefaults_andTheEnvironmentOverridesThem() throws Exception {
        Launcher.Result defaults = Launcher.run(Map.of("VISITING_BRIDGE_OPTS", "-XX:+PrintCommandLineFlags"), "",
                "--version");
        assertEquals(0, defaults.exit(), defaults.err());
        assertTrue(defaults.out().contains("-XX:+UseSerialGC"), defaults.out());
        assertTrue(defaults.out().contains("-XX:TieredStopAtLevel=1"), defaults.out());

        Launcher.Result overridden = Launcher.run(Map.of("VISITING_BRIDGE_OPTS",
                "-XX:+PrintCommandLineFlags -Xmx200m"), "", "--version");
        assertEquals(0, overridden.exit(), overridden.err());
        assertTrue(overridden.out().contains("-XX:MaxHeapSize=" + 200 * 1024 * 1024), overridden.out());
    }

    @Test
    void javaHome_withoutJava_isAClearError() throws Exception {
        Launcher.Result r = Launcher.run(Map.of("JAVA_HOME", dir.toString()), "", "--version");
        assertEquals(2, r.exit());
        assertEquals("visiting-bridge: JAVA_HOME is " + dir + ", but there is no " + dir + "/bin/java\n", r.err());
    }

    @Test
    void noJavaOnThePath_isAClearError_namingThePackage() throws Exception {
        // A PATH with the tools the launcher uses, and no java.
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String tool : List.of("dirname", "readlink", "sed", "cut", "head")) {
            Files.createSymbolicLink(bin.resolve(tool), which(tool));
        }
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", null);
        env.put("PATH", bin.toString());
        Launcher.Result r = Launcher.run(env, "", "--version");
        assertEquals(2, r.exit());
        assertTrue(r.err().startsWith("visiting-bridge: Java 17 or newer is needed and there is no java on PATH"),
                r.err());
        assertTrue(r.err().contains("apt-get install openjdk-17-jre-headless"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void javaOlderThan17_isRefusedBeforeItStarts() throws Exception {
        // An old JDK's layout: bin/java and a release file saying 11.
        Path home = Files.createDirectories(dir.resolve("jdk-11"));
        Files.createDirectories(home.resolve("bin"));
        Path java = home.resolve("bin").resolve("java");
        Files.writeString(java, "#!/bin/sh\necho started >&2\nexit 0\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"11.0.2\"\n");
        Launcher.Result r = Launcher.run(Map.of("JAVA_HOME", home.toString()), "", "--version");
        assertEquals(2, r.exit());
        assertEquals("visiting-bridge: " + java + " is Java 11.0.2; Java 17 or newer is needed; install it with: "
                + "sudo apt-get install openjdk-17-jre-headless (or set JAVA_HOME)\n", r.err());

        // Without a release file, `java -version` tells (Java 8's format).
        Files.delete(home.resolve("release"));
        Files.writeString(java, "#!/bin/sh\necho 'java version \"1.8.0_292\"' >&2\n");
        Launcher.Result eight = Launcher.run(Map.of("JAVA_HOME", home.toString()), "", "--version");
        assertEquals(2, eight.exit());
        assertTrue(eight.err().contains("is Java 1.8.0_292; Java 17 or newer is needed"), eight.err());
    }

    @Test
    void aSymbolicLinkToTheLauncher_findsTheJar() throws Exception {
        Path link = dir.resolve("visiting-bridge");
        Files.createSymbolicLink(link, Launcher.path());
        Process p = new ProcessBuilder("/bin/sh", link.toString(), "--version").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("visiting-bridge "), out);
    }

    @Test
    void run_archivesItsClassesOnce_andLaterStartsMapTheArchive() throws Exception {
        HttpServer homeserver = standInHomeserver();
        try {
            Path cache = dir.resolve("cache");
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, String.join("\n",
                    "homeserver:",
                    "  url: http://127.0.0.1:" + homeserver.getAddress().getPort(),
                    "user: \"" + USER + "\"",
                    "data_dir: data",
                    // Nothing listens there: the connection is tried again in the background.
                    "irc:",
                    "  networks:",
                    "    - {id: none, host: 127.0.0.1, port: " + closedPort() + ", tls: false, nick: alice, account: alice}",
                    ""));
            Launcher.Result login = Launcher.run(Map.of(), TOKEN + "\nirc-password\n", "login", "-c", config.toString(),
                    "--access-token");
            assertEquals(0, login.exit(), login.err());
            assertFalse(Files.exists(cache), "only run makes an archive");
            Launcher.Result failed = Launcher.run(Map.of(Launcher.CACHE, cache.toString()), "", "run", "-c",
                    dir.resolve("missing.yaml").toString());
            assertEquals(2, failed.exit(), failed.err());
            assertEquals(1, list(cache).size(), "the failed run's archive, unmarked: " + list(cache));
            String key = list(cache).get(0).split("\\.")[0];
            Path killed = Files.createFile(cache.resolve(key + ".999999999.part.ran"));

            try (ManagedProcess first = Launcher.start(dir.resolve("run-1.log"), "", cache, "run", "-c",
                    config.toString())) {
                Launcher.awaitLine(first, "first /sync of the user handled", Duration.ofSeconds(60));
                assertFalse(maps(first.pid()).contains(cache.toString()), "no archive yet: " + list(cache));
            }
            List<String> made = list(cache);
            assertEquals(2, made.size(), "the run's archive and its mark; the failed and the killed run's are gone: "
                    + made);
            assertFalse(Files.exists(killed));
            assertTrue(made.stream().allMatch(f -> f.matches("\\d+\\.\\d+\\.part(\\.ran)?")), made.toString());

            try (ManagedProcess second = Launcher.start(dir.resolve("run-2.log"), "", cache, "run", "-c",
                    config.toString())) {
                Launcher.awaitLine(second, "first /sync of the user handled", Duration.ofSeconds(60));
                List<String> kept = list(cache);
                assertEquals(1, kept.size(), kept.toString());
                assertTrue(kept.get(0).matches("\\d+\\.jsa"), kept.toString());
                assertTrue(maps(second.pid()).contains(cache.resolve(kept.get(0)).toString()),
                        "the second start maps " + kept.get(0));
                assertFalse(Files.readString(second.log()).contains("cds"), "the JVM's CDS messages are off");
            }

        } finally {
            homeserver.stop(0);
        }
    }

    private static final String USER = "@alice:localhost";
    private static final String TOKEN = "alice-token";

    /** A homeserver enough for one user's start: whoami, and /sync with no rooms (the long poll held 1 s). */
    private static HttpServer standInHomeserver() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/_matrix/client/v3/account/whoami", ex -> answer(ex, "{\"user_id\":\"" + USER + "\"}"));
        server.createContext("/_matrix/client/v3/sync", ex -> {
            if (ex.getRequestURI().getRawQuery() != null && ex.getRequestURI().getRawQuery().contains("since=")) {
                try {
                    Thread.sleep(1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            answer(ex, "{\"next_batch\":\"s1\"}");
        });
        server.createContext("/", ex -> answer(ex, "{}"));
        server.start();
        return server;
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static String maps(long pid) throws IOException {
        return Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
    }

    private static List<String> list(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    private static Path which(String tool) throws IOException {
        for (String d : System.getenv("PATH").split(":")) {
            Path p = Path.of(d, tool);
            if (Files.isExecutable(p)) {
                return p.toRealPath();
            }
        }
        throw new IOException(tool + " is not on PATH");
    }
}
