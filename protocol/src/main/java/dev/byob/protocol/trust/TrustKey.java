package dev.byob.protocol.trust;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import java.util.Objects;

/** What a trust record is kept per: one hosting bridge, one Matrix user, one remote network. */
public record TrustKey(UserId hbBot, UserId userId, Network network) {
    public TrustKey {
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(network, "network");
    }

    @Override
    public String toString() {
        return userId + " on " + network + " via " + hbBot;
    }
}
