package dev.byob.cli.simulate;

/**
 * What goes wrong on the way between the two bridges' bots, drawn from the run's seed: messages in the
 * DM lost, delivered twice, or held up by a random extra delay (which can reorder them).
 *
 * @param drop probability that a DM message is lost
 * @param duplicate probability that a DM message arrives twice
 * @param jitterMs up to this many extra milliseconds on each delivery
 * @param vbIgnoresFillIns a faulty visiting bridge that relays its backlog without skipping what the
 *     hosting bridge filled in: the invariants must catch the duplicates it causes
 * @param tamperAnswers someone on the way alters a signed answer: the hosting bridge must refuse it
 * @param replayMs when above 0, every DM message is delivered again this much later (a replay)
 */
public record Faults(double drop, double duplicate, long jitterMs, boolean vbIgnoresFillIns, boolean tamperAnswers,
                     long replayMs) {
    /** Nothing goes wrong. */
    public static final Faults NONE = new Faults(0, 0, 0, false, false, 0);

    public Faults {
        if (drop < 0 || drop > 1 || duplicate < 0 || duplicate > 1) {
            throw new IllegalArgumentException("probabilities are between 0 and 1");
        }
        if (jitterMs < 0 || jitterMs > 600_000 || replayMs < 0 || replayMs > 3_600_000) {
            throw new IllegalArgumentException("jitter is 0 to 600000 ms, replay delay 0 to 3600000 ms");
        }
    }

    /** Whether any fault is switched on. */
    public boolean any() {
        return drop > 0 || duplicate > 0 || jitterMs > 0 || vbIgnoresFillIns || tamperAnswers || replayMs > 0;
    }
}
