package dev.byob.cli.conformance;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of one conformance check.
 *
 * @param id a short stable name, e.g. {@code answer-wrong-nonce}
 * @param section the specification section it checks, e.g. {@code §9}
 * @param title what it checks, in a sentence
 * @param verdict pass, fail or skip
 * @param detail why: what was expected and what was seen, or why it was skipped
 * @param evidence event ids, cancel codes and lines seen, in order
 */
public record CheckResult(String id, String section, String title, Verdict verdict, String detail,
                          List<String> evidence) {

    /** The verdict of a check. */
    public enum Verdict { PASS, FAIL, SKIP }

    /** Checks for null; copies the evidence. */
    public CheckResult {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(section, "section");
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(detail, "detail");
        evidence = List.copyOf(evidence);
    }
}
