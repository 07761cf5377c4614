package dev.byob.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.cli.conformance.CheckResult.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The conformance checks against the protocol's own hosting engine, sound and with one deliberate defect. */
class ConformanceRunTest {

    private static Map<String, CheckResult> byId(List<CheckResult> results) {
        return results.stream().collect(Collectors.toMap(CheckResult::id, r -> r));
    }

    private static String failures(List<CheckResult> results) {
        return results.stream().filter(r -> r.verdict() != Verdict.PASS).map(Report::human)
                .collect(Collectors.joining());
    }

    /** The ids of the checks that never run, whatever the hosting bridge does. */
    private static Set<String> notObservable() {
        return ConformanceRun.NOT_OBSERVABLE.keySet().stream().map(ConformanceRun.Check::id).collect(Collectors.toSet());
    }

    /** The checks of {@code results} with {@code verdict}. */
    private static Set<String> with(List<CheckResult> results, Verdict verdict) {
        return results.stream().filter(r -> r.verdict() == verdict).map(CheckResult::id).collect(Collectors.toSet());
    }

    @Test
    void run_soundHostingEngine_everyObservableCheckPasses_theOthersAreSkippedWithTheReason() {
        EngineWire wire = new EngineWire(EngineWire.Defect.NONE, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom(), true);

        List<CheckResult> results = run.run(r -> { });

        assertEquals(ConformanceRun.CHECKS.size(), results.size());
        assertEquals(notObservable(), with(results, Verdict.SKIP), failures(results));
        assertEquals(Set.of(), with(results, Verdict.FAIL), failures(results));
        results.stream().filter(r -> r.verdict() == Verdict.SKIP).forEach(r -> assertTrue(
                r.detail().startsWith("not observable from outside: ") && r.detail().length() > 60, r.detail()));
        assertEquals(List.of(), run.cleanUp(), "nothing left to release");
        CheckResult handshake = byId(results).get("handshake");
        assertTrue(handshake.evidence().stream().anyMatch(e -> e.startsWith("accept $")), handshake.evidence()
                .toString());
        assertTrue(byId(results).get("request-malformed").evidence().stream()
                .anyMatch(e -> e.contains("invalid_message") && e.contains("/user_id")));
        Map<String, CheckResult> byId = byId(results);
        assertEquals("cancel org.matrix.msc3647.invalid_message", byId.get("content-float").detail());
        assertTrue(byId.get("content-float").evidence().stream().anyMatch(e -> e.contains("/version")),
                byId.get("content-float").evidence().toString());
        assertEquals("cancel org.matrix.msc3647.invalid_message", byId.get("content-depth").detail());
        assertEquals("cancel org.matrix.msc3647.unknown_transaction", byId.get("vb-key-other-sender").detail());
        assertTrue(byId.get("vb-key-other-sender").evidence().stream().anyMatch(e -> e.contains("!userdm:")),
                byId.get("vb-key-other-sender").evidence().toString());
        assertTrue(byId.get("dm-typed-message").detail().startsWith("no reply within"));
        assertTrue(byId.get("flood").detail().contains("org.matrix.msc3647.busy after 4 challenges"),
                byId.get("flood").detail());
    }

    @Test
    void run_floodNotAsked_floodSkippedWithTheReason() {
        EngineWire wire = new EngineWire(EngineWire.Defect.NONE, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom());

        CheckResult flood = byId(run.run(r -> { })).get("flood");

        assertEquals(Verdict.SKIP, flood.verdict());
        assertTrue(flood.detail().contains("--flood") && flood.detail().contains("rate limits"), flood.detail());
    }

    /** The one check a defect of the in-process hosting bridge fails, with the start of its detail. */
    private static void assertOnlyFails(EngineWire.Defect defect, String check, String detailStart) {
        EngineWire wire = new EngineWire(defect, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom(), true);

        List<CheckResult> results = run.run(r -> { });

        assertEquals(Set.of(check), with(results, Verdict.FAIL), failures(results));
        assertTrue(byId(results).get(check).detail().startsWith(detailStart), byId(results).get(check).detail());
    }

    @Test
    void run_hostingEngineReadingTextMessages_failsTheTypedMessageCheckOnly() {
        assertOnlyFails(EngineWire.Defect.READS_TEXT, "dm-typed-message",
                "the hosting bridge took a typed message for a request: challenge");
    }

    @Test
    void run_hostingEngineTrustingTheKeyAlone_failsTheOtherSenderCheckOnly() {
        assertOnlyFails(EngineWire.Defect.TRUSTS_THE_KEY_ALONE, "vb-key-other-sender",
                "the hosting bridge renewed the lease for a heartbeat sent by @alice:home.example");
    }

