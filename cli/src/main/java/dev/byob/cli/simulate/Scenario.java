package dev.byob.cli.simulate;

import dev.byob.protocol.message.CancelCode;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The stories {@code byob simulate} can tell. A refusal story ends with the hosting bridge's engine
 * refusing with exactly {@link #refusal()}; every code of spec §4.10 an HB sends has one, except
 * {@code user}, which a hosting bridge's engine never sends (only a human cancels with it).
 */
public enum Scenario {
    HAPPY_PATH("happy-path", "a visiting bridge proves both accounts and the hosting bridge steps aside", null, true),
    OVERRIDE("override", "a second visiting bridge logs in for the same user and replaces the first", null, true),
    RACE("race", "two visiting bridges log in for the same user at once; the last to finish holds trust", null, true),
    REVOKE("revoke", "the user tells the hosting bridge to take over again (a decommissioned bridge)", null, false),
    LEASE_LAPSE("lease-lapse", "the visiting bridge goes down, the hosting bridge fills in, the bridge returns", null,
            true),
    SEVERAL_HBS("several-hbs", "one visiting bridge, two hosting bridges on one network: a trust record and a "
            + "lease with each; the user revokes one, the other stays", null, true),
    PORTAL_TOMBSTONE("portal-tombstone", "the visiting bridge's own portal room for #chat meets a hosting "
            + "bridge's room for #chat: once trusted, it tombstones the portal (and no other room)", null, true),
    REFUSED_BAD_SIGNATURE("refused-bad-signature", "the answer's signature is altered on the way",
            CancelCode.BAD_SIGNATURE, false),
    REFUSED_KEY_MISMATCH("refused-key-mismatch", "the answer is signed with a key other than the one the request "
            + "pinned", CancelCode.KEY_MISMATCH, false),
    REFUSED_REPLAYED("refused-replayed", "while the IRC proof is slow, a second, different answer comes under "
            + "the same txn_id", CancelCode.REPLAYED, false),
    REFUSED_WRONG_MATRIX_ACCOUNT("refused-wrong-matrix-account", "the Matrix proof is sent by another Matrix user",
            CancelCode.MATRIX_PROOF_FAILED, false),
    REFUSED_WRONG_REMOTE_ACCOUNT("refused-wrong-remote-account", "the IRC proof comes from a connection logged in "
            + "to another services account (alias: wrong-account)", CancelCode.REMOTE_PROOF_FAILED, false),
    REFUSED_EXPIRED("refused-expired", "the answer is held until after the challenge expired: the hosting "
            + "bridge's timer fires", CancelCode.TIMEOUT, false),
    IGNORED_OUTSIDE_DM("ignored-outside-dm", "the request is sent in a shared room instead of the DM: the "
            + "hosting bridge ignores it (§3.4, H7) and the visiting bridge gives up", null, false),
    REFUSED_HEARTBEAT_SEQ("refused-heartbeat-seq", "after trust, a heartbeat comes again with an old seq under a "
            + "new txn_id (a replay)", CancelCode.UNEXPECTED_MESSAGE, true),
    REFUSED_INVALID_MESSAGE("refused-invalid-message", "the request lacks its remote_account",
            CancelCode.INVALID_MESSAGE, false),
    REFUSED_UNSUPPORTED_VERSION("refused-unsupported-version", "the request says version 2",
            CancelCode.UNSUPPORTED_VERSION, false),
    REFUSED_UNSUPPORTED_METHOD("refused-unsupported-method", "the visiting bridge offers no remote proof the "
            + "hosting bridge checks", CancelCode.UNSUPPORTED_METHOD, false),
    REFUSED_NOT_BRIDGED("refused-not-bridged", "the request is for a network the hosting bridge does not bridge",
            CancelCode.NOT_BRIDGED, false),
    REFUSED_RATE_LIMITED("refused-rate-limited", "the visiting bridge logs in and out ten times in ten minutes; "
            + "its eleventh request is one too many", CancelCode.RATE_LIMITED, false),
    REFUSED_BUSY("refused-busy", "five visiting bridges log in for one user at once; the fifth exceeds the "
            + "handshakes in flight per user", CancelCode.BUSY, true),
    REFUSED_UNKNOWN_TRANSACTION("refused-unknown-transaction", "the hosting bridge restarts mid-handshake and "
            + "forgets the exchange the answer names", CancelCode.UNKNOWN_TRANSACTION, false);

    private final String id;
    private final String description;
    private final CancelCode refusal;
    private final boolean endsInForce;

    Scenario(String id, String description, CancelCode refusal, boolean endsInForce) {
        this.id = id;
        this.description = description;
        this.refusal = refusal;
        this.endsInForce = endsInForce;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    /** One line on what happens. */
    public String description() {
        return description;
    }

    /** The cancel code the hosting bridge refuses with in this story, if it is a refusal story. */
    public Optional<CancelCode> refusal() {
        return Optional.ofNullable(refusal);
    }

    /** Whether, without faults, the story ends with a trust record in force. */
    public boolean endsInForce() {
        return endsInForce;
    }

    /** The scenario named {@code id}; {@code wrong-account} is the older name of the remote-account refusal. */
    public static Optional<Scenario> byId(String id) {
        if ("wrong-account".equals(id)) {
            return Optional.of(REFUSED_WRONG_REMOTE_ACCOUNT);
        }
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    /** Every name, for help and errors. */
    public static String ids() {
        return Arrays.stream(values()).map(Scenario::id).collect(Collectors.joining(", "));
    }
}
