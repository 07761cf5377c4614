package dev.byob.protocol.id;

import java.util.regex.Pattern;

/** Validation of a Matrix server name: a DNS name, IPv4 or bracketed IPv6 literal, optional port. */
final class ServerName {
    private static final Pattern SERVER_NAME = Pattern.compile(
            "(?:\\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,255})(?::[0-9]{1,5})?");

    private ServerName() {}

    static void validate(String serverName) {
        if (!SERVER_NAME.matcher(serverName).matches()) {
            throw new IllegalArgumentException("'" + serverName + "' is not a valid server name");
        }
    }
}
