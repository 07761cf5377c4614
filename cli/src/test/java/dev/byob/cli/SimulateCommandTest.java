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
import org.junit.jupiter.params.provider.CsvSource;
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
            case SEVERAL_HBS:
                assertTrue(r.out().contains("Trust record held by @hb1:hosting.example (in force)"), r.out());
                assertTrue(r.out().contains("Trust record held by @hb2:other.example (ended)"), r.out());
                assertTrue(r.out().contains("trust established at epoch 1 with HB1"), r.out());
                assertTrue(r.out().contains("trust established at epoch 1 with HB2"), r.out());
                assertTrue(r.out().contains("VB → #chat             PRIVMSG       <alice> still relayed"), r.out());
                assertTrue(r.out().contains("HB2 → #rust            PRIVMSG       <alice[m]> relayed by"), r.out());
                assertTrue(r.out().contains("VB → HB1               heartbeat     epoch 1, seq 5"), r.out());
                assertFalse(r.out().contains("VB → HB2               heartbeat     epoch 1, seq 2"), r.out());
                break;
            case PORTAL_TOMBSTONE:
                assertTrue(r.out().contains("VB → !portal-chat:home.example m.room.tombstone replacement_room "
                        + "!chat:hosting.example"), r.out());
                assertTrue(r.out().contains("Portal rooms tombstoned: [!portal-chat:home.example]"), r.out());
                assertTrue(r.out().contains("ignores the bridge event in !fake:evil.example (forged"), r.out());
                assertTrue(r.out().contains("no live trust with @hb:hosting.example yet"), r.out());
                assertFalse(r.out().contains("!portal-rust:home.example m.room.tombstone"), r.out());
                break;
            case IGNORED_OUTSIDE_DM:
                assertTrue(r.out().contains("ignored: byob messages are accepted only in a DM"), r.out());
                assertFalse(r.out().contains("* refuses ("), r.out());
                assertTrue(r.out().contains("handshake failed (org.matrix.msc3647.timeout)"), r.out());
                assertTrue(r.out().contains("No trust record"), r.out());
                break;
            default:
                if (scenario.refusal().isPresent()) {
                    assertTrue(r.out().contains("refuses (" + scenario.refusal().get() + ")"), r.out());
                } else {
                    assertTrue(r.out().contains("(in force)"));
                }
        }
    }

    /** The spec's code for each refusal story (§4.10, §6.4), written out here, not read from the enum. */
    @ParameterizedTest
    @CsvSource({
        "refused-bad-signature, bad_signature",
        "refused-key-mismatch, key_mismatch",
        "refused-replayed, replayed",
        "refused-wrong-matrix-account, matrix_proof_failed",
        "refused-wrong-remote-account, remote_proof_failed",
        "wrong-account, remote_proof_failed",
        "refused-expired, timeout",
        "refused-heartbeat-seq, unexpected_message",
        "refused-invalid-message, invalid_message",
        "refused-unsupported-version, unsupported_version",
        "refused-unsupported-method, unsupported_method",
        "refused-not-bridged, not_bridged",
        "refused-rate-limited, rate_limited",
        "refused-busy, busy",
        "refused-unknown-transaction, unknown_transaction"
    })
    void simulate_refusalScenario_hostingBridgeRefusesWithTheSpecsCode_andTheRefusedNeverGainsTrust(String id, String code)
            throws Exception {
        String full = "org.matrix.msc3647." + code;
        CommandRun r = run("simulate", "--scenario", id);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("* refuses (" + full + ")"), r.out());
        CommandRun json = run("simulate", "--scenario", id, "--json");
        assertEquals(0, json.exit(), json.out());
        ObjectMapper mapper = new ObjectMapper();
        List<String> refusedCodes = new ArrayList<>();
        List<String> trusted = new ArrayList<>();
        String refusedVb = null;
        for (String line : json.out().split("\n")) {
            JsonNode l = mapper.readTree(line);
            String what = l.path("what").asText();
            if (what.startsWith("refuses (")) {
                refusedCodes.add(what.substring("refuses (".length(), what.indexOf(')')));
                assertEquals("bad", l.path("tone").asText());
            }
            if (what.startsWith("handshake failed (" + full + ")")) {
                refusedVb = l.path("who").asText();
            }
            if (what.startsWith("trust established")) {
                trusted.add(l.path("who").asText());
            }
        }
        assertEquals(full, refusedCodes.get(0), "the first refusal is the story's: " + refusedCodes);
        if (code.equals("unexpected_message")) {
            // A replayed heartbeat is refused; the trust it would have renewed stays, by the genuine heartbeats.
            assertTrue(json.out().contains("heartbeat seq 1 is not after"), json.out());
            assertTrue(r.out().contains("(in force)"), r.out());
        } else {
            assertTrue(refusedVb != null, "the VB heard the cancel: " + json.out());
            if (code.equals("rate_limited")) {
                // Ten logins before were trusted and released; the refused eleventh never is.
                String after = r.out().substring(r.out().indexOf("refuses (" + full));
                assertFalse(after.contains("trust established"), after);
            } else {
                assertFalse(trusted.contains(refusedVb), refusedVb + " was refused yet trusted: " + trusted);
            }
        }
        if (!code.equals("busy") && !code.equals("unexpected_message")) {
            assertTrue(r.out().contains("No trust record") || r.out().contains("(ended)"), r.out());
            assertFalse(r.out().contains("(in force)"), r.out());
        }
    }

    @Test
    void simulate_userCancelCode_hasNoRefusalScenario_andHelpSaysWhy() {
        for (Scenario s : Scenario.values()) {
            assertFalse(s.refusal().map(c -> c.value().endsWith(".user")).orElse(false), s.id());
        }
        assertTrue(run("simulate", "--help").out().contains("The code 'user' has no scenario"));
    }

    @ParameterizedTest
    @CsvSource({
        "--wrong-matrix-account, matrix_proof_failed",
        "--wrong-remote-account, remote_proof_failed",
        "--expire-timers, timeout"
    })
    void simulate_proofAndTimerFaults_onTheHappyPath_areRefusedWithTheirCode(String fault, String code) {
        CommandRun r = run("simulate", fault);
        assertEquals(0, r.exit(), r.out());
        assertTrue(r.out().contains("* refuses (org.matrix.msc3647." + code + ")"), r.out());
        assertFalse(r.out().contains("trust established"), r.out());
        assertTrue(r.out().contains("No trust record"), r.out());
    }

    @ParameterizedTest
    @EnumSource(Scenario.class)
    void simulate_proofAndTimerFaults_onEveryScenario_keepEveryInvariant(Scenario scenario) {
        for (String fault : List.of("--wrong-matrix-account", "--wrong-remote-account", "--expire-timers")) {
            CommandRun r = run("simulate", "--scenario", scenario.id(), fault, "--runs", "3");
            assertEquals(0, r.exit(), fault + ": " + r.out());
            assertTrue(r.out().contains(scenario.id() + ": 3 runs, 3 kept every invariant, 0 did not (with faults)"),
                    r.out());
            CommandRun one = run("simulate", "--scenario", scenario.id(), fault);
            assertFalse(one.out().contains("trust established"), fault + " let a VB gain trust: " + one.out());
        }
    }

    @Test
    void simulate_colour_onlyWhenAskedOrOnATerminal() {
        String esc = "\u001b[";
        CommandRun always = run("simulate", "--scenario", "refused-bad-signature", "--color=always");
        assertEquals(0, always.exit(), always.err());
        assertTrue(always.out().contains("\u001b[31m* refuses (org.matrix.msc3647.bad_signature)"), always.out());
        assertTrue(always.out().contains("\u001b[36mHB"), always.out());
        CommandRun trusted = run("simulate", "--color", "always");
        assertTrue(trusted.out().contains("\u001b[32m* trust established at epoch 1"), trusted.out());
        assertFalse(run("simulate", "--color=never").out().contains(esc));
        // Tests write to a buffer, not a terminal: auto means no colour here.
        assertFalse(run("simulate").out().contains(esc));
        assertFalse(run("simulate", "--json", "--color=always").out().contains(esc));
        CommandRun bad = run("simulate", "--color=sometimes");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--color"), bad.err());
    }

    @Test
    void colour_auto_onlyOnATerminalWithoutNoColor() {
        assertTrue(SimulateCommand.colour(SimulateCommand.ColorMode.AUTO, true, null));
        assertTrue(SimulateCommand.colour(SimulateCommand.ColorMode.AUTO, true, ""));
        assertFalse(SimulateCommand.colour(SimulateCommand.ColorMode.AUTO, true, "1"));
        assertFalse(SimulateCommand.colour(SimulateCommand.ColorMode.AUTO, false, null));
        assertTrue(SimulateCommand.colour(SimulateCommand.ColorMode.ALWAYS, false, "1"));
        assertFalse(SimulateCommand.colour(SimulateCommand.ColorMode.NEVER, true, null));
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
        for (Scenario s : Scenario.values()) {
            assertTrue(help.out().contains("  " + s.id() + " "), s.id() + " missing from\n" + help.out());
        }
        for (String fault : List.of("--wrong-matrix-account", "--wrong-remote-account", "--expire-timers", "--color")) {
            assertTrue(help.out().contains(fault), fault);
        }
        CommandRun version = run("--version");
        assertEquals(0, version.exit());
        assertTrue(version.out().contains("protocol version 1"));
    }
}
