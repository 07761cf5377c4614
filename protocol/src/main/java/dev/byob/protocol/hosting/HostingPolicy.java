package dev.byob.protocol.hosting;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.remote.RemoteProofMethod;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a hosting bridge accepts and its limits.
 *
 * @param hbBot the hosting bridge's bot user
 * @param remoteBots per bridged network, the bot on that network that receives remote proofs
 * @param remoteMethods per bridged network, the remote proof method it checks
 * @param matrixMethods the Matrix proof methods accepted, in order of preference; {@code dm} at least
 * @param challengeTtl how long a challenge stays valid
 * @param lease the lease granted with trust
 * @param fillInGrace how long after a lease ends the hosting bridge waits before filling in: at least the
 *     longest delay expected between a relay being sent and this bridge observing it
 * @param maxInFlight exchanges in flight at once, over all users ({@code busy} beyond)
 * @param maxInFlightPerUser exchanges in flight at once for one user ({@code busy} beyond)
 * @param requestsPerVb requests one visiting bridge bot may make per {@code rateWindow}
 * @param requestsPerUser requests for one user per {@code rateWindow}
 */
public record HostingPolicy(
        UserId hbBot,
        Map<Network, String> remoteBots,
        Map<Network, RemoteProofMethod> remoteMethods,
        List<String> matrixMethods,
        Duration challengeTtl,
        Accept.LeaseTerms lease,
        Duration fillInGrace,
        int maxInFlight,
        int maxInFlightPerUser,
        int requestsPerVb,
        int requestsPerUser,
        Duration rateWindow) {

    /** Validates: the same networks in both maps, at least one Matrix method, limits of at least 1. */
    public HostingPolicy {
        Objects.requireNonNull(hbBot, "hbBot");
        remoteBots = Map.copyOf(remoteBots);
        remoteMethods = Map.copyOf(remoteMethods);
        if (!remoteBots.keySet().equals(remoteMethods.keySet())) {
            throw new IllegalArgumentException("every bridged network needs a remote bot and a proof method");
        }
        matrixMethods = List.copyOf(matrixMethods);
        if (matrixMethods.isEmpty()) {
            throw new IllegalArgumentException("at least one Matrix proof method must be accepted");
        }
        Objects.requireNonNull(challengeTtl, "challengeTtl");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(fillInGrace, "fillInGrace");
        if (fillInGrace.isNegative()) {
            throw new IllegalArgumentException("fillInGrace must not be negative");
        }
        Objects.requireNonNull(rateWindow, "rateWindow");
        if (maxInFlight < 1 || maxInFlightPerUser < 1 || requestsPerVb < 1 || requestsPerUser < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
    }

    /**
     * The defaults of the specification: challenges valid 10 minutes, a 90 s lease renewed every 30 s,
     * fill-in 10 s after a lease ends, 64 exchanges in flight (4 per user), 10 requests per VB and 20 per user an hour.
     */
    public static HostingPolicy defaults(UserId hbBot, Map<Network, String> remoteBots,
                                         Map<Network, RemoteProofMethod> remoteMethods, List<String> matrixMethods) {
        return new HostingPolicy(hbBot, remoteBots, remoteMethods, matrixMethods, Duration.ofMinutes(10),
                new Accept.LeaseTerms(90_000, 30_000), Duration.ofSeconds(10), 64, 4, 10, 20, Duration.ofHours(1));
    }

    /** This policy with other lease terms. */
    public HostingPolicy withLease(Accept.LeaseTerms terms) {
        return new HostingPolicy(hbBot, remoteBots, remoteMethods, matrixMethods, challengeTtl, terms, fillInGrace,
                maxInFlight, maxInFlightPerUser, requestsPerVb, requestsPerUser, rateWindow);
    }
}
