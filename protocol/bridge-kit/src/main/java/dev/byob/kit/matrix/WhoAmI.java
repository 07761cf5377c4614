package dev.byob.kit.matrix;

import dev.byob.protocol.id.UserId;
import java.util.Objects;
import java.util.Optional;

/**
 * Who an access token (and, for an application service, the {@code user_id} it acts as) belongs to.
 *
 * @param userId the user
 * @param deviceId the device of the token, if it has one (an application service's has none)
 * @param isGuest whether the user is a guest
 */
public record WhoAmI(UserId userId, Optional<String> deviceId, boolean isGuest) {
    /** Requires the parts. */
    public WhoAmI {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(deviceId, "deviceId");
    }
}
