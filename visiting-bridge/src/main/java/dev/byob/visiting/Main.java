package dev.byob.visiting;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code visiting-bridge}: the byob reference visiting bridge, a user's own IRC bridge on the client-server API. */
@Command(
        name = "visiting-bridge",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = {
            "The byob (MSC3647) reference visiting bridge: your own IRC bridge, run with your own Matrix "
                + "account, that asks the hosting bridges of your rooms to step aside for you."
        },
        subcommands = {InitCommand.class, LoginCommand.class, RunCommand.class, CommandLine.HelpCommand.class},
        footer = {
            "",
            "Start with: visiting-bridge init -c config.yaml; edit it; visiting-bridge login -c config.yaml;",
            "visiting-bridge run -c config.yaml",
            "Exit codes: 0 success, 1 runtime failure, 2 bad configuration, credentials or usage."
        })
public final class Main implements Runnable {
    /** Bad configuration, credentials or usage. */
    static final int EXIT_USAGE = 2;
    /** A failure while running. */
    static final int EXIT_FAILURE = 1;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** The command line, asking for secrets on the console (or standard input without one). */
    public static CommandLine commandLine() {
        return commandLine(Prompter.console());
    }

    /** The command line, asking for secrets with {@code prompter}. */
    public static CommandLine commandLine(Prompter prompter) {
        CommandLine.IFactory defaults = CommandLine.defaultFactory();
        CommandLine.IFactory factory = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                if (cls == LoginCommand.class) {
                    return cls.cast(new LoginCommand(prompter));
                }
                return defaults.create(cls);
            }
        };
        return new CommandLine(new Main(), factory)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("visiting-bridge: " + ex);
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
            return new String[] {"visiting-bridge " + (version == null ? "(development build)" : version)};
        }
    }
}
