package dev.byob.hosting.store;

import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.Arrays;

/** Keys, visiting bridges and candidates for the store tests. */
public final class StoreFixtures {
    /** The hosting bridge's bot. */
    public static final UserId HB = new UserId("@ircbot:hosting.example");
    /** Another bot of the same hosting bridge. */
    public static final UserId HB2 = new UserId("@ircbot2:hosting.example");
    /** Users. */
    public static final UserId ALICE = new UserId("@alice:home.example");
    public static final UserId BOB = new UserId("@bob:home.example");
    /** Networks. */
    public static final Network LIBERA = Network.irc("libera");
    public static final Network OFTC = Network.irc("oftc");
    /** A time with nanoseconds, to see that instants are kept exactly. */
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00.123456789Z");

    private StoreFixtures() {}

    /** Alice on Libera through {@link #HB}. */
    public static TrustKey aliceKey() {
        return new TrustKey(HB, ALICE, LIBERA);
    }

    /** A visiting bridge {@code @<name>:home.example} with a key derived from {@code seed}. */
    public static VisitingBridgeId vb(String name, int seed) {
        return new VisitingBridgeId(new UserId("@" + name + ":home.example"), verifyKey("v" + seed, seed));
    }

    /** A deterministic Ed25519 public key. */
    public static VerifyKey verifyKey(String version, int seed) {
        byte[] bytes = new byte[SigningKey.SEED_LENGTH];
        Arrays.fill(bytes, (byte) seed);
        return SigningKey.fromSeed(KeyId.ed25519(version), bytes).verifyKey();
    }

    /** A completed handshake for {@code key} by {@code vb}, with a txn id made from {@code n}. */
    public static TrustCandidate candidate(TrustKey key, VisitingBridgeId vb, int n) {
        return new TrustCandidate(key, new RemoteAccount(key.userId().localpart() + "_irc"), vb, "dm",
                "irc.account_privmsg", new TxnId(String.format("handshake-%08d", n)));
    }
}
