package dev.byob.cli.simulate;

/**
 * What goes wrong during a run, drawn from the run's seed where it is random: messages in the DM lost,
 * delivered twice, held up (which can reorder them) or replayed; answers altered or held past their
 * challenge's expiry; proofs made from the wrong account. Every fault applies to any scenario.
 *
 * @param drop probability that a DM message is lost
 * @param duplicate probability that a DM message arrives twice
 * @param jitterMs up to this many extra milliseconds on each delivery
 * @param vbIgnoresFillIns a faulty visiting bridge that relays its backlog without skipping what the
 *     hosting bridge filled in: the invariants must catch the duplicates it causes
 * @param tamperAnswers someone on the way alters a signed answer: the hosting bridge must refuse it
 * @param replayMs when above 0, every DM message is delivered again this much later (a replay)
 * @param wrongMatrixAccount the Matrix proof is sent by another Matrix user than the one named
 * @param wrongRemoteAccount the remote proof comes from a connection logged in to another account
 * @param expireTimers every answer and cancel of a visiting bridge is held until its challenge has expired, so
 *     the hosting bridge's timer fires
 */
public record Faults(double drop, double duplicate, long jitterMs, boolean vbIgnoresFillIns, boolean tamperAnswers,
                     long replayMs, boolean wrongMatrixAccount, boolean wrongRemoteAccount, boolean expireTimers) {
    /** Nothing goes wrong. */
    public static final Faults NONE = new Faults(0, 0, 0, false, false, 0, false, false, false);

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
        return drop > 0 || duplicate > 0 || jitterMs > 0 || vbIgnoresFillIns || tamperAnswers || replayMs > 0
                || wrongMatrixAccount || wrongRemoteAccount || expireTimers;
    }
}
