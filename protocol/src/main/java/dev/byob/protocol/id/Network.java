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
        checkProtocol(protocol);
        checkId(id);
    }

    /**
     * Checks a protocol id on its own, so a decoder can name the offending field.
     *
     * @param protocol the value of {@code network.protocol}
     * @return {@code protocol}
     * @throws IllegalArgumentException unless it is 1 to 32 of {@code [a-z0-9._-]}
     */
    public static String checkProtocol(String protocol) {
        Objects.requireNonNull(protocol, "protocol");
        if (!PROTOCOL.matcher(protocol).matches()) {
            throw new IllegalArgumentException("a protocol is 1 to 32 of [a-z0-9._-]");
        }
        return protocol;
    }

    /**
     * Checks a network id on its own, so a decoder can name the offending field.
     *
     * @param id the value of {@code network.id}
     * @return {@code id}
     * @throws IllegalArgumentException unless it is 1 to 64 of {@code [A-Za-z0-9._~-]}
     */
    public static String checkId(String id) {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("a network id is 1 to 64 of [A-Za-z0-9._~-]");
        }
        return id;
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
