package dev.byob.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.cli.simulate.Scenario;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code byob simulate} through its command line: arguments in, output and exit code out. */
class SimulateCommandTest {

    private static CommandRun run(String... args) {
        return CommandRun.of(args);
    }

    @Test
    void simulate_default_printsACompleteHandshakeEndingWithTheTrustRecord() {
        CommandRun r = run("simulate");
        assertEquals(0, r.exit(), r.err());
        String[] steps = {"VB → HB                request", "HB → VB                challenge",
            "alice (Matrix) → HB    matrix_proof", "alice (IRC) → HBBot    PRIVMSG", "VB → HB                answer",
            "HB                     * steps aside", "HB → VB                accept", "trust established at epoch 1",
            "Trust record held by @hb:hosting.example (in force):"};
        int at = 0;
        for (String step : steps) {
            int found = r.out().indexOf(step, at);
            assertTrue(found >= 0, "missing, or out of order: '" + step + "' in\n" + r.out());
            at = found;
        }
        assertTrue(r.out().contains("  remote account    alice"));
        assertTrue(r.out().contains("  epoch             1"));
        assertTrue(r.out().contains("  proofs            Matrix by dm, IRC by irc.account_privmsg"));
    }

    @Test
    void simulate_sameSeed_sameTranscript_otherSeed_otherKeys() {
        assertEquals(run("simulate", "--seed", "42").out(), run("simulate", "--seed", "42").out());
        assertNotEquals(run("simulate", "--seed", "42").out(), run("simulate", "--seed", "43").out());
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void simulate_everyScenario_endsAsItsStorySays(Scenario scenario) {
        CommandRun r = run("simulate", "--scenario", scenario.id());
        assertEquals(0, r.exit(), r.out() + r.err());
        switch (scenario) {
            case OVERRIDE:
                assertTrue(r.out().contains("epoch 1 ended: superseded"));
                assertTrue(r.out().contains("  epoch             2"));
                break;
            case RACE:
                assertTrue(r.out().contains("epoch 1 ended: superseded"), r.out());
                assertTrue(r.out().contains("  epoch             2"), r.out());
                break;
            case REVOKE:
                assertTrue(r.out().contains("(ended)"));
                assertTrue(r.out().contains("ended             user_revoked"));
                break;
            case LEASE_LAPSE:
                assertTrue(r.out().contains("lease lapsed: fills in"));
                assertTrue(r.out().contains("will not relay to_remote $msg"), r.out());
                assertTrue(r.out().contains("Every message reached IRC exactly once"), r.out());
                assertFalse(r.out().contains("NOT exactly once"), r.out());
                break;
            case REFUSED_WRONG_REMOTE_ACCOUNT:
                assertTrue(r.out().contains("org.matrix.msc3647.remote_proof_failed"));
                assertTrue(r.out().contains("No trust record"));
                break;
            default:
                assertTrue(r.out().contains("(in force)"));
        }
    }

    @Test
    void simulate_json_printsOneObjectPerLineWithTheTrustRecordLast() throws Exception {
        CommandRun r = run("simulate", "--json");
        assertEquals(0, r.exit(), r.err());
        ObjectMapper mapper = new ObjectMapper();
        List<JsonNode> lines = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            lines.add(mapper.readTree(line));
        }
        assertTrue(lines.size() > 5);
        JsonNode last = lines.get(lines.size() - 1);
        assertEquals("trust_record", last.get("kind").asText());
        assertEquals("@alice:home.example", last.get("user_id").asText());
        assertEquals(1, last.get("epoch").asInt());
        assertTrue(lines.stream().anyMatch(l -> "request".equals(l.path("what").asText())));
    }

    @Test
    void simulate_unknownScenario_failsWithUsageErrorNamingTheChoices() {
        CommandRun r = run("simulate", "--scenario", "nope");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown scenario 'nope'; choose one of: happy-path"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void simulate_badLatency_failsWithUsageError() {
        CommandRun r = run("simulate", "--latency-ms", "-5");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--latency-ms must be between 0 and 60000"), r.err());
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void simulate_manySeedsUnderFaults_keepEveryInvariant(Scenario scenario) {
        CommandRun r = run("simulate", "--scenario", scenario.id(), "--runs", "25", "--drop", "0.3", "--duplicate", "0.3",
                "--jitter-ms", "2000");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains(scenario.id() + ": 25 runs, 25 kept every invariant, 0 did not (with faults)"),
                r.out());
    }

    @Test
    void simulate_faultyVisitingBridge_isCaughtByTheDuplicateInvariant() {
        CommandRun r = run("simulate", "--scenario", "lease-lapse", "--vb-ignores-fill-ins");
        assertEquals(1, r.exit());
        assertTrue(r.out().contains("INVARIANT VIOLATED: no-duplicate-delivery violated at step"), r.out());
        CommandRun many = run("simulate", "--scenario", "lease-lapse", "--vb-ignores-fill-ins", "--runs", "3");
        assertEquals(1, many.exit());
        assertTrue(many.out().contains("3 runs, 0 kept every invariant, 3 did not"), many.out());
    }

    @Test
    void simulate_tamperedAnswer_isRefusedAndNobodyGainsTrust() {
        CommandRun r = run("simulate", "--tamper-answers");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("refuses (org.matrix.msc3647.bad_signature)"), r.out());
        assertTrue(r.out().contains("No trust record"), r.out());
    }

    @Test
    void simulate_replayedMessages_changeNothing() {
        CommandRun r = run("simulate", "--scenario", "override", "--replay-ms", "20000");
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("replays an old answer"), r.out());
        assertTrue(r.out().contains("  epoch             2"), r.out());
    }

    @Test
    void simulate_badFaultOptions_areUsageErrors() {
        CommandRun r = run("simulate", "--drop", "1.5");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("probabilities are between 0 and 1"), r.err());
        assertEquals(2, run("simulate", "--runs", "0").exit());
    }

    @Test
    void help_andVersion_work() {
        CommandRun help = run("simulate", "--help");
        assertEquals(0, help.exit());
        assertTrue(help.out().contains("--scenario"));
        CommandRun version = run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().contains("protocol version 1"));
    }
}
