package dev.byob.cli;

import dev.byob.cli.simulate.Scenario;
import dev.byob.cli.simulate.Simulation;
import dev.byob.cli.simulate.Transcript;
import dev.byob.protocol.trust.TrustRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code byob simulate}: a whole exchange between a hosting and a visiting bridge, in-process. */
@Command(
        name = "simulate",
        mixinStandardHelpOptions = true,
        description = {
            "Runs the byob protocol between a hosting and a visiting bridge in this process.",
            "",
            "The real state machines of both bridges run on a simulated homeserver and IRC network with "
                + "virtual time; the transcript shows what each side sends and decides and ends with the "
                + "trust record the hosting bridge holds.",
            "",
            "Scenarios:",
            "  happy-path     both accounts proven; the hosting bridge steps aside",
            "  override       a second visiting bridge logs in and replaces the first",
            "  revoke         the user tells the hosting bridge to take over again",
            "  lease-lapse    the visiting bridge goes down, is filled in for, returns",
            "  wrong-account  the IRC proof comes from another account's connection"
        })
final class SimulateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-s", "--scenario"}, paramLabel = "NAME", defaultValue = "happy-path",
            description = "Which story to run (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seed for keys, nonces and transaction ids; the same seed gives the same run (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--latency-ms", paramLabel = "MS", defaultValue = "60",
            description = "How long each message takes to arrive, in virtual milliseconds (default: ${DEFAULT-VALUE}).")
    long latencyMs;

    @Option(names = "--json", description = "Print one JSON object per line instead of the readable transcript.")
    boolean json;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Optional<Scenario> chosen = Scenario.byId(scenario);
        if (chosen.isEmpty()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "unknown scenario '" + scenario + "'; choose one of: " + Scenario.ids());
        }
        if (latencyMs < 0 || latencyMs > 60_000) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--latency-ms must be between 0 and 60000, not " + latencyMs);
        }
        Simulation simulation = new Simulation(chosen.get(), seed, Duration.ofMillis(latencyMs),
                new Transcript(out, json));
        List<TrustRecord> records = simulation.run();
        boolean expectTrust = chosen.get() != Scenario.WRONG_ACCOUNT;
        boolean anyActive = records.stream().anyMatch(TrustRecord::active);
        boolean ok = chosen.get() == Scenario.REVOKE ? !anyActive && !records.isEmpty() : anyActive == expectTrust;
        return ok ? 0 : 1;
    }
}
