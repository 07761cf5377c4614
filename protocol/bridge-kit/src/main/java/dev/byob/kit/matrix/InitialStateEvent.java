package dev.byob.kit.matrix;

import java.util.Objects;

/**
 * A state event a new room starts with (an entry of {@code createRoom}'s {@code initial_state}).
 *
 * @param type the event type, e.g. {@code m.bridge}
 * @param stateKey the state key ({@code ""} for most room-wide state)
 * @param content the content: anything Jackson serializes to a JSON object (a {@code Map}, an
 *     {@code ObjectNode}, a record)
 */
public record InitialStateEvent(String type, String stateKey, Object content) {
    /** Requires every part. */
    public InitialStateEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(stateKey, "stateKey");
        Objects.requireNonNull(content, "content");
    }
}
