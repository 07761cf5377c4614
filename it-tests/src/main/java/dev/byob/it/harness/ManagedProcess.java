package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A server process started by the harness, with its output written to a log file.
 *
 * <p>Every process is started through {@code setpriv --pdeathsig TERM} from one long-lived launcher
 * thread: Linux then sends the process SIGTERM when the JVM dies, even when the JVM is killed and
 * cannot run its shutdown hooks. (The parent-death signal follows the thread that started the child,
 * so that thread must live as long as the JVM.) {@link #close()} stops the process and is idempotent.
 */
public final class ManagedProcess implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ManagedProcess.class.getName());
    private static final Duration STOP_GRACE = Duration.ofSeconds(15);
    private static final ExecutorService LAUNCHER = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "byob-process-launcher");
        thread.setDaemon(true);
        return thread;
    });

    private final String name;
    private final Process process;
    private final Path log;
    private final String stopSignal;
    private boolean closed;

    private ManagedProcess(String name, Process process, Path log, String stopSignal) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.stopSignal = stopSignal;
    }

    /** A builder for a process called {@code name} in messages. */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The name given at start. */
    public String name() {
        return name;
    }

    /** Where the process's standard output and error go. */
    public Path log() {
        return log;
    }

    /** The operating-system process id. */
    public long pid() {
        return process.pid();
    }

    /** Whether the process is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** The exit code, if the process has exited. */
    public Integer exitCode() {
        return process.isAlive() ? null : process.exitValue();
    }

    /** Waits until the process exits or the timeout passes; returns whether it exited. */
    public boolean waitFor(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + name, e);
        }
    }

    /** Stops the process: its stop signal, then SIGKILL if it has not exited after a grace period. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!process.isAlive()) {
            return;
        }
        signal(stopSignal);
        if (!waitFor(STOP_GRACE)) {
            LOG.log(Level.WARNING, "{0} (pid {1}) ignored SIG{2} for {3}; killing it",
                    name, process.pid(), stopSignal, STOP_GRACE);
            process.destroyForcibly();
            waitFor(STOP_GRACE);
        }
    }

    private void signal(String signal) {
        if ("TERM".equals(signal)) {
            process.destroy();
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-s", signal, Long.toString(process.pid()))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            process.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroy();
        }
    }

    @Override
    public String toString() {
        return name + "[pid " + process.pid() + ", log " + log + "]";
    }

    /** Builds and starts a {@link ManagedProcess}. */
    public static final class Builder {
        private final String name;
        private List<String> command = List.of();
        private Path workDir;
        private Path log;
        private String user;
        private String stopSignal = "TERM";
        private Map<String, String> environment;

        private Builder(String name) {
            this.name = Objects.requireNonNull(name);
        }

        /** The program and its arguments. */
        public Builder command(List<String> command) {
            this.command = List.copyOf(command);
            return this;
        }

        /** The program and its arguments. */
        public Builder command(String... command) {
            return command(List.of(command));
        }

        /** The working directory (default: the JVM's). */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** The file that receives standard output and error (appended). Required. */
        public Builder log(Path log) {
            this.log = log;
            return this;
        }

        /** Runs the process as this system user, with its groups (default: the JVM's user). */
        public Builder user(String user) {
            this.user = user;
            return this;
        }

        /** The signal that asks the process to stop, e.g. {@code "INT"} for PostgreSQL's fast shutdown. */
        public Builder stopSignal(String stopSignal) {
            this.stopSignal = Objects.requireNonNull(stopSignal);
            return this;
        }

        /** Replaces the inherited environment with exactly these variables. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /** Runs the command to completion, failing with its log's tail when it exits non-zero or overruns. */
        public void run(Duration timeout) {
            try (ManagedProcess process = start()) {
                if (!process.waitFor(timeout)) {
                    throw new ServerStartException(name + " did not finish within " + timeout, List.of(log));
                }
                int exit = process.process.exitValue();
                if (exit != 0) {
                    throw new ServerStartException(name + " failed with exit code " + exit, List.of(log));
                }
            }
        }

        /** Starts the process. */
        public ManagedProcess start() {
            if (command.isEmpty()) {
                throw new IllegalStateException("no command for " + name);
            }
            Objects.requireNonNull(log, "log");
            List<String> full = new ArrayList<>(List.of("setpriv", "--pdeathsig", "TERM"));
            if (user != null) {
                full.addAll(List.of("--reuid", user, "--regid", user, "--init-groups"));
            }
            full.add("--");
            full.addAll(command);
            try {
                Files.createDirectories(log.toAbsolutePath().getParent());
                ProcessBuilder builder = new ProcessBuilder(full)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                if (workDir != null) {
                    builder.directory(workDir.toFile());
                }
                if (environment != null) {
                    builder.environment().clear();
                    builder.environment().putAll(environment);
                }
                Future<Process> started = LAUNCHER.submit(builder::start);
                Process process = started.get();
                LOG.log(Level.DEBUG, "started {0} (pid {1}): {2}", name, process.pid(), full);
                return new ManagedProcess(name, process, log, stopSignal);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start " + name + ": " + full, e);
            } catch (ExecutionException e) {
                throw new ServerStartException("cannot start " + name + ": " + full + ": " + e.getCause(),
                        List.of(log), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting " + name, e);
            }
        }
    }
}
