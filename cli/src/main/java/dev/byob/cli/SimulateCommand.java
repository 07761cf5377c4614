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
            "Runs the byob protocol between hosting (HB) and visiting bridges (VB) in this process.",
            "",
            "The real state machines of the bridges run on a simulated homeserver and IRC network with "
                + "virtual time; the transcript shows what each side sends and decides and ends with the "
                + "trust records the hosting bridges hold. After every step the run checks the spec's "
                + "invariants (one record in force per user, network and hosting bridge; no message lost or "
                + "relayed twice; a refused or forged visiting bridge never trusted; trust only as granted; a "
                + "portal room tombstoned at most once, and only one the visiting bridge created) and exits 1 "
                + "naming the rule and the step that broke it.",
            "",
            "Scenarios:",
            "  happy-path                     both accounts proven; the HB steps aside",
            "  override                       a second VB logs in and replaces the first",
            "  race                           two VBs log in at once; the last one wins",
            "  revoke                         the user tells the HB to take over again",
            "  lease-lapse                    the VB goes down, is filled in for, returns",
            "  several-hbs                    one VB, two HBs: a record and lease with each",
            "  portal-tombstone               the VB's portal room gives way to an HB room",
            "  ignored-outside-dm             a request outside the DM: ignored, no reply",
            "Refusals, each ending in exactly this cancel code from the HB:",
            "  refused-bad-signature          bad_signature: answer's signature altered",
            "  refused-key-mismatch           key_mismatch: answer signed by another key",
            "  refused-replayed               replayed: another answer, same txn_id",
            "  refused-wrong-matrix-account   matrix_proof_failed: another Matrix user",
            "  refused-wrong-remote-account   remote_proof_failed: another IRC account",
            "                                 (also accepted as wrong-account)",
            "  refused-expired                timeout: the answer comes after expiry",
            "  refused-heartbeat-seq          unexpected_message: heartbeat with an old seq",
            "  refused-invalid-message        invalid_message: request lacks a field",
            "  refused-unsupported-version    unsupported_version: request of version 2",
            "  refused-unsupported-method     unsupported_method: no remote proof in common",
            "  refused-not-bridged            not_bridged: a network the HB lacks",
            "  refused-rate-limited           rate_limited: an 11th request in the hour",
            "  refused-busy                   busy: a 5th handshake in flight for a user",
            "  refused-unknown-transaction    unknown_transaction: answer to lost exchange",
            "The code 'user' has no scenario: a hosting bridge's engine never sends it; only a person "
                + "cancels with it (the VB's user aborting a login).",
            "",
            "Faults (--drop, --duplicate, --jitter-ms, --replay-ms, --tamper-answers, --wrong-matrix-account, "
                + "--wrong-remote-account, --expire-timers, --vb-ignores-fill-ins) apply to any scenario; with "
                + "faults only the invariants are judged, not the story's ending."
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

    @Option(names = "--wrong-matrix-account",
            description = "The Matrix proof is sent by another Matrix user (the hosting bridge must refuse it).")
    boolean wrongMatrixAccount;

    @Option(names = "--wrong-remote-account",
            description = "The IRC proof comes from a connection logged in to another services account.")
    boolean wrongRemoteAccount;

    @Option(names = "--expire-timers",
            description = "Hold every answer and cancel of a visiting bridge past its challenge's expiry, so the "
                    + "hosting bridge's timer fires.")
    boolean expireTimers;

    /** When the transcript is coloured. */
    enum ColorMode { AUTO, ALWAYS, NEVER }

    @Option(names = "--color", paramLabel = "WHEN", defaultValue = "auto",
            description = "Colour the transcript: auto (only on a terminal, and not when NO_COLOR is set), "
                    + "always or never (default: ${DEFAULT-VALUE}).")
    ColorMode color;

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
            faults = new Faults(drop, duplicate, jitterMs, vbIgnoresFillIns, tamperAnswers, replayMs, wrongMatrixAccount,
                    wrongRemoteAccount, expireTimers);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "fault options: " + e.getMessage());
        }
        if (runs < 1 || runs > 100_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--runs must be between 1 and 100000, not " + runs);
        }
        if (runs == 1) {
            Transcript transcript = new Transcript(out, json, colour());
            Optional<String> problem = runOnce(chosen.get(), seed, faults, transcript);
            problem.ifPresent(transcript::problem);
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
        boolean ok = anyActive == scenario.endsInForce();
        if (scenario == Scenario.REVOKE) {
            ok &= !records.isEmpty();
        }
        if (scenario == Scenario.SEVERAL_HBS) {
            ok &= records.size() == 2 && records.stream().filter(TrustRecord::active).count() == 1;
        }
        if (scenario == Scenario.PORTAL_TOMBSTONE) {
            ok &= simulation.tombstoned().size() == 1;
        }
        if (scenario.refusal().isPresent() && !simulation.refusals().contains(scenario.refusal().get())) {
            return Optional.of("UNEXPECTED OUTCOME: the " + scenario.id() + " story did not end in "
                    + scenario.refusal().get() + " (refusals: " + simulation.refusals() + ")");
        }
        return ok ? Optional.empty() : Optional.of("UNEXPECTED OUTCOME: the " + scenario.id()
                + " story did not end as it should (trust records: " + records.size() + ", in force: " + anyActive + ")");
    }

    /** Colour only on a terminal without NO_COLOR, unless told otherwise. */
    private boolean colour() {
        return !json && colour(color, System.console() != null, System.getenv("NO_COLOR"));
    }

    /** The decision, apart from the process: {@code noColor} is NO_COLOR's value, null when unset. */
    static boolean colour(ColorMode mode, boolean terminal, String noColor) {
        switch (mode) {
            case ALWAYS:
                return true;
            case NEVER:
                return false;
            default:
                return terminal && (noColor == null || noColor.isEmpty()); // no-color.org: set and not empty
        }
    }
}
