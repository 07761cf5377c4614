package dev.byob.it.visiting;

import dev.byob.it.harness.ManagedProcess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The visiting bridge as a user installs it: the launcher {@code bin/visiting-bridge} of the build's install tree
 * ({@code visiting-bridge/target/byob-visiting-bridge-*-dist/visiting-bridge}, named by the system property
 * {@code byob.vb.launcher}), run through {@code /bin/sh}, with the process's own readings from {@code /proc}.
 */
final class Launcher {
    /** The system property naming the launcher; set by this module's build. */
    static final String PROPERTY = "byob.vb.launcher";
    /** The launcher's variable naming the directory of its class-data archive ({@code off}: none). */
    static final String CACHE = "VISITING_BRIDGE_CACHE";

    private Launcher() {
    }

    /** The launcher of the install tree, failing with what to build if it is not there. */
    static Path path() {
        String value = System.getProperty(PROPERTY);
        if (value == null) {
            throw new IllegalStateException("the system property " + PROPERTY + " names no launcher; run through "
                    + "Maven: mvn -pl it-tests -am verify");
        }
        Path launcher = Path.of(value).toAbsolutePath();
        if (!Files.isRegularFile(launcher)) {
            throw new IllegalStateException(launcher + " is not built; build the visiting bridge's install tree with "
                    + "mvn -pl it-tests -am verify (or mvn -pl visiting-bridge package)");
        }
        return launcher;
    }

    /** What a finished run printed. */
    record Result(int exit, String out, String err) {
    }

    /**
     * Runs {@code sh <launcher> args} to completion with {@code env} added to this JVM's environment
     * ({@code null} values remove a variable; no class-data archive unless {@link #CACHE} is given) and
     * {@code stdin} as standard input.
     */
    static Result run(Map<String, String> env, String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("/bin/sh", path().toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        // No class-data archive in the user's cache directory unless a test asks for one.
        builder.environment().put(CACHE, "off");
        env.forEach((k, v) -> {
            if (v == null) {
                builder.environment().remove(k);
            } else {
                builder.environment().put(k, v);
            }
        });
        Process process = builder.start();
        try {
            process.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            process.getOutputStream().close();
            // Output is small; read both after exit would risk a full pipe, so read them concurrently.
            var out = new java.util.concurrent.CompletableFuture<String>();
            Thread reader = new Thread(() -> {
                try {
                    out.complete(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    out.completeExceptionally(e);
                }
            });
            reader.start();
            String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new AssertionError("visiting-bridge " + String.join(" ", args) + " did not finish in 60 s");
            }
            reader.join();
            return new Result(process.exitValue(), out.join(), err);
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * Starts {@code sh <launcher> args} as a long-running process logging to {@code log}, with
     * {@code VISITING_BRIDGE_OPTS} set to {@code jvmOptions} and its class-data archive in {@code cache}. The launcher execs Java, so the process id is
     * the JVM's.
     */
    static ManagedProcess start(Path log, String jvmOptions, Path cache, String... args) {
        List<String> command = new ArrayList<>(List.of("/bin/sh", path().toString()));
        command.addAll(List.of(args));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("VISITING_BRIDGE_OPTS", jvmOptions);
        env.put(CACHE, cache.toString());
        return ManagedProcess.builder("visiting-bridge").command(command).log(log).environment(env).start();
    }

    /**
     * The time stamp of the first line of {@code log} containing {@code text} (the bridge logs
     * {@code 2026-01-01T12:00:00.123Z [thread] [LEVEL] ...}), waiting for it until {@code timeout}.
     */
    static Instant awaitLine(ManagedProcess process, String text, Duration timeout)
            throws IOException, InterruptedException {
        Instant end = Instant.now().plus(timeout);
        while (true) {
            Optional<String> line;
            try (var lines = Files.lines(process.log(), StandardCharsets.UTF_8)) {
                line = lines.filter(l -> l.contains(text)).findFirst();
            }
            if (line.isPresent()) {
                return OffsetDateTime.parse(line.get().substring(0, line.get().indexOf(' '))).toInstant();
            }
            if (!process.isAlive()) {
                throw new AssertionError("the visiting bridge exited (" + process.exitCode() + ") before logging \""
                        + text + "\"; see " + process.log());
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("the visiting bridge did not log \"" + text + "\" in " + timeout + "; see "
                        + process.log());
            }
            Thread.sleep(20);
        }
    }

    /** The process's resident memory ({@code VmRSS} of {@code /proc/PID/status}), in KiB. */
    static long residentKib(long pid) throws IOException {
        return statusKib(pid, "VmRSS:");
    }

    /** The process's peak resident memory ({@code VmHWM}), in KiB. */
    static long peakResidentKib(long pid) throws IOException {
        return statusKib(pid, "VmHWM:");
    }

    private static long statusKib(long pid, String field) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith(field)) {
                return Long.parseLong(line.substring(field.length()).replace("kB", "").strip());
            }
        }
        throw new IOException("no " + field + " in /proc/" + pid + "/status");
    }

    /** The process's CPU time so far, user plus system ({@code utime + stime} of {@code /proc/PID/stat}). */
    static Duration cpuTime(long pid, long ticksPerSecond) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at 3.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(fields[14 - 3]) + Long.parseLong(fields[15 - 3]);
        return Duration.ofNanos(ticks * 1_000_000_000L / ticksPerSecond);
    }

    /** The kernel's clock ticks per second for {@code /proc/PID/stat} ({@code getconf CLK_TCK}). */
    static long clockTicks() throws IOException, InterruptedException {
        Process getconf = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
        String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        getconf.waitFor(10, TimeUnit.SECONDS);
        return Long.parseLong(out);
    }
}
