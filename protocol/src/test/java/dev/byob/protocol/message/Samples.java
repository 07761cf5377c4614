package dev.byob.protocol.message;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import java.util.List;
import java.util.Optional;

/** One or more valid messages of every type, built as records, with fixed keys. */
final class Samples {
    /** The Matrix specification's test seed, which the specification's signed examples use. */
    static final SigningKey VB_KEY =
            SigningKey.fromSeedBase64(KeyId.ed25519("1"), "YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1");
    /** Another key, for signatures that must not verify. */
    static final SigningKey OTHER_KEY = SigningKey.fromSeed(KeyId.ed25519("1"), new byte[32]);

    static final TxnId TXN = new TxnId("hs.7Qm2xK9pLr");
    static final UserId HB_BOT = new UserId("@ircbot:hb.example");
    static final UserId USER = new UserId("@alice:home.example");
    static final UserId VB_BOT = new UserId("@byob:vb.example");
    static final Network NETWORK = Network.irc("irc.example.net");
    static final RemoteAccount ACCOUNT = new RemoteAccount("alice");
    static final Nonce MATRIX_NONCE = new Nonce("q3Vb0Lh8Zt2wXy_4Ka-9Rg");
    static final Nonce REMOTE_NONCE = new Nonce("Wm5sP1dF7cJ0nTe-Bx3uYA");

    private Samples() {}

    static Request request() {
        return new Request(TXN, HB_BOT, USER, NETWORK, ACCOUNT, new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()),
                List.of("dm", "to_device"), List.of("irc.account_privmsg"));
    }

    static Challenge challenge(boolean roomEvent) {
        return new Challenge(TXN,
                new Challenge.MatrixChallenge(roomEvent ? "room_event" : "dm", MATRIX_NONCE,
                        roomEvent ? Optional.of(new RoomId("!chat:hb.example")) : Optional.empty()),
                new Challenge.RemoteChallenge("irc.account_privmsg", REMOTE_NONCE, "hb-bridge"), 1_767_226_200_000L);
    }

    static MatrixProof matrixProof() {
        return new MatrixProof(TXN, HB_BOT, MATRIX_NONCE);
    }

    static Answer answer(Answer.MatrixEvidence evidence) {
        return new Answer(TXN, HB_BOT, USER, NETWORK, ACCOUNT, evidence, new Answer.RemoteEvidence("irc.account_privmsg"),
                MATRIX_NONCE.sha256(), REMOTE_NONCE.sha256());
    }

    static Answer.MatrixEvidence dmEvidence() {
        return new Answer.MatrixEvidence("dm", Optional.of(new EventId("$proof:home.example")),
                Optional.of(new RoomId("!dm:home.example")), Optional.empty());
    }

    static Answer.MatrixEvidence openIdEvidence() {
        return new Answer.MatrixEvidence("openid", Optional.empty(), Optional.empty(),
                Optional.of(new Answer.OpenIdToken("SomeT0ken", "home.example")));
    }

    static Accept accept() {
        return new Accept(TXN, 3, 1_767_225_642_000L, new Accept.LeaseTerms(90_000, 30_000));
    }

    static Cancel cancel() {
        return new Cancel(TXN, CancelCode.NOT_BRIDGED, "this bridge does not bridge irc/irc.other.net");
    }

    static Heartbeat heartbeat() {
        return new Heartbeat(new TxnId("hb.Zx81Qa0cTy"), USER, NETWORK, 3, 1_767_225_700_000L, 2);
    }

    static Lease lease(List<Lease.FillIn> filledIn, boolean more) {
        return new Lease(new TxnId("hb.Zx81Qa0cTy"), USER, NETWORK, 3, 1_767_225_700_000L, 90_000, filledIn, more);
    }

    static Lease.FillIn fullFillIn(long seq) {
        return new Lease.FillIn(seq, Lease.Direction.TO_MATRIX, Optional.of(new EventId("$relayed:hb.example")),
                Optional.of("1AAAAB3F9"), Optional.of(new RoomId("!chat:hb.example")), 1_767_225_651_007L);
    }

    static Lease.FillIn bareFillIn(long seq) {
        return new Lease.FillIn(seq, Lease.Direction.TO_REMOTE, Optional.empty(), Optional.empty(), Optional.empty(), 0);
    }

    static Release release(Optional<String> reason) {
        return new Release(new TxnId("rl.P0q9Lm3vKd"), USER, NETWORK, 3, reason);
    }

    static Revoked revoked() {
        return new Revoked(new TxnId("rl.P0q9Lm3vKd"), USER, NETWORK, 3, RevokeCode.RELEASED,
                "released at the visiting bridge's request");
    }

    /** Every sample, with every optional field present in one and absent in another. */
    static List<ByobMessage> all() {
        return List.of(
                request(),
                challenge(false),
                challenge(true),
                matrixProof(),
                answer(dmEvidence()),
                answer(openIdEvidence()),
                answer(new Answer.MatrixEvidence("to_device", Optional.empty(), Optional.empty(), Optional.empty())),
                accept(),
                cancel(),
                new Cancel(TXN, new CancelCode("com.example.unknown_code"), ""),
                heartbeat(),
                lease(List.of(), false),
                lease(List.of(bareFillIn(3), fullFillIn(4)), true),
                release(Optional.of("the user logged out")),
                release(Optional.empty()),
                revoked(),
                new Revoked(new TxnId("rv.unsolicited1"), USER, NETWORK, 1, new RevokeCode("com.example.future"), ""));
    }

    /** The encoded content of {@code message}, as a mutable tree. */
    static ObjectNode content(ByobMessage message) {
        return MessageCodec.encode(message);
    }
}
