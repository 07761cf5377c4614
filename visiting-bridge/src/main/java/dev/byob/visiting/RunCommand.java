package dev.byob.visiting;

import dev.byob.protocol.id.UserId;
import dev.byob.visiting.MatrixLogin.LoginException;
import dev.byob.kit.config.ConfigException;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code visiting-bridge run}: checks the configuration and credentials, then runs until stopped. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs the bridge until it is stopped (SIGTERM or Ctrl-C). The tokens are checked first.")
final class RunCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @Option(names = "--check", description = "Check the configuration and credentials, then exit.")
    boolean check;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        VisitingBridgeConfig cfg;
        Credentials credentials;
        try {
            cfg = VisitingBridgeConfig.load(config);
            credentials = Credentials.load(cfg);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return Main.EXIT_USAGE;
        }
        // The token checks (a round trip each, plus TLS to a real homeserver) run at once, and while the state
        // database opens: on a small machine the start is mostly such waits and loading classes.
        List<CompletableFuture<Void>> checks = new ArrayList<>();
        checks.add(check(cfg.homeserver(), cfg.user(), credentials.userToken().reveal(), "you"));
        if (cfg.bot().isPresent()) {
            checks.add(check(cfg.homeserver(), cfg.bot().get(), credentials.botToken().orElseThrow().reveal(),
                    "the bot"));
        }
        VisitingBridge bridge = null;
        IOException notCreated = null;
        if (!check) {
            try {
                bridge = VisitingBridge.create(cfg, credentials);
            } catch (IOException e) {
                notCreated = e;
            }
        }
        for (CompletableFuture<Void> c : checks) {
            try {
                c.join();
            } catch (CompletionException e) {
                if (bridge != null) {
                    bridge.close();
                }
                if (e.getCause() instanceof LoginException le) {
                    err.println("visiting-bridge: " + le.getMessage());
                    return Main.EXIT_USAGE;
                }
                throw e.getCause() instanceof RuntimeException re ? re : e;
            }
        }
        if (notCreated != null) {
            throw notCreated;
        }
        if (check) {
            spec.commandLine().getOut().println(config + ": configuration and credentials are fine");
            return 0;
        }
        VisitingBridge started = bridge.start();
        markArchive();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            started.stop();
            stopped.countDown();
        }, "vb-shutdown"));
        stopped.await();
        return 0;
    }

    private static CompletableFuture<Void> check(URI homeserver, UserId user, String token, String what) {
        return CompletableFuture.runAsync(() -> {
            try {
                MatrixLogin.check(homeserver, user, token, what);
            } catch (LoginException e) {
                throw new CompletionException(e);
            }
        }, runnable -> new Thread(runnable, "vb-token-check").start());
    }

    /**
     * Marks the class-data archive the launcher asked the JVM to write at exit ({@code -Dvisiting-bridge.archive},
     * see {@code bin/visiting-bridge}) as the archive of a bridge that started, so the launcher keeps it.
     */
    private static void markArchive() {
        String archive = System.getProperty("visiting-bridge.archive");
        if (archive != null) {
            try {
                Files.deleteIfExists(Path.of(archive + ".ran"));
                Files.createFile(Path.of(archive + ".ran"));
            } catch (IOException | RuntimeException e) {
                // Without the mark the launcher makes the archive again next time: slower, never wrong.
            }
        }
    }
}
