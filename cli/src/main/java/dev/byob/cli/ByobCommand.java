package dev.byob.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code byob}: the tester's and bridge author's tool for the byob protocol. */
@Command(
        name = "byob",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = {
            "Tools for MSC3647 \"Bring Your Own Bridge\": run the protocol between a hosting bridge and a "
                + "visiting bridge in-process and watch what they say to each other; make and check keys, "
                + "signatures and test vectors; drive a live hosting bridge through the specification (conformance)."
        },
        subcommands = {SimulateCommand.class, KeygenCommand.class, SignCommand.class, VerifyCommand.class,
            VectorsCommand.class, InspectCommand.class, ConformanceCommand.class, picocli.AutoComplete.GenerateCompletion.class, CommandLine.HelpCommand.class},
        footer = {
            "",
            "Exit codes: 0 success, 1 the run found a problem, 2 bad usage or input, 3 (conformance) a server could not be reached or refused the credentials."
        })
public final class ByobCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Builds the command line with byob's settings. */
    public static CommandLine commandLine() {
        return new CommandLine(new ByobCommand())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((ex, cmd, parsed) -> {
                    cmd.getErr().println("byob: " + ex.getMessage());
                    return 1;
                });
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
