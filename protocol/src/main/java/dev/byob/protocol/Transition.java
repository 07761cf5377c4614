package dev.byob.protocol;

import java.util.List;
import java.util.Objects;

/**
 * The result of feeding one input to a state machine: the next state and what the caller must do, in
 * order. A caller applies the outputs (sends messages, records effects durably) before the next input.
 */
public record Transition<S, O>(S state, List<O> outputs) {
    public Transition {
        Objects.requireNonNull(state, "state");
        outputs = List.copyOf(outputs);
    }

    /** No change and nothing to do. */
    public static <S, O> Transition<S, O> stay(S state) {
        return new Transition<>(state, List.of());
    }
}
