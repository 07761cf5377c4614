package dev.byob.cli.simulate;

/** A rule of the specification broken during a simulated run: which rule, when, and what was seen. */
public final class InvariantViolation extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String invariant;
    private final long step;

    InvariantViolation(String invariant, long step, String detail) {
        super(invariant + " violated at step " + step + ": " + detail);
        this.invariant = invariant;
        this.step = step;
    }

    /** The rule's name. */
    public String invariant() {
        return invariant;
    }

    /** The step of the run (counting deliveries and timers) after which it was seen broken. */
    public long step() {
        return step;
    }
}