    @Test
    void run_hostingEngineAcceptingIntegralFloats_failsTheFloatCheckOnly() {
        assertOnlyFails(EngineWire.Defect.LENIENT_NUMBERS, "content-float",
                "expected cancel org.matrix.msc3647.invalid_message, got challenge");
    }

    /** The first cells of the threat model's table (§14.1) in the specification. */
    private static List<String> threatRows() throws Exception {
        String spec = Files.readString(Path.of("..", "spec-notes", "msc3647-byob.md"));
        String table = spec.substring(spec.indexOf("### 14.1 Threat model"), spec.indexOf("### 14.2"));
        return table.lines().filter(l -> l.startsWith("| ") && !l.startsWith("| threat |"))
                .map(l -> l.substring(2, l.indexOf(" | "))).toList();
    }

    @Test
    void threats_everyRowOfTheSpecificationsThreatModel_isCoveredByChecksThatRun() throws Exception {
        List<String> rows = threatRows();
        assertEquals(20, rows.size(), rows.toString());
        for (String row : rows) {
            List<ConformanceRun.Threat> matching = ConformanceRun.THREATS.stream()
                    .filter(t -> row.equals(t.row()) || row.startsWith(t.row() + " ") || row.startsWith(t.row() + ":"))
                    .toList();
            assertEquals(1, matching.size(), "threat row '" + row + "' is covered by " + matching);
            assertFalse(matching.get(0).checks().isEmpty(), row);
            assertTrue(ConformanceRun.CHECKS.containsAll(matching.get(0).checks()), row);
        }
        assertEquals(rows.size(), ConformanceRun.THREATS.size());
        // A check made only to name a row appears under that row.
        ConformanceRun.CHECKS.stream().filter(c -> c.section().equals("§14")).forEach(c -> assertTrue(
                ConformanceRun.THREATS.stream().anyMatch(t -> t.checks().contains(c)), c.id()));
    }

    @Test
    void run_hostingEngineTrustingNicks_failsTheNickCheckOnly_andReleasesTheTrustItGot() {
        EngineWire wire = new EngineWire(EngineWire.Defect.TRUSTS_NICKS, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom());

        List<CheckResult> results = run.run(r -> { });

        List<CheckResult> failed = results.stream().filter(r -> r.verdict() == Verdict.FAIL).toList();
        assertEquals(List.of("irc-not-logged-in"), failed.stream().map(CheckResult::id).toList(), failures(results));
        assertEquals("§8.2", failed.get(0).section());
        assertTrue(failed.get(0).detail().startsWith("ACCEPTED"), failed.get(0).detail());
        List<String> cleanup = run.cleanUp();
        assertEquals(1, cleanup.size(), cleanup.toString());
        assertTrue(cleanup.get(0).contains("revoked") && cleanup.get(0).contains("released"), cleanup.get(0));
    }

    @Test
    void run_challengesLongerThanTheWait_expirySkippedWithTheReason() {
        EngineWire wire = new EngineWire(EngineWire.Defect.NONE, Duration.ofMinutes(10));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom());

        CheckResult expiry = byId(run.run(r -> { })).get("expiry");

        assertEquals(Verdict.SKIP, expiry.verdict());
        assertTrue(expiry.detail().contains("600 s") && expiry.detail().contains("--max-expiry-wait"),
                expiry.detail());
    }

    @Test
    void report_namesTheFailedSection_forPeopleAndMachines() throws Exception {
        EngineWire wire = new EngineWire(EngineWire.Defect.TRUSTS_NICKS, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom());
        List<CheckResult> results = run.run(r -> { });

        String summary = Report.summary(results);
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(Report.json(EngineWire.target(), results,
                run.cleanUp()));

        int skipped = ConformanceRun.NOT_OBSERVABLE.size() + 1; // and the flood, not asked
        assertTrue(summary.endsWith("1 failed, " + skipped + " skipped; failed: §8.2 irc-not-logged-in"), summary);
        assertEquals(1, json.path("summary").path("fail").asInt());
        assertEquals("fail", json.path("checks").get(ConformanceRun.CHECKS.indexOf(ConformanceRun.IRC_NOT_LOGGED_IN))
                .path("verdict").asText());
        assertTrue(Report.human(results.get(0)).startsWith("PASS  §3.1   dm"), Report.human(results.get(0)));
        assertEquals(ConformanceRun.THREATS.size(), json.path("threat_model").size());
        assertEquals("Compromise of the VB key", json.path("threat_model").get(14).path("threat").asText());
        assertEquals("vb-key-other-sender", json.path("threat_model").get(14).path("checks").get(0).asText());
    }
}
