package dev.byob.hosting.config;

import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the bridge accepts from visiting bridges and its limits, as in
 * {@link dev.byob.protocol.hosting.HostingPolicy}.
 *
 * @param matrixProofMethods the Matrix proof methods accepted, in order of preference; always with {@code dm}
 * @param lease how long a lease lasts
 * @param heartbeatInterval how often a visiting bridge should renew it
 * @param challengeTtl how long a challenge stays valid
 * @param requestsPerVb requests one visiting bridge's bot may make per {@code rateWindow}
 * @param requestsPerUser requests for one user per {@code rateWindow}
 * @param rateWindow the window of both request limits
 * @param maxInFlight exchanges in flight at once, over all users
 * @param maxInFlightPerUser exchanges in flight at once for one user
 * @param admins Matrix users who may inspect every trust record through the bridge bot ({@code trust list},
 *     {@code trust show}) and end one ({@code trust revoke})
 * @param fillInGrace how long after a lease ends the bridge waits before filling in (spec §12.4's <i>G</i>): at
 *     least the longest delay expected between a visiting bridge's relay and the bridge observing it
 */
public record ByobPolicyConfig(List<String> matrixProofMethods, Duration lease, Duration heartbeatInterval,
                               Duration challengeTtl, int requestsPerVb, int requestsPerUser, Duration rateWindow,
                               int maxInFlight, int maxInFlightPerUser, List<UserId> admins, Duration fillInGrace) {
    /** The fill-in grace when none is configured, as the spec recommends. */
    public static final Duration DEFAULT_FILL_IN_GRACE = Duration.ofSeconds(10);

    /** Copies the lists and checks the fields are present. */
    public ByobPolicyConfig {
        matrixProofMethods = List.copyOf(matrixProofMethods);
        admins = List.copyOf(admins);
        Objects.requireNonNull(fillInGrace, "fillInGrace");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(challengeTtl, "challengeTtl");
        Objects.requireNonNull(rateWindow, "rateWindow");
    }

    /** A policy with the default fill-in grace. */
    public ByobPolicyConfig(List<String> matrixProofMethods, Duration lease, Duration heartbeatInterval,
                            Duration challengeTtl, int requestsPerVb, int requestsPerUser, Duration rateWindow,
                            int maxInFlight, int maxInFlightPerUser, List<UserId> admins) {
        this(matrixProofMethods, lease, heartbeatInterval, challengeTtl, requestsPerVb, requestsPerUser, rateWindow,
                maxInFlight, maxInFlightPerUser, admins, DEFAULT_FILL_IN_GRACE);
    }

    /** A policy without admins. */
    public ByobPolicyConfig(List<String> matrixProofMethods, Duration lease, Duration heartbeatInterval,
                            Duration challengeTtl, int requestsPerVb, int requestsPerUser, Duration rateWindow,
                            int maxInFlight, int maxInFlightPerUser) {
        this(matrixProofMethods, lease, heartbeatInterval, challengeTtl, requestsPerVb, requestsPerUser, rateWindow,
                maxInFlight, maxInFlightPerUser, List.of());
    }

    /** The lease terms granted with trust. */
    public Accept.LeaseTerms leaseTerms() {
        return new Accept.LeaseTerms(lease.toMillis(), heartbeatInterval.toMillis());
    }
}
