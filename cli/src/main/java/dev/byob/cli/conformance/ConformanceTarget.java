package dev.byob.cli.conformance;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.UserId;
import java.time.Duration;
import java.util.Objects;

/**
 * What the conformance run is about: the hosting bridge's bot, the test user, the visiting bridge's bot, and
 * the user's account on the network; and how long to wait.
 *
 * @param reply how long to wait for a reply the hosting bridge must send
 * @param quiet how long to wait for a reply the hosting bridge must not send (or before concluding it sent none)
 * @param maxExpiryWait the longest challenge lifetime the run waits out to see the exchange expire
 */
public record ConformanceTarget(UserId hbBot, UserId user, UserId vbBot, Network network,
                                RemoteAccount remoteAccount, Duration reply, Duration quiet, Duration maxExpiryWait) {
    /** Checks for null. */
    public ConformanceTarget {
        Objects.requireNonNull(hbBot, "hbBot");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(vbBot, "vbBot");
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(remoteAccount, "remoteAccount");
        Objects.requireNonNull(reply, "reply");
        Objects.requireNonNull(quiet, "quiet");
        Objects.requireNonNull(maxExpiryWait, "maxExpiryWait");
    }
}
