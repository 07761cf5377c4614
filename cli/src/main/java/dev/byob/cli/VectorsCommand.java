package dev.byob.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.cli.tools.VectorCheck;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code byob vectors}: test vectors of the specification. */
@Command(name = "vectors", mixinStandardHelpOptions = true,
        description = "Works with the specification's test vectors (spec-notes/vectors/).",
        subcommands = VectorsCommand.Check.class)
final class VectorsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** {@code byob vectors check FILE}. */
    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Checks a test-vector file against this implementation.", "",
                "FILE is in the specification's format (canonical JSON, signing, valid or invalid messages), "
                    + "e.g. one another implementation generated; every case where the two disagree is reported.",
                "",
                "Exit codes: 0 all agree, 1 some disagree, 2 the file is not a vector file."})
    static final class Check implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Parameters(paramLabel = "FILE", description = "A vector file, e.g. spec-notes/vectors/messages-invalid.json.")
        Path file;

        @Option(names = "--quiet", description = "Print only disagreements and the summary.")
        boolean quiet;

        @Override
        public Integer call() {
            JsonNode json = Inputs.json(spec, file);
            List<VectorCheck.Result> results;
            try {
                results = VectorCheck.check(json);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), file + ": " + e.getMessage());
            }
            long failed = 0;
            for (VectorCheck.Result r : results) {
                if (!r.passed()) {
                    failed++;
                    spec.commandLine().getOut().println("FAIL " + r.name() + ": " + r.problem());
                } else if (!quiet) {
                    spec.commandLine().getOut().println("ok   " + r.name());
                }
            }
            spec.commandLine().getOut().println(file.getFileName() + " (" + VectorCheck.kind(json).name()
                    .toLowerCase(java.util.Locale.ROOT).replace('_', '-') + "): " + (results.size() - failed)
                    + " agree, " + failed + " disagree");
            return failed == 0 ? 0 : 1;
        }
    }
}
