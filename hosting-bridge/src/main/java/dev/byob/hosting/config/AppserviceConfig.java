package dev.byob.hosting.config;

import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The bridge as an application service.
 *
 * @param id the registration's id, which must never change
 * @param address where the application-service API listens (default 127.0.0.1)
 * @param port the port it listens on
 * @param url how the homeserver reaches that API (default {@code http://address:port})
 * @param registrationFile the registration file to read the tokens from, if the tokens are not inline
 * @param tokens the tokens, inline or read from {@code registrationFile}; empty only while generating the
 *     registration
 * @param botLocalpart the localpart of the bridge's bot user (the registration's {@code sender_localpart})
 * @param ghostPrefix the localpart prefix of the bridge's ghost users (default {@code irc_})
 */
public record AppserviceConfig(String id, InetAddress address, int port, URI url, Optional<Path> registrationFile,
                               Optional<AppserviceTokens> tokens, String botLocalpart, String ghostPrefix) {
    /** Checks the fields are present. */
    public AppserviceConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(registrationFile, "registrationFile");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(botLocalpart, "botLocalpart");
        Objects.requireNonNull(ghostPrefix, "ghostPrefix");
    }
}
