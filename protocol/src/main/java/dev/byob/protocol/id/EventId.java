package dev.byob.protocol.id;

import java.util.Objects;

/** A Matrix event id, {@code $opaque}, at most 255 bytes. */
public record EventId(String value) {

    /** Validates on construction. */
    public EventId {
        Objects.requireNonNull(value, "value");
        RoomId.Opaque.check(value, '$', "event id");
    }

    /** Parses an event id, throwing {@link IllegalArgumentException} with the reason. */
    public static EventId parse(String value) {
        return new EventId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
