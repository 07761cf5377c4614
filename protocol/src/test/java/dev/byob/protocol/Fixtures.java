package dev.byob.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** The cast of the protocol tests: one hosting bridge, one user, and visiting bridges with fixed keys. */
public final class Fixtures {
    public static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    public static final UserId HB = UserId.parse("@hb:hosting.example");
    public static final UserId USER = UserId.parse("@alice:home.example");
    public static final UserId VB_BOT = UserId.parse("@vb:home.example");
    public static final UserId VB2_BOT = UserId.parse("@vb2:home.example");
    public static final Network NETWORK = Network.irc("libera");
    public static final RemoteAccount ACCOUNT = new RemoteAccount("alice");
    public static final String IRC_BOT = "HBBot";
    public static final TrustKey KEY = new TrustKey(HB, USER, NETWORK);
    public static final SigningKey VB_KEY = key("vb1", 1);
    public static final SigningKey VB2_KEY = key("vb2", 2);
    public static final SigningKey OTHER_KEY = key("vb1", 3);

    private Fixtures() {}

    /** A deterministic key: every seed byte is {@code fill}. */
    public static SigningKey key(String version, int fill) {
        byte[] seed = new byte[32];
        Arrays.fill(seed, (byte) fill);
        return SigningKey.fromSeed(KeyId.ed25519(version), seed);
    }

    public static VisitingConfig vbConfig() {
        return vbConfig(VB_BOT, VB_KEY);
    }

    public static VisitingConfig vbConfig(UserId bot, SigningKey key) {
        return VisitingConfig.of(KEY, ACCOUNT, bot, key, List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
    }

    public static HostingPolicy hbPolicy() {
        return HostingPolicy.defaults(HB, Map.of(NETWORK, IRC_BOT),
                Map.of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL);
    }

    /** Unsigned content, as the hosting bridge sends. */
    public static ObjectNode content(ByobMessage message) {
        return MessageCodec.encode(message);
    }

    /** Content signed as {@code bot} with {@code key}, as a visiting bridge sends. */
    public static ObjectNode signed(ByobMessage message, UserId bot, SigningKey key) {
        return SignedContent.sign(message, bot, key);
    }
}
