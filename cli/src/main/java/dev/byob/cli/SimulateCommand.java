package dev.byob.cli;

import dev.byob.cli.simulate.Faults;
import dev.byob.cli.simulate.InvariantViolation;
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
            "  race           two visiting bridges log in at once; the last to finish wins",
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

    @Option(names = "--drop", paramLabel = "P", defaultValue = "0",
            description = "Lose each message in the bridges' DM with probability P (0 to 1).")
    double drop;

    @Option(names = "--duplicate", paramLabel = "P", defaultValue = "0",
            description = "Deliver each DM message twice with probability P (0 to 1).")
    double duplicate;

    @Option(names = "--jitter-ms", paramLabel = "MS", defaultValue = "0",
            description = "Hold each DM message up to MS more virtual milliseconds, which reorders them.")
    long jitterMs;

    @Option(names = "--vb-ignores-fill-ins",
            description = "A faulty visiting bridge that relays its backlog without skipping what was filled in.")
    boolean vbIgnoresFillIns;

    @Option(names = "--tamper-answers", description = "Alter the signature of every answer on its way to the hosting bridge.")
    boolean tamperAnswers;

    @Option(names = "--replay-ms", paramLabel = "MS", defaultValue = "0",
            description = "Deliver every DM message again MS virtual milliseconds later, as a replay.")
    long replayMs;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "1",
            description = "Run N seeds from --seed on, print only problems and a summary (default: ${DEFAULT-VALUE}).")
    int runs;

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
        Faults faults;
        try {
            faults = new Faults(drop, duplicate, jitterMs, vbIgnoresFillIns, tamperAnswers, replayMs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "fault options: " + e.getMessage());
        }
        if (runs < 1 || runs > 100_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be between 1 and 100000, not " + runs);
        }
        if (runs == 1) {
            Optional<String> problem = runOnce(chosen.get(), seed, faults, new Transcript(out, json));
            problem.ifPresent(p -> out.println((json ? "" : "\n") + p));
            return problem.isPresent() ? 1 : 0;
        }
        int failed = 0;
        for (int i = 0; i < runs; i++) {
            Optional<String> problem = runOnce(chosen.get(), seed + i, faults,
                    new Transcript(new PrintWriter(java.io.Writer.nullWriter()), false));
            if (problem.isPresent()) {
                failed++;
                out.println("seed " + (seed + i) + ": " + problem.get());
            }
        }
        out.println(chosen.get().id() + ": " + runs + " runs, " + (runs - failed) + " kept every invariant, " + failed
                + " did not" + (faults.any() ? " (with faults)" : ""));
        return failed == 0 ? 0 : 1;
    }

    /** One run; a problem is a broken invariant, or (without faults) an outcome other than the story's. */
    private Optional<String> runOnce(Scenario scenario, long runSeed, Faults faults, Transcript transcript) {
        Simulation simulation = new Simulation(scenario, runSeed, Duration.ofMillis(latencyMs), faults, transcript);
        List<TrustRecord> records;
        try {
            records = simulation.run();
            simulation.checkNothingLost();
        } catch (InvariantViolation v) {
            transcript.flush();
            return Optional.of("INVARIANT VIOLATED: " + v.getMessage());
        }
        if (faults.any()) {
            return Optional.empty(); // under faults a handshake may fail; only the invariants must hold
        }
        boolean anyActive = records.stream().anyMatch(TrustRecord::active);
        boolean ok = scenario == Scenario.REVOKE ? !anyActive && !records.isEmpty()
                : anyActive == (scenario != Scenario.WRONG_ACCOUNT);
        return ok ? Optional.empty() : Optional.of("UNEXPECTED OUTCOME: the " + scenario.id()
                + " story did not end as it should (trust records: " + records.size() + ", in force: " + anyActive + ")");
    }
}
