package dev.byob.it.harness;

import java.net.URI;
import java.util.Objects;

/**
 * A Matrix user created for a test, with an access token.
 *
 * @param homeserver the homeserver's client-server API base URL
 * @param userId the full user id, e.g. {@code @alice-1:localhost}
 * @param password the password, for logging in again
 * @param accessToken a token from the registration
 * @param deviceId the device of that token
 */
public record MatrixAccount(URI homeserver, String userId, String password, String accessToken, String deviceId) {
    /** Checks the fields. */
    public MatrixAccount {
        Objects.requireNonNull(homeserver, "homeserver");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(accessToken, "accessToken");
    }

    /** The localpart: what is between {@code @} and the first {@code :}. */
    public String localpart() {
        return userId.substring(1, userId.indexOf(':'));
    }

    @Override
    public String toString() {
        return "MatrixAccount[" + userId + " on " + homeserver + "]";
    }
}
