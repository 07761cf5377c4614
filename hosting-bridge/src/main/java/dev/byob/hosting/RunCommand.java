package dev.byob.hosting;

import dev.byob.hosting.config.BridgeConfig;
import dev.byob.kit.config.ConfigException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hosting-bridge run}: validates the configuration, then runs the bridge until SIGTERM or SIGINT. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the bridge. The configuration is checked first; if anything is wrong, every problem is "
                + "listed and nothing starts. Stops cleanly on SIGTERM or SIGINT."
        })
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true, description = "The bridge's configuration.")
    Path config;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        BridgeConfig bridgeConfig;
        try {
            bridgeConfig = BridgeConfig.load(config);
        } catch (ConfigException e) {
            GenerateRegistrationCommand.printProblems(err, e);
            return Main.EXIT_USAGE;
        }
        HostingBridge bridge = HostingBridge.bridging(bridgeConfig);
        try {
            bridge.start();
        } catch (IOException e) {
            err.println("hosting-bridge: " + e.getMessage());
            bridge.stop();
            return Main.EXIT_FAILURE;
        }
        Thread hook = new Thread(() -> {
            LOG.info("stopping");
            bridge.stop();
        }, "hosting-bridge-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        bridge.awaitStop();
        return 0;
    }
}
