package dev.byob.protocol.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.Cancel;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Challenge;
import dev.byob.protocol.message.Heartbeat;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MatrixProof;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.Revoked;
import dev.byob.protocol.message.VisitingBridgeId;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Typical messages of every type, built deterministically, for the benchmarks. Sizes are those of a
 * real handshake: full user and room ids, 22-character nonces, a lease with two fill-in entries.
 */
final class Samples {

    static final UserId HB_BOT = UserId.parse("@hb:hosting.example");
    static final UserId VB_BOT = UserId.parse("@vb:home.example");
    static final UserId USER = UserId.parse("@alice:home.example");
    static final Network NETWORK = Network.irc("libera");
    static final RemoteAccount ACCOUNT = new RemoteAccount("alice");
    static final RoomId ROOM = RoomId.parse("!QtykxKocfZaZOUrTwp:hosting.example");
    static final long NOW = 1_767_225_600_000L;

    /** The visiting bridge's key: fixed seed, so every run signs the same bytes. */
    static final SigningKey VB_KEY;

    static {
        byte[] seed = new byte[32];
        new Random(3647).nextBytes(seed);
        VB_KEY = SigningKey.fromSeed(KeyId.ed25519("vb1"), seed);
    }

    /** The types a visiting bridge signs. */
    static final List<MessageType> SIGNED = List.of(
            MessageType.REQUEST, MessageType.ANSWER, MessageType.HEARTBEAT, MessageType.RELEASE, MessageType.CANCEL);

    private Samples() {}

    /** The message type named by its wire suffix, e.g. {@code matrix_proof}. */
    static MessageType type(String suffix) {
        return MessageType.fromEventType(MessageType.PREFIX + suffix)
                .orElseThrow(() -> new IllegalArgumentException("no message type " + suffix));
    }

    /** A typical message of {@code type}. */
    static ByobMessage message(MessageType type) {
        Random random = new Random(type.ordinal());
        TxnId txn = TxnId.random(random);
        Nonce matrixNonce = Nonce.random(random);
        Nonce remoteNonce = Nonce.random(random);
        switch (type) {
            case REQUEST:
                return new Request(txn, HB_BOT, USER, NETWORK, ACCOUNT,
                        new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()),
                        ProofMethods.MATRIX_ALL, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
            case CHALLENGE:
                return new Challenge(txn,
                        new Challenge.MatrixChallenge(ProofMethods.MATRIX_ROOM_EVENT, matrixNonce, Optional.of(ROOM)),
                        new Challenge.RemoteChallenge(ProofMethods.IRC_ACCOUNT_PRIVMSG, remoteNonce, "byob-hb"),
                        NOW + 600_000);
            case MATRIX_PROOF:
                return new MatrixProof(txn, HB_BOT, matrixNonce);
            case ANSWER:
                return new Answer(txn, HB_BOT, USER, NETWORK, ACCOUNT,
                        new Answer.MatrixEvidence(ProofMethods.MATRIX_ROOM_EVENT,
                                Optional.of(EventId.parse("$Rqnc-F-dvnEYJTyHq_iKxU2bZ1CI92-kuZq3a5lr5Zg")),
                                Optional.of(ROOM), Optional.empty()),
                        new Answer.RemoteEvidence(ProofMethods.IRC_ACCOUNT_PRIVMSG),
                        matrixNonce.sha256(), remoteNonce.sha256());
            case ACCEPT:
                return new Accept(txn, 1, NOW, new Accept.LeaseTerms(3_600_000, 600_000));
            case CANCEL:
                return new Cancel(txn, CancelCode.USER, "the user cancelled the request");
            case HEARTBEAT:
                return new Heartbeat(txn, USER, NETWORK, 1, 42, 7);
            case LEASE:
                return new Lease(txn, USER, NETWORK, 1, 42, 3_600_000, List.of(
                        new Lease.FillIn(8, Lease.Direction.TO_REMOTE,
                                Optional.of(EventId.parse("$0hu4LwXxGq4lTJ9wLxd7xQ3kbE6-Qv8bx8ILtDbbj3c")),
                                Optional.empty(), Optional.of(ROOM), NOW - 30_000),
                        new Lease.FillIn(9, Lease.Direction.TO_MATRIX, Optional.empty(),
                                Optional.of("irc-msgid-000123"), Optional.of(ROOM), NOW - 20_000)),
                        false);
            case RELEASE:
                return new Release(txn, USER, NETWORK, 1, Optional.of("the user logged out"));
            case REVOKED:
                return new Revoked(txn, USER, NETWORK, 1, RevokeCode.RELEASED, "released by the visiting bridge");
            default:
                throw new AssertionError(type);
        }
    }

    /**
     * Event content as it arrives from a homeserver: UTF-8 JSON in the sender's field order, not
     * canonical.
     */
    static byte[] wire(JsonNode content) {
        try {
            return CanonicalJson.mapper().writeValueAsBytes(content);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
