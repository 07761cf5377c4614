package dev.byob.visiting;

import dev.byob.visiting.MatrixLogin.LoginException;
import dev.byob.kit.config.ConfigException;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.core.VisitingBridge;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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
        try {
            MatrixLogin.check(cfg.homeserver(), cfg.user(), credentials.userToken().reveal(), "you");
            if (cfg.bot().isPresent()) {
                MatrixLogin.check(cfg.homeserver(), cfg.bot().get(), credentials.botToken().orElseThrow().reveal(),
                        "the bot");
            }
        } catch (LoginException e) {
            err.println("visiting-bridge: " + e.getMessage());
            return Main.EXIT_USAGE;
        }
        if (check) {
            spec.commandLine().getOut().println(config + ": configuration and credentials are fine");
            return 0;
        }
        VisitingBridge bridge = VisitingBridge.create(cfg, credentials).start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            bridge.stop();
            stopped.countDown();
        }, "vb-shutdown"));
        stopped.await();
        return 0;
    }
}
