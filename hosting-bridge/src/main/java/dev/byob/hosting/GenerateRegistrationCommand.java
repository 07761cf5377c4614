package dev.byob.hosting;

import dev.byob.hosting.config.BridgeConfig;
import dev.byob.kit.config.ConfigException;
import dev.byob.kit.config.ConfigProblem;
import dev.byob.hosting.config.ExampleConfig;
import dev.byob.hosting.config.Registration;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code hosting-bridge generate-registration}: writes the registration for a configuration, or the example. */
@Command(
        name = "generate-registration",
        mixinStandardHelpOptions = true,
        description = {
            "Writes the application-service registration for the configuration: its id and URL, fresh random "
                + "tokens (or the configuration's inline ones), the bot's localpart and the exclusive namespace of "
                + "the ghosts. Give the file to the homeserver (Synapse: app_service_config_files) and restart it. "
                + "With --example-config, writes a commented example configuration to start from."
        })
final class GenerateRegistrationCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", description = "The bridge's configuration.")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE",
            description = "Where to write the registration (default: appservice.registration of the configuration).")
    Path output;

    @Option(names = "--example-config", paramLabel = "FILE", description = "Write the commented example configuration.")
    Path exampleConfig;

    @Option(names = {"-f", "--force"},
            description = "Replace existing files (a replaced registration has new tokens: restart the homeserver).")
    boolean force;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (config == null && exampleConfig == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give -c/--config FILE, --example-config FILE, or both");
        }
        if (exampleConfig != null) {
            try {
                ExampleConfig.write(exampleConfig, force);
            } catch (FileAlreadyExistsException e) {
                err.println("hosting-bridge: " + exampleConfig + " exists; use --force to replace it");
                return Main.EXIT_USAGE;
            } catch (IOException e) {
                err.println("hosting-bridge: cannot write " + exampleConfig + ": " + e.getMessage());
                return Main.EXIT_FAILURE;
            }
            out.println("Wrote the example configuration to " + exampleConfig + ".");
            if (config == null) {
                return 0;
            }
        }

        BridgeConfig bridgeConfig;
        try {
            bridgeConfig = BridgeConfig.loadForRegistration(config);
        } catch (ConfigException e) {
            printProblems(err, e);
            return Main.EXIT_USAGE;
        }
        Optional<Path> configured = bridgeConfig.appservice().registrationFile();
        Path target = output != null ? output : configured.orElse(null);
        if (target == null) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "give -o/--output FILE: " + config + " has no appservice.registration");
        }
        Registration registration = Registration.of(bridgeConfig);
        try {
            registration.write(target, force);
        } catch (FileAlreadyExistsException e) {
            err.println("hosting-bridge: " + target + " exists and holds the tokens the homeserver knows; use --force "
                    + "to replace it with new ones");
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("hosting-bridge: cannot write " + target + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        out.println("Wrote the registration of appservice '" + registration.id() + "' to " + target + ".");
        if (configured.isPresent() && !samePath(configured.get(), target)) {
            out.println("Note: " + config + " reads its tokens from " + configured.get()
                    + " (appservice.registration), not from " + target + ".");
        }
        out.println("Next: add it to the homeserver's app_service_config_files, restart the homeserver, then run: "
                + "hosting-bridge run -c " + config);
        return 0;
    }

    private static boolean samePath(Path a, Path b) {
        return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
    }

    /** Prints each problem on its own line. */
    static void printProblems(PrintWriter err, ConfigException e) {
        for (ConfigProblem problem : e.problems()) {
            err.println(problem);
        }
        err.println("hosting-bridge: " + e.problems().size() + (e.problems().size() == 1 ? " problem" : " problems")
                + " in the configuration; nothing was started");
    }
}
