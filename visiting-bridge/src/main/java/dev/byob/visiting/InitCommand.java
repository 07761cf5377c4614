package dev.byob.visiting;

import dev.byob.visiting.config.ExampleConfig;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code visiting-bridge init}: writes the commented example configuration. */
@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Writes a commented configuration to edit: homeserver, your user id, the IRC networks you"
                + " use (server, nick, services account) and the data directory.")
final class InitCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The file to write.")
    Path config;

    @Option(names = "--force", description = "Replace the file if it exists.")
    boolean force;

    @Override
    public Integer call() {
        try {
            ExampleConfig.write(config, force);
        } catch (FileAlreadyExistsException e) {
            spec.commandLine().getErr().println("visiting-bridge: " + config + " exists; edit it, or replace it"
                    + " with --force");
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            spec.commandLine().getErr().println("visiting-bridge: cannot write " + config + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        }
        spec.commandLine().getOut().println("Wrote " + config + ". Edit it, then run: visiting-bridge login -c "
                + config);
        return 0;
    }
}
