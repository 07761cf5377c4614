package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.cli.conformance.CheckResult.Verdict;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a conformance run is shown: one block per check for people, one JSON document for machines. */
public final class Report {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Report() {}

    /** One check for people: the verdict, section, id and title, then why and the evidence, indented. */
    public static String human(CheckResult r) {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "%-4s  %-6s %-20s %s%n", r.verdict(),
                r.section(), r.id(), r.title()));
        s.append("      ").append(r.detail()).append(System.lineSeparator());
        for (String line : r.evidence()) {
            s.append("        ").append(line).append(System.lineSeparator());
        }
        return s.toString();
    }

    /** The closing line: counts, and the failed checks by section. */
    public static String summary(List<CheckResult> results) {
        long pass = count(results, Verdict.PASS);
        long fail = count(results, Verdict.FAIL);
        long skip = count(results, Verdict.SKIP);
        String failed = results.stream().filter(r -> r.verdict() == Verdict.FAIL)
                .map(r -> r.section() + " " + r.id()).collect(Collectors.joining(", "));
        return pass + " passed, " + fail + " failed, " + skip + " skipped" + (fail > 0 ? "; failed: " + failed : "");
    }

    /** The whole run as one JSON document. */
    public static String json(ConformanceTarget target, List<CheckResult> results, List<String> cleanup) {
        ObjectNode root = JSON.createObjectNode();
        root.put("hb_bot", target.hbBot().value());
        root.put("user_id", target.user().value());
        root.put("vb_bot", target.vbBot().value());
        root.putObject("network").put("protocol", target.network().protocol()).put("id", target.network().id());
        root.put("remote_account", target.remoteAccount().name());
        ArrayNode checks = root.putArray("checks");
        for (CheckResult r : results) {
            ObjectNode c = checks.addObject();
            c.put("id", r.id());
            c.put("section", r.section());
            c.put("title", r.title());
            c.put("verdict", r.verdict().name().toLowerCase(Locale.ROOT));
            c.put("detail", r.detail());
            ArrayNode ev = c.putArray("evidence");
            r.evidence().forEach(ev::add);
        }
        // Each row of the threat model (§14.1) with the checks that cover it, so none is silently left out.
        ArrayNode threats = root.putArray("threat_model");
        for (ConformanceRun.Threat t : ConformanceRun.THREATS) {
            ObjectNode row = threats.addObject();
            row.put("threat", t.row());
            ArrayNode ids = row.putArray("checks");
            t.checks().forEach(c -> ids.add(c.id()));
        }
        ArrayNode clean = root.putArray("cleanup");
        cleanup.forEach(clean::add);
        ObjectNode summary = root.putObject("summary");
        summary.put("pass", count(results, Verdict.PASS));
        summary.put("fail", count(results, Verdict.FAIL));
        summary.put("skip", count(results, Verdict.SKIP));
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long count(List<CheckResult> results, Verdict verdict) {
        return results.stream().filter(r -> r.verdict() == verdict).count();
    }
}
