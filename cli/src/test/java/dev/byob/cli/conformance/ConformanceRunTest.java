package dev.byob.cli.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.cli.conformance.CheckResult.Verdict;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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

    @Test
    void run_soundHostingEngine_everyCheckPasses() {
        EngineWire wire = new EngineWire(EngineWire.Defect.NONE, Duration.ofSeconds(20));
        ConformanceRun run = new ConformanceRun(EngineWire.target(), wire, new SecureRandom());

        List<CheckResult> results = run.run(r -> { });

        assertEquals(ConformanceRun.CHECKS.size(), results.size());
        assertTrue(results.stream().allMatch(r -> r.verdict() == Verdict.PASS), failures(results));
        assertEquals(List.of(), run.cleanUp(), "nothing left to release");
        CheckResult handshake = byId(results).get("handshake");
        assertTrue(handshake.evidence().stream().anyMatch(e -> e.startsWith("accept $")), handshake.evidence()
                .toString());
        assertTrue(byId(results).get("request-malformed").evidence().stream()
                .anyMatch(e -> e.contains("invalid_message") && e.contains("/user_id")));
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

        assertTrue(summary.endsWith("1 failed, 0 skipped; failed: §8.2 irc-not-logged-in"), summary);
        assertEquals(1, json.path("summary").path("fail").asInt());
        assertEquals("fail", json.path("checks").get(ConformanceRun.CHECKS.indexOf(ConformanceRun.IRC_NOT_LOGGED_IN))
                .path("verdict").asText());
        assertTrue(Report.human(results.get(0)).startsWith("PASS  §3.1   dm"), Report.human(results.get(0)));
    }
}
