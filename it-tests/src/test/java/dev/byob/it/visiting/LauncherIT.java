package dev.byob.it.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The visiting bridge's launcher ({@code bin/visiting-bridge} of the install tree the build makes), run through
 * {@code /bin/sh} as a user runs it: it finds Java, refuses a missing or too old one with a clear message, runs
 * the jar with its small-memory JVM options (overridable), and passes the arguments through unchanged.
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
