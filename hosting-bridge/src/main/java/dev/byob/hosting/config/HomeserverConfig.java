package dev.byob.hosting.config;

import java.net.URI;
import java.util.Objects;

/**
 * The homeserver the bridge is registered with.
 *
 * @param url its client-server API base URL, e.g. {@code https://matrix.example.org}
 * @param serverName its server name, the part after the colon in its user ids
 */
public record HomeserverConfig(URI url, String serverName) {
    /** Checks the fields are present. */
    public HomeserverConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(serverName, "serverName");
    }
}
