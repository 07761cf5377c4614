package dev.byob.protocol.id;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A remote chat network, named as MSC2346 bridge events name it: the protocol id ({@code irc}) and the
 * network id ({@code libera}).
 */
public record Network(String protocol, String id) {
    private static final Pattern PROTOCOL = Pattern.compile("[a-z0-9._-]{1,32}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._~-]{1,64}");

    /** Validates on construction: protocol {@code [a-z0-9._-]{1,32}}, id {@code [A-Za-z0-9._~-]{1,64}}. */
    public Network {
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(id, "id");
        if (!PROTOCOL.matcher(protocol).matches()) {
            throw new IllegalArgumentException("a protocol is 1 to 32 of [a-z0-9._-]");
        }
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a network id is 1 to 64 of [A-Za-z0-9._~-]");
        }
    }

    /** Shorthand for an IRC network. */
    public static Network irc(String id) {
        return new Network("irc", id);
    }

    @Override
    public String toString() {
        return protocol + "/" + id;
    }
}
