package dev.byob.hosting;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code hosting-bridge}: the byob reference hosting bridge, a Matrix application service bridging IRC. */
@Command(
        name = "hosting-bridge",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "The byob (MSC3647) reference hosting bridge: a Matrix application service that bridges IRC "
                + "and steps aside for a user's own visiting bridge."
        },
        subcommands = {GenerateRegistrationCommand.class, RunCommand.class, CommandLine.HelpCommand.class},
        footer = {
            "",
            "Exit codes: 0 success, 1 runtime failure, 2 bad configuration or usage."
        })
public final class Main implements Runnable {
    /** Bad configuration or usage. */
    static final int EXIT_USAGE = 2;
    /** A failure while running. */
    static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line with the bridge's settings: exit code 1 for unexpected failures, 2 for usage errors. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("hosting-bridge: " + ex);
                    return EXIT_FAILURE;
                });
    }

    /** Runs the command line and exits with its code. */
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The version line from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = Main.class.getPackage().getImplementationVersion();
            return new String[] {"hosting-bridge " + (version == null ? "(development build)" : version)};
        }
    }
}
