package dev.byob.protocol.id;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A Matrix user id, {@code @localpart:server}, validated against the Matrix grammar.
 *
 * <p>Historical localparts (any printable ASCII except {@code :}) are accepted, as the Matrix
 * specification requires of servers that meet them over federation. The whole id is at most 255
 * bytes.
 */
public record UserId(String value) {

    /** Validates on construction; see {@link #parse(String)}. */
    public UserId {
        Objects.requireNonNull(value, "value");
        if (value.getBytes(StandardCharsets.UTF_8).length > 255) {
            throw new IllegalArgumentException("a user id is at most 255 bytes");
        }
        if (!value.startsWith("@")) {
            throw new IllegalArgumentException("a user id starts with '@'");
        }
        int colon = value.indexOf(':');
        if (colon < 2) {
            throw new IllegalArgumentException("a user id is @localpart:server with a non-empty localpart");
        }
        for (int i = 1; i < colon; i++) {
            char c = value.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new IllegalArgumentException("a user id's localpart is printable ASCII");
            }
        }
        ServerName.validate(value, colon + 1);
    }

    /** Parses {@code @localpart:server}, throwing {@link IllegalArgumentException} with the reason. */
    public static UserId parse(String value) {
        return new UserId(value);
    }

    /** The part after the first colon: the user's homeserver. */
    public String serverName() {
        return value.substring(value.indexOf(':') + 1);
    }

    /** The part between {@code @} and the first colon. */
    public String localpart() {
        return value.substring(1, value.indexOf(':'));
    }

    @Override
    public String toString() {
        return value;
    }
}
