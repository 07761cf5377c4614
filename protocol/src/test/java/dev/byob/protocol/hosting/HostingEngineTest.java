package dev.byob.protocol.hosting;

import static dev.byob.protocol.Fixtures.ACCOUNT;
import static dev.byob.protocol.Fixtures.HB;
import static dev.byob.protocol.Fixtures.IRC_BOT;
import static dev.byob.protocol.Fixtures.KEY;
import static dev.byob.protocol.Fixtures.NETWORK;
import static dev.byob.protocol.Fixtures.OTHER_KEY;
import static dev.byob.protocol.Fixtures.T0;
import static dev.byob.protocol.Fixtures.USER;
import static dev.byob.protocol.Fixtures.VB2_BOT;
import static dev.byob.protocol.Fixtures.VB2_KEY;
import static dev.byob.protocol.Fixtures.VB_BOT;
import static dev.byob.protocol.Fixtures.VB_KEY;
import static dev.byob.protocol.Fixtures.signed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Fixtures;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.hosting.HostingEngine.RelayMode;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.Cancel;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Challenge;
import dev.byob.protocol.message.Heartbeat;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MatrixProof;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.Revoked;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HostingEngineTest {
    private static final RoomId DM = RoomId.parse("!dm:home.example");
    private static final RoomId USER_DM = RoomId.parse("!alice-hb:home.example");

    private final InMemoryTrustStore store = new InMemoryTrustStore();
    private final InMemoryFillInLog fillInLog = new InMemoryFillInLog();
    private HostingEngine hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, new Random(3), T0);
    private int txns;

    // ---- a scripted visiting bridge ----

    private Request request(UserId bot, SigningKey key, List<String> matrixMethods) {
        return new Request(new TxnId("txn-" + (++txns) + "-abcdef"), HB, USER, NETWORK, ACCOUNT,
                new VisitingBridgeId(bot, key.verifyKey()), matrixMethods, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
    }

    private Request request() {
        return request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_DM));
    }

    private static HostingInput dm(UserId sender, ByobMessage m, ObjectNode content) {
        return new HostingInput.RoomMessage(DM, true, sender, m.type().eventType(), content);
    }

    private List<HostingOutput> send(UserId bot, SigningKey key, ByobMessage m, Instant at) {
        return hb.handle(dm(bot, m, signed(m, bot, key)), at);
    }

    private static <T> T first(List<HostingOutput> out, Class<T> type) {
        return out.stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + out));
    }

    private static ByobMessage sent(List<HostingOutput> out, MessageType type) {
        HostingOutput.Send s = out.stream().filter(HostingOutput.Send.class::isInstance).map(HostingOutput.Send.class::cast)
                .filter(x -> x.type() == type).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type + " sent in " + out));
        try {
            return MessageCodec.decode(type.eventType(), s.content());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static long sendCount(List<HostingOutput> out) {
        return out.stream().filter(HostingOutput.Send.class::isInstance).count();
    }

    private static CancelCode cancelled(List<HostingOutput> out) {
        return ((Cancel) sent(out, MessageType.CANCEL)).code();
    }

    private Challenge challenged(Request r, UserId bot, SigningKey key) {
        return (Challenge) sent(send(bot, key, r, T0), MessageType.CHALLENGE);
    }

    private static Answer answer(Request r, Challenge c) {
        return new Answer(r.txnId(), r.hbBot(), r.userId(), r.network(), r.remoteAccount(),
                new Answer.MatrixEvidence(c.matrixProof().method(), Optional.of(EventId.parse("$p")), Optional.of(USER_DM),
                        Optional.empty()),
                new Answer.RemoteEvidence(c.remoteProof().method()), c.matrixProof().nonce().sha256(),
                c.remoteProof().nonce().sha256());
    }

    private List<HostingOutput> matrixProof(Request r, Challenge c, Instant at) {
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        return hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, USER, Optional.of(USER_DM),
                Optional.of(EventId.parse("$p")), true, false, MessageCodec.encode(p)), at);
    }

    private List<HostingOutput> remoteProof(Challenge c, String account, Instant at) {
        return hb.handle(new HostingInput.RemoteMessageSeen(NETWORK, "alice", Optional.ofNullable(account),
                "byob-proof " + c.remoteProof().nonce().value()), at);
    }

    /** A whole successful handshake; returns the outputs of its last step. */
    private List<HostingOutput> handshake(UserId bot, SigningKey key, Instant at) {
        Request r = request(bot, key, List.of(ProofMethods.MATRIX_DM));
        Challenge c = (Challenge) sent(send(bot, key, r, at), MessageType.CHALLENGE);
        matrixProof(r, c, at);
        remoteProof(c, "alice", at);
        return send(bot, key, answer(r, c), at);
    }

    // ---- requests ----

    @Test
    void request_valid_challengesWithTheFirstCommonMethodAndFreshNonces() {
        RoomId bridged = RoomId.parse("!libera-room:hosting.example");
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, (user, network) -> Optional.of(bridged),
                new Random(3), T0);
        Request r = request(VB_BOT, VB_KEY, List.of("carrier-pigeon", ProofMethods.MATRIX_ROOM_EVENT, ProofMethods.MATRIX_DM));
        List<HostingOutput> out = send(VB_BOT, VB_KEY, r, T0);
        Challenge c = (Challenge) sent(out, MessageType.CHALLENGE);
        assertEquals(ProofMethods.MATRIX_ROOM_EVENT, c.matrixProof().method());
        assertEquals(Optional.of(bridged), c.matrixProof().roomId());
        assertEquals(ProofMethods.IRC_ACCOUNT_PRIVMSG, c.remoteProof().method());
        assertEquals(IRC_BOT, c.remoteProof().target());
        assertEquals(T0.plus(Duration.ofMinutes(10)).toEpochMilli(), c.expiresAt());
        assertFalse(c.matrixProof().nonce().equals(c.remoteProof().nonce()));
        assertEquals(VB_BOT, first(out, HostingOutput.Send.class).to());
        assertEquals(1, hb.inFlight());
    }

    @Test
    void request_roomEventWithoutABridgedRoomOfTheUser_fallsBackToTheNextMethod() {
        Request r = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_ROOM_EVENT, ProofMethods.MATRIX_DM));
        Challenge c = (Challenge) sent(send(VB_BOT, VB_KEY, r, T0), MessageType.CHALLENGE);
        assertEquals(ProofMethods.MATRIX_DM, c.matrixProof().method());
        assertEquals(Optional.empty(), c.matrixProof().roomId());
    }

    @Test
    void matrixProof_roomEventInAnotherBridgedRoom_failsMatrixProof() {
        RoomId bridged = RoomId.parse("!libera-room:hosting.example");
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, (user, network) -> Optional.of(bridged),
                new Random(3), T0);
        Request r = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_ROOM_EVENT));
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_ROOM_EVENT, USER,
                Optional.of(RoomId.parse("!other:hosting.example")), Optional.empty(), false, true,
                MessageCodec.encode(p)), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
    }

    @Test
    void request_outsideADm_isIgnoredWithoutAReply() {
        Request r = request();
        List<HostingOutput> out = hb.handle(new HostingInput.RoomMessage(DM, false, VB_BOT, r.type().eventType(),
                signed(r, VB_BOT, VB_KEY)), T0);
        assertTrue(first(out, HostingOutput.Ignored.class).reason().contains("only in a DM"));
        assertEquals(0, sendCount(out));
    }

    @Test
    void request_fromAnotherSenderThanVbBot_isInvalid() {
        Request r = request();
        assertEquals(CancelCode.INVALID_MESSAGE, cancelled(send(VB2_BOT, VB_KEY, r, T0)));
    }

    @Test
    void request_signedByAnotherKey_isBadSignature() {
        Request r = request();
        assertEquals(CancelCode.BAD_SIGNATURE, cancelled(hb.handle(dm(VB_BOT, r, signed(r, VB_BOT, OTHER_KEY)), T0)));
    }

    @Test
    void request_unsigned_isBadSignature() {
        Request r = request();
        assertEquals(CancelCode.BAD_SIGNATURE, cancelled(hb.handle(dm(VB_BOT, r, MessageCodec.encode(r)), T0)));
    }

    @Test
    void request_forAnotherHostingBridge_isInvalid() {
        Request r = new Request(new TxnId("txn-other-hb"), UserId.parse("@other:hosting.example"), USER, NETWORK, ACCOUNT,
                new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()), List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
        assertEquals(CancelCode.INVALID_MESSAGE, cancelled(send(VB_BOT, VB_KEY, r, T0)));
    }

    @Test
    void request_forANetworkNotBridged_isNotBridged() {
        Request r = new Request(new TxnId("txn-oftc-net"), HB, USER, Network.irc("oftc"), ACCOUNT,
                new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()), List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
        assertEquals(CancelCode.NOT_BRIDGED, cancelled(send(VB_BOT, VB_KEY, r, T0)));
    }

    @Test
    void request_withNoCommonMatrixMethod_isUnsupportedMethod() {
        Request r = request(VB_BOT, VB_KEY, List.of("carrier-pigeon"));
        assertEquals(CancelCode.UNSUPPORTED_METHOD, cancelled(send(VB_BOT, VB_KEY, r, T0)));
    }

    @Test
    void request_withNoCommonRemoteMethod_isUnsupportedMethod() {
        Request r = new Request(new TxnId("txn-no-remote"), HB, USER, NETWORK, ACCOUNT,
                new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()), List.of(ProofMethods.MATRIX_DM), List.of("irc.nick_only"));
        assertEquals(CancelCode.UNSUPPORTED_METHOD, cancelled(send(VB_BOT, VB_KEY, r, T0)));
    }

    @Test
    void request_overTheLimitPerVisitingBridge_isRateLimited() {
        for (int i = 0; i < 10; i++) {
            Request r = new Request(new TxnId("txn-rate-" + i + "-x"), HB, UserId.parse("@u" + i + ":home.example"), NETWORK,
                    ACCOUNT, new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()), List.of(ProofMethods.MATRIX_DM),
                    List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
            send(VB_BOT, VB_KEY, r, T0);
        }
        assertEquals(CancelCode.RATE_LIMITED, cancelled(send(VB_BOT, VB_KEY, request(), T0)));
        // The window slides: an hour later the visiting bridge may ask again.
        hb.handle(new HostingInput.Tick(), T0.plus(Duration.ofMinutes(61)));
        assertEquals(MessageType.CHALLENGE, sent(send(VB_BOT, VB_KEY, request(), T0.plus(Duration.ofMinutes(61))),
                MessageType.CHALLENGE).type());
    }

    @Test
    void request_fifthInFlightForOneUser_isBusy() {
        SigningKey[] keys = {VB_KEY, VB2_KEY, OTHER_KEY, Fixtures.key("k4", 4)};
        for (int i = 0; i < 4; i++) {
            UserId bot = UserId.parse("@vb" + (i + 10) + ":home.example");
            sent(send(bot, keys[i], request(bot, keys[i], List.of(ProofMethods.MATRIX_DM)), T0), MessageType.CHALLENGE);
        }
        UserId fifth = UserId.parse("@vb99:home.example");
        SigningKey k5 = Fixtures.key("k5", 5);
        assertEquals(CancelCode.BUSY, cancelled(send(fifth, k5, request(fifth, k5, List.of(ProofMethods.MATRIX_DM)), T0)));
    }

    @Test
    void request_repeated_getsTheSameChallenge() {
        Request r = request();
        ObjectNode content = signed(r, VB_BOT, VB_KEY);
        Challenge first = (Challenge) sent(hb.handle(dm(VB_BOT, r, content), T0), MessageType.CHALLENGE);
        Challenge again = (Challenge) sent(hb.handle(dm(VB_BOT, r, content), T0.plusSeconds(60)), MessageType.CHALLENGE);
        assertEquals(first, again);
        assertEquals(1, hb.inFlight());
    }

    @Test
    void request_sameTxnOtherContent_isReplayed() {
        Request r = request();
        send(VB_BOT, VB_KEY, r, T0);
        Request other = new Request(r.txnId(), HB, USER, NETWORK, new RemoteAccount("alice2"), r.vb(),
                r.matrixProofMethods(), r.remoteProofMethods());
        assertEquals(CancelCode.REPLAYED, cancelled(send(VB_BOT, VB_KEY, other, T0)));
    }

    @Test
    void request_unsupportedVersion_isCancelledWithThatCode() {
        Request r = request();
        ObjectNode content = signed(r, VB_BOT, VB_KEY);
        content.put("version", 2);
        assertEquals(CancelCode.UNSUPPORTED_VERSION, cancelled(hb.handle(dm(VB_BOT, r, content), T0)));
    }

    @Test
    void request_malformedWithoutTxnId_isRefusedWithoutAReply() {
        Request r = request();
        ObjectNode content = signed(r, VB_BOT, VB_KEY);
        content.remove("txn_id");
        List<HostingOutput> out = hb.handle(dm(VB_BOT, r, content), T0);
        assertEquals(CancelCode.INVALID_MESSAGE, first(out, HostingOutput.Refused.class).code());
        assertEquals(0, sendCount(out));
    }

    @Test
    void ownEchoAndForeignEvents_areIgnoredSilently() {
        Request r = request();
        assertTrue(hb.handle(dm(HB, r, signed(r, VB_BOT, VB_KEY)), T0).isEmpty());
        assertTrue(hb.handle(new HostingInput.RoomMessage(DM, true, VB_BOT, "m.room.message", MessageCodec.encode(r)), T0).isEmpty());
    }

    // ---- completing the handshake ----

    @Test
    void handshake_proofsThenAnswer_recordsTrustStepsAsideAndAccepts() {
        List<HostingOutput> out = handshake(VB_BOT, VB_KEY, T0);
        Accept accept = (Accept) sent(out, MessageType.ACCEPT);
        assertEquals(1, accept.epoch());
        assertEquals(Fixtures.hbPolicy().lease(), accept.lease());
        TrustRecord record = first(out, HostingOutput.StepAside.class).record();
        assertEquals(record, store.find(KEY).orElseThrow());
        assertEquals(ACCOUNT, record.remoteAccount());
        assertEquals(VB_KEY.verifyKey(), record.vb().key());
        assertEquals(ProofMethods.MATRIX_DM, record.matrixProofMethod());
        assertEquals(ProofMethods.IRC_ACCOUNT_PRIVMSG, record.remoteProofMethod());
        assertEquals(USER, first(out, HostingOutput.NotifyUser.class).user());
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
        assertEquals(0, hb.inFlight());
    }

    @Test
    void handshake_answerBeforeProofs_acceptsWhenTheLastProofArrives() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        assertTrue(send(VB_BOT, VB_KEY, answer(r, c), T0).isEmpty());
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
        remoteProof(c, "alice", T0);
        List<HostingOutput> out = matrixProof(r, c, T0);
        assertEquals(1, ((Accept) sent(out, MessageType.ACCEPT)).epoch());
    }

    @Test
    void answer_resentAfterAccept_getsTheSameAccept() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "alice", T0);
        Answer a = answer(r, c);
        ObjectNode content = signed(a, VB_BOT, VB_KEY);
        Accept first = (Accept) sent(hb.handle(dm(VB_BOT, a, content), T0), MessageType.ACCEPT);
        Accept again = (Accept) sent(hb.handle(dm(VB_BOT, a, content), T0.plusSeconds(30)), MessageType.ACCEPT);
        assertEquals(first, again);
        assertEquals(1, store.find(KEY).orElseThrow().epoch(), "a retry does not record trust twice");
        // And the request's resend after acceptance gets its old challenge, not a new exchange.
        assertEquals(c, sent(send(VB_BOT, VB_KEY, r, T0.plusSeconds(31)), MessageType.CHALLENGE));
        assertEquals(0, hb.inFlight());
    }

    @Test
    void answer_forUnknownTransaction_isUnknownTransaction() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        Answer a = answer(r, c);
        Answer stray = new Answer(new TxnId("txn-never-seen"), a.hbBot(), a.userId(), a.network(), a.remoteAccount(),
                a.matrixProof(), a.remoteProof(), a.matrixNonceSha256(), a.remoteNonceSha256());
        assertEquals(CancelCode.UNKNOWN_TRANSACTION, cancelled(send(VB_BOT, VB_KEY, stray, T0)));
    }

    @Test
    void answer_signedByAnotherKey_isBadSignatureAndEndsTheExchange() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        assertEquals(CancelCode.BAD_SIGNATURE, cancelled(send(VB_BOT, OTHER_KEY, answer(r, c), T0)));
        assertEquals(0, hb.inFlight());
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void answer_bindingOtherNonces_isInvalid() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        Answer a = answer(r, c);
        Answer spliced = new Answer(a.txnId(), a.hbBot(), a.userId(), a.network(), a.remoteAccount(), a.matrixProof(),
                a.remoteProof(), a.matrixNonceSha256(), new dev.byob.protocol.id.Nonce("zzzzzzzzzzzzzzzzzzzzzz").sha256());
        assertEquals(CancelCode.INVALID_MESSAGE, cancelled(send(VB_BOT, VB_KEY, spliced, T0)));
    }

    @Test
    void answer_forAnotherAccount_isInvalid() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        Answer a = answer(r, c);
        Answer other = new Answer(a.txnId(), a.hbBot(), a.userId(), a.network(), new RemoteAccount("mallory"),
                a.matrixProof(), a.remoteProof(), a.matrixNonceSha256(), a.remoteNonceSha256());
        assertEquals(CancelCode.INVALID_MESSAGE, cancelled(send(VB_BOT, VB_KEY, other, T0)));
    }

    @Test
    void answer_secondDifferentAnswer_isReplayed() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        Answer a = answer(r, c);
        send(VB_BOT, VB_KEY, a, T0);
        Answer b = new Answer(a.txnId(), a.hbBot(), a.userId(), a.network(), a.remoteAccount(),
                new Answer.MatrixEvidence(ProofMethods.MATRIX_DM, Optional.of(EventId.parse("$other")), Optional.of(USER_DM),
                        Optional.empty()), a.remoteProof(), a.matrixNonceSha256(), a.remoteNonceSha256());
        assertEquals(CancelCode.REPLAYED, cancelled(send(VB_BOT, VB_KEY, b, T0)));
    }

    @Test
    void answer_afterTheExchangeFailed_repeatsTheCancel() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        List<HostingOutput> failed = remoteProof(c, "mallory", T0);
        Cancel why = (Cancel) sent(failed, MessageType.CANCEL);
        assertEquals(why, sent(send(VB_BOT, VB_KEY, answer(r, c), T0), MessageType.CANCEL));
    }

    // ---- the proofs ----

    @Test
    void matrixProof_withAnUnknownNonce_isIgnored() {
        Request r = request();
        challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, new dev.byob.protocol.id.Nonce("wrongwrongwrongwrongwr"));
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, USER,
                Optional.of(USER_DM), Optional.empty(), true, false, MessageCodec.encode(p)), T0);
        first(out, HostingOutput.Ignored.class);
        assertEquals(1, hb.inFlight());
    }

    @Test
    void matrixProof_forAnotherHostingBridge_failsMatrixProof() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), UserId.parse("@other:hosting.example"), c.matrixProof().nonce());
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, USER,
                Optional.of(USER_DM), Optional.empty(), true, false, MessageCodec.encode(p)), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
        assertEquals(c.txnId(), ((Cancel) sent(out, MessageType.CANCEL)).txnId());
    }

    @Test
    void matrixProof_fromAnotherAccount_burnsTheExchange() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM,
                UserId.parse("@mallory:evil.example"), Optional.of(USER_DM), Optional.empty(), true, false,
                MessageCodec.encode(p)), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
        assertEquals(0, hb.inFlight());
        // The real proofs that follow are too late: the nonces are burnt.
        matrixProof(r, c, T0);
        remoteProof(c, "alice", T0);
        assertTrue(send(VB_BOT, VB_KEY, answer(r, c), T0).stream().noneMatch(HostingOutput.StepAside.class::isInstance));
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void matrixProof_dmMethodInASharedRoom_failsMatrixProof() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, USER,
                Optional.of(USER_DM), Optional.empty(), false, true, MessageCodec.encode(p)), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
    }

    @Test
    void matrixProof_byAnotherMethodThanChallenged_failsMatrixProof() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        List<HostingOutput> out = hb.handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_TO_DEVICE, USER,
                Optional.empty(), Optional.empty(), false, false, MessageCodec.encode(p)), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
    }

    @Test
    void matrixProof_inTheVisitingBridgesDm_isIgnored() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        MatrixProof p = new MatrixProof(r.txnId(), HB, c.matrixProof().nonce());
        first(hb.handle(dm(USER, p, MessageCodec.encode(p)), T0), HostingOutput.Ignored.class);
    }

    @Test
    void remoteProof_fromAConnectionNotLoggedIn_failsRemoteProof() {
        Challenge c = challenged(request(), VB_BOT, VB_KEY);
        assertEquals(CancelCode.REMOTE_PROOF_FAILED, cancelled(remoteProof(c, null, T0)));
    }

    @Test
    void remoteProof_fromAnotherAccount_failsRemoteProof() {
        Challenge c = challenged(request(), VB_BOT, VB_KEY);
        List<HostingOutput> out = remoteProof(c, "mallory", T0);
        assertEquals(CancelCode.REMOTE_PROOF_FAILED, cancelled(out));
        assertTrue(((Cancel) sent(out, MessageType.CANCEL)).reason().contains("mallory"));
    }

    @Test
    void remoteProof_accountInOtherCase_countsAsTheSameAccount() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "ALICE", T0);
        assertEquals(1, ((Accept) sent(send(VB_BOT, VB_KEY, answer(r, c), T0), MessageType.ACCEPT)).epoch());
    }

    @Test
    void remoteMessage_notAProofOrUnknownNonce_isIgnored() {
        challenged(request(), VB_BOT, VB_KEY);
        first(hb.handle(new HostingInput.RemoteMessageSeen(NETWORK, "bob", Optional.of("bob"), "hello bot"), T0),
                HostingOutput.Ignored.class);
        first(hb.handle(new HostingInput.RemoteMessageSeen(NETWORK, "bob", Optional.of("bob"),
                "byob-proof abcdefghijklmnopqrstuv"), T0), HostingOutput.Ignored.class);
        assertEquals(1, hb.inFlight());
    }

    @Test
    void openid_validSubject_accepts() {
        Request r = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_OPENID));
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        assertEquals(ProofMethods.MATRIX_OPENID, c.matrixProof().method());
        remoteProof(c, "alice", T0);
        Answer.OpenIdToken token = new Answer.OpenIdToken("opaque-token", "home.example");
        Answer a = openIdAnswer(r, c, token);
        HostingOutput.VerifyOpenId verify = first(send(VB_BOT, VB_KEY, a, T0), HostingOutput.VerifyOpenId.class);
        assertEquals(token, verify.token());
        List<HostingOutput> out = hb.handle(new HostingInput.OpenIdChecked(r.txnId(), USER, Optional.of(USER), ""), T0);
        assertEquals(ProofMethods.MATRIX_OPENID, first(out, HostingOutput.StepAside.class).record().matrixProofMethod());
    }

    @Test
    void openid_otherSubject_failsMatrixProof() {
        Request r = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_OPENID));
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        remoteProof(c, "alice", T0);
        send(VB_BOT, VB_KEY, openIdAnswer(r, c, new Answer.OpenIdToken("t", "home.example")), T0);
        List<HostingOutput> out = hb.handle(new HostingInput.OpenIdChecked(r.txnId(), USER,
                Optional.of(UserId.parse("@mallory:home.example")), "sub mismatch"), T0);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, cancelled(out));
    }

    @Test
    void openid_tokenFromAnotherServer_failsMatrixProof() {
        Request r = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_OPENID));
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        assertEquals(CancelCode.MATRIX_PROOF_FAILED,
                cancelled(send(VB_BOT, VB_KEY, openIdAnswer(r, c, new Answer.OpenIdToken("t", "evil.example")), T0)));
    }

    private static Answer openIdAnswer(Request r, Challenge c, Answer.OpenIdToken token) {
        return new Answer(r.txnId(), HB, USER, NETWORK, ACCOUNT,
                new Answer.MatrixEvidence(ProofMethods.MATRIX_OPENID, Optional.empty(), Optional.empty(), Optional.of(token)),
                new Answer.RemoteEvidence(ProofMethods.IRC_ACCOUNT_PRIVMSG), c.matrixProof().nonce().sha256(),
                c.remoteProof().nonce().sha256());
    }

    // ---- time ----

    @Test
    void tick_afterChallengeExpiry_cancelsTimeoutNamingWhatIsMissing() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        remoteProof(c, "alice", T0);
        Instant expiry = Instant.ofEpochMilli(c.expiresAt());
        assertEquals(Optional.of(expiry), hb.deadline());
        assertTrue(hb.handle(new HostingInput.Tick(), expiry.minusMillis(1)).isEmpty());
        Cancel cancel = (Cancel) sent(hb.handle(new HostingInput.Tick(), expiry), MessageType.CANCEL);
        assertEquals(CancelCode.TIMEOUT, cancel.code());
        assertEquals("the challenge expired without the Matrix proof, the answer", cancel.reason());
        // A late resend of the request is told the same, not given a new exchange, for 10 minutes after
        // the exchange could have lived (§6.2), even after the timer swept the old replies.
        assertEquals(cancel, sent(send(VB_BOT, VB_KEY, r, expiry.plusSeconds(1)), MessageType.CANCEL));
        Instant late = expiry.plus(Duration.ofMinutes(19));
        hb.handle(new HostingInput.Tick(), late);
        assertEquals(cancel, sent(send(VB_BOT, VB_KEY, r, late), MessageType.CANCEL));
        assertEquals(0, hb.inFlight());
    }

    @Test
    void visitorCancel_signed_endsTheExchange_unsignedIsIgnored() {
        Request r = request();
        challenged(r, VB_BOT, VB_KEY);
        Cancel cancel = new Cancel(r.txnId(), CancelCode.USER, "stop");
        hb.handle(dm(VB_BOT, cancel, MessageCodec.encode(cancel)), T0);
        assertEquals(1, hb.inFlight(), "someone typing in the DM cannot cancel");
        List<HostingOutput> out = send(VB_BOT, VB_KEY, cancel, T0);
        assertEquals(0, hb.inFlight());
        assertEquals(0, sendCount(out), "a cancel is never answered");
    }

    // ---- override and races ----

    @Test
    void override_secondVisitingBridge_supersedesTheFirst() {
        handshake(VB_BOT, VB_KEY, T0);
        List<HostingOutput> out = handshake(VB2_BOT, VB2_KEY, T0.plusSeconds(10));
        Revoked revoked = (Revoked) sent(out, MessageType.REVOKED);
        assertEquals(1, revoked.epoch());
        assertEquals(RevokeCode.SUPERSEDED, revoked.code());
        HostingOutput.Send toOld = out.stream().filter(HostingOutput.Send.class::isInstance).map(HostingOutput.Send.class::cast)
                .filter(s -> s.type() == MessageType.REVOKED).findFirst().orElseThrow();
        assertEquals(VB_BOT, toOld.to());
        assertEquals(2, ((Accept) sent(out, MessageType.ACCEPT)).epoch());
        assertTrue(first(out, HostingOutput.NotifyUser.class).text().contains(VB_BOT.value()));
        assertEquals(VB2_BOT, hb.trusted(USER, NETWORK).orElseThrow().vb().bot());
    }

    @Test
    void override_oldVisitingBridgesHeartbeat_isAnsweredWithRevoked() {
        handshake(VB_BOT, VB_KEY, T0);
        handshake(VB2_BOT, VB2_KEY, T0.plusSeconds(10));
        Heartbeat stale = new Heartbeat(new TxnId("hb-stale-1"), USER, NETWORK, 1, 1, 0);
        List<HostingOutput> out = send(VB_BOT, VB_KEY, stale, T0.plusSeconds(20));
        Revoked revoked = (Revoked) sent(out, MessageType.REVOKED);
        assertEquals(1, revoked.epoch());
        assertEquals(RevokeCode.SUPERSEDED, revoked.code());
        assertEquals(VB2_BOT, hb.trusted(USER, NETWORK).orElseThrow().vb().bot());
    }

    @Test
    void race_twoVisitingBridges_theLastToCompleteHoldsTrust() {
        Request r1 = request(VB_BOT, VB_KEY, List.of(ProofMethods.MATRIX_DM));
        Request r2 = request(VB2_BOT, VB2_KEY, List.of(ProofMethods.MATRIX_DM));
        Challenge c1 = challenged(r1, VB_BOT, VB_KEY);
        Challenge c2 = challenged(r2, VB2_BOT, VB2_KEY);
        matrixProof(r2, c2, T0);
        remoteProof(c2, "alice", T0);
        matrixProof(r1, c1, T0);
        remoteProof(c1, "alice", T0);
        assertEquals(1, ((Accept) sent(send(VB2_BOT, VB2_KEY, answer(r2, c2), T0), MessageType.ACCEPT)).epoch());
        List<HostingOutput> out = send(VB_BOT, VB_KEY, answer(r1, c1), T0.plusMillis(5));
        assertEquals(2, ((Accept) sent(out, MessageType.ACCEPT)).epoch());
        assertEquals(RevokeCode.SUPERSEDED, ((Revoked) sent(out, MessageType.REVOKED)).code());
        assertEquals(VB_BOT, hb.trusted(USER, NETWORK).orElseThrow().vb().bot());
        assertEquals(1, store.all().size(), "one record per user, network and hosting bridge");
    }

    // ---- the lease ----

    @Test
    void heartbeat_valid_renewsTheLease() {
        handshake(VB_BOT, VB_KEY, T0);
        Heartbeat beat = new Heartbeat(new TxnId("hb-0001-x"), USER, NETWORK, 1, 1, 0);
        Lease lease = (Lease) sent(send(VB_BOT, VB_KEY, beat, T0.plusSeconds(30)), MessageType.LEASE);
        assertEquals(beat.txnId(), lease.txnId());
        assertEquals(1, lease.seq());
        assertEquals(90_000, lease.leaseMs());
        assertTrue(lease.filledIn().isEmpty());
        assertEquals(Optional.of(T0.plusSeconds(130)), hb.deadline(), "lease end plus the fill-in grace");
    }

    @Test
    void heartbeat_resentSameTxn_getsTheSameLease_olderSeqIsRefused() {
        handshake(VB_BOT, VB_KEY, T0);
        Heartbeat beat = new Heartbeat(new TxnId("hb-0001-x"), USER, NETWORK, 1, 5, 0);
        Lease first = (Lease) sent(send(VB_BOT, VB_KEY, beat, T0.plusSeconds(30)), MessageType.LEASE);
        assertEquals(first, sent(send(VB_BOT, VB_KEY, beat, T0.plusSeconds(31)), MessageType.LEASE));
        Heartbeat old = new Heartbeat(new TxnId("hb-0002-x"), USER, NETWORK, 1, 4, 0);
        assertEquals(CancelCode.UNEXPECTED_MESSAGE, cancelled(send(VB_BOT, VB_KEY, old, T0.plusSeconds(32))));
        assertEquals(Optional.of(T0.plusSeconds(130)), hb.deadline(), "duplicates and old heartbeats do not renew");
    }

    @Test
    void heartbeat_signedByAnotherKey_isRefusedAndDoesNotRenew() {
        handshake(VB_BOT, VB_KEY, T0);
        Heartbeat beat = new Heartbeat(new TxnId("hb-0001-x"), USER, NETWORK, 1, 1, 0);
        assertEquals(CancelCode.BAD_SIGNATURE, cancelled(send(VB_BOT, OTHER_KEY, beat, T0.plusSeconds(30))),
                "same key id, other key: the signature fails");
        assertEquals(CancelCode.KEY_MISMATCH, cancelled(send(VB_BOT, VB2_KEY, beat, T0.plusSeconds(30))),
                "another key id");
        assertEquals(Optional.of(T0.plusSeconds(100)), hb.deadline());
    }

    @Test
    void heartbeat_fromABridgeThatNeverHeldTrust_isUnknownTransaction() {
        handshake(VB_BOT, VB_KEY, T0);
        Heartbeat beat = new Heartbeat(new TxnId("hb-strange"), USER, NETWORK, 1, 1, 0);
        assertEquals(CancelCode.UNKNOWN_TRANSACTION, cancelled(send(VB2_BOT, VB2_KEY, beat, T0.plusSeconds(1))));
        Heartbeat future = new Heartbeat(new TxnId("hb-future"), USER, NETWORK, 9, 1, 0);
        assertEquals(CancelCode.UNKNOWN_TRANSACTION, cancelled(send(VB_BOT, VB_KEY, future, T0.plusSeconds(1))));
    }

    @Test
    void cancelCrossingTheAccept_beforeAnyHeartbeat_endsTheNewRecord() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "alice", T0);
        send(VB_BOT, VB_KEY, answer(r, c), T0);
        List<HostingOutput> out = send(VB_BOT, VB_KEY, new Cancel(r.txnId(), CancelCode.TIMEOUT, "gave up"), T0.plusSeconds(1));
        assertEquals(RevokeCode.RELEASED, first(out, HostingOutput.StepBackIn.class).ended().ended().orElseThrow().code());
        assertEquals(0, sendCount(out), "a cancel is never answered");
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void cancelCrossingTheAccept_afterAHeartbeat_isIgnored() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "alice", T0);
        send(VB_BOT, VB_KEY, answer(r, c), T0);
        send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-0001-x"), USER, NETWORK, 1, 1, 0), T0.plusSeconds(1));
        send(VB_BOT, VB_KEY, new Cancel(r.txnId(), CancelCode.TIMEOUT, "late"), T0.plusSeconds(2));
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void lease_lapses_hostingBridgeFillsInAndReportsItOnReturn() {
        handshake(VB_BOT, VB_KEY, T0);
        // The lease ends at 90 s; the hosting bridge waits out the 10 s grace for relays still in flight.
        assertEquals(List.of(), hb.handle(new HostingInput.Tick(), T0.plusSeconds(90)));
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
        assertEquals(List.of(), hb.handle(new HostingInput.Tick(), T0.plusSeconds(99)));
        List<HostingOutput> lapse = hb.handle(new HostingInput.Tick(), T0.plusSeconds(100));
        first(lapse, HostingOutput.FillInStarted.class);
        assertEquals(RelayMode.FILLING_IN, hb.relayMode(USER, NETWORK));
        assertTrue(hb.handle(new HostingInput.Tick(), T0.plusSeconds(101)).isEmpty(), "fill-in starts once");
        Lease.FillIn f1 = fillInLog.append(KEY, 1, Lease.Direction.TO_REMOTE, Optional.of(EventId.parse("$m1")),
                Optional.empty(), Optional.empty(), T0.plusSeconds(100));
        Lease.FillIn f2 = fillInLog.append(KEY, 1, Lease.Direction.TO_MATRIX, Optional.empty(), Optional.of("id2"),
                Optional.empty(), T0.plusSeconds(101));
        Heartbeat back = new Heartbeat(new TxnId("hb-back-01"), USER, NETWORK, 1, 1, 1);
        List<HostingOutput> out = send(VB_BOT, VB_KEY, back, T0.plusSeconds(120));
        first(out, HostingOutput.FillInStopped.class);
        Lease lease = (Lease) sent(out, MessageType.LEASE);
        assertEquals(List.of(f2), lease.filledIn(), "only what the visiting bridge has not acknowledged");
        assertFalse(lease.more());
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
        assertEquals(2, f2.fillSeq());
        assertEquals(1, f1.fillSeq());
    }

    @Test
    void lease_moreFillInsThanOneLeaseCarries_setsMore() {
        handshake(VB_BOT, VB_KEY, T0);
        for (int i = 0; i < Lease.MAX_FILLED_IN + 1; i++) {
            fillInLog.append(KEY, 1, Lease.Direction.TO_REMOTE, Optional.of(EventId.parse("$m" + i)), Optional.empty(),
                    Optional.empty(), T0);
        }
        Lease lease = (Lease) sent(send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-more-01"), USER, NETWORK, 1, 1, 0),
                T0.plusSeconds(1)), MessageType.LEASE);
        assertEquals(Lease.MAX_FILLED_IN, lease.filledIn().size());
        assertTrue(lease.more());
        Lease rest = (Lease) sent(send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-more-02"), USER, NETWORK, 1, 2,
                Lease.MAX_FILLED_IN), T0.plusSeconds(2)), MessageType.LEASE);
        assertEquals(1, rest.filledIn().size());
        assertFalse(rest.more());
    }

    @Test
    void lease_largeFillIns_arePagedToStayWithinTheEventSizeLimit() throws Exception {
        handshake(VB_BOT, VB_KEY, T0);
        String longId = "$" + "x".repeat(250);
        for (int i = 0; i < 100; i++) {
            fillInLog.append(KEY, 1, Lease.Direction.TO_MATRIX, Optional.of(EventId.parse(longId)),
                    Optional.of("m".repeat(250)), Optional.of(RoomId.parse("!" + "r".repeat(240) + ":h.example")), T0);
        }
        List<HostingOutput> out = send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-big-001"), USER, NETWORK, 1, 1, 0),
                T0.plusSeconds(1));
        Lease lease = (Lease) sent(out, MessageType.LEASE);
        assertTrue(lease.more());
        assertTrue(lease.filledIn().size() < 100);
        ObjectNode content = out.stream().filter(HostingOutput.Send.class::isInstance).map(HostingOutput.Send.class::cast)
                .findFirst().orElseThrow().content();
        assertTrue(dev.byob.protocol.json.CanonicalJson.encode(content).length <= 48 * 1024 + 1024);
    }

    // ---- who relays the user's messages ----

    private static final RoomId ROOM = RoomId.parse("!libera-room:hosting.example");

    private List<HostingOutput> userWrites(String eventId, Instant at) {
        return hb.handle(new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_REMOTE, eventId, ROOM), at);
    }

    /** A line tagged with {@code eventId}'s origin, seen from a connection logged in to {@code account}. */
    private List<HostingOutput> relayedOnIrc(String eventId, String account, Instant at) {
        return hb.handle(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, eventId, account), at);
    }

    private static List<HostingOutput.Relay> relays(List<HostingOutput> out) {
        return out.stream().filter(HostingOutput.Relay.class::isInstance).map(HostingOutput.Relay.class::cast).toList();
    }

    @Test
    void userMessage_withoutTrust_isRelayedByTheHostingBridgeAsAlways() {
        List<HostingOutput.Relay> r = relays(userWrites("$m1", T0));
        assertEquals(1, r.size());
        assertEquals("$m1", r.get(0).messageId());
        assertTrue(r.get(0).fillSeq().isEmpty());
    }

    @Test
    void userMessage_relayedByTheVisitingBridge_isNeverRelayedAgain() {
        handshake(VB_BOT, VB_KEY, T0);
        assertTrue(userWrites("$m1", T0.plusSeconds(1)).isEmpty());
        relayedOnIrc("$m1", ACCOUNT.name(), T0.plusSeconds(1));
        // The VB's relay may also be observed before the message itself.
        relayedOnIrc("$m2", ACCOUNT.name().toUpperCase(java.util.Locale.ROOT), T0.plusSeconds(2));
        assertTrue(userWrites("$m2", T0.plusSeconds(2)).isEmpty());
        // Through a lapse and a stale-message sweep, nothing is relayed a second time.
        assertTrue(relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(200))).isEmpty());
    }

    @Test
    void relayTaggedBySomeoneElse_doesNotStopTheFillIn() {
        handshake(VB_BOT, VB_KEY, T0);
        userWrites("$m1", T0.plusSeconds(1));
        // Anyone can put the tag on a line; only the user's own account's relay counts (§12.1).
        relayedOnIrc("$m1", "mallory", T0.plusSeconds(2));
        relayedOnIrc("$m2", "mallory", T0.plusSeconds(2)); // before the message, too
        userWrites("$m2", T0.plusSeconds(3));
        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(100)));
        assertEquals(List.of("$m1", "$m2"), filled.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void relayOfARemoteLine_countsOnlyWhenSentAsTheUser() {
        handshake(VB_BOT, VB_KEY, T0);
        hb.handle(new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_MATRIX, "msg-1", ROOM),
                T0.plusSeconds(1));
        hb.handle(new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_MATRIX, "msg-2", ROOM),
                T0.plusSeconds(1));
        hb.handle(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_MATRIX, "msg-1", "@mallory:hosting.example"),
                T0.plusSeconds(2));
        hb.handle(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_MATRIX, "msg-2", USER.value()),
                T0.plusSeconds(2));
        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(100)));
        assertEquals(List.of("msg-1"), filled.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void relaySeen_needsToSayWhoRelayed() {
        assertThrows(IllegalArgumentException.class,
                () -> new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, "$m1", ""));
        assertThrows(IllegalArgumentException.class,
                () -> new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_MATRIX, "msg-1", "alice"));
    }

    // ---- without relay marks (§12.6) ----

    private List<HostingOutput> unmarked(Lease.Direction direction, String id, String text, boolean networkId,
                                         Instant at) {
        return hb.handle(new HostingInput.UnmarkedMessageSeen(USER, NETWORK, direction, id, ROOM, text, networkId),
                at);
    }

    @Test
    void unmarkedLineWithTheTextOfAPendingEvent_isItsRelay_withinTheWindowOnly() {
        handshake(VB_BOT, VB_KEY, T0);
        unmarked(Lease.Direction.TO_REMOTE, "$m1", "hello", true, T0.plusSeconds(1));
        unmarked(Lease.Direction.TO_REMOTE, "$m2", "late", true, T0.plusSeconds(1));
        // The VB's untagged relay of $m1 on IRC, 5 s later: matched, neither is left to fill in.
        assertTrue(unmarked(Lease.Direction.TO_MATRIX, "local-1", "hello", false, T0.plusSeconds(6)).isEmpty());
        // The same text as $m2, but 31 s later: alice's own IRC line, pending like any.
        assertTrue(unmarked(Lease.Direction.TO_MATRIX, "local-2", "late", false, T0.plusSeconds(32)).isEmpty());

        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(200)));

        assertEquals(List.of("$m2", "local-2"), filled.stream().map(HostingOutput.Relay::messageId).toList());
        Lease lease = (Lease) sent(send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-unmarked-1"), USER, NETWORK, 1, 1,
                0), T0.plusSeconds(201)), MessageType.LEASE);
        assertEquals(Optional.empty(), lease.filledIn().get(1).remoteMsgid(),
                "a line without a network msgid is reported by room (and the VB matches it by text and time)");
    }

    @Test
    void unmarkedEventWithTheTextOfAPendingLine_isItsRelay_andOtherwiseTheUsersOwnMessage() {
        handshake(VB_BOT, VB_KEY, T0);
        unmarked(Lease.Direction.TO_MATRIX, "local-7", "from irc", false, T0.plusSeconds(1));
        assertTrue(unmarked(Lease.Direction.TO_REMOTE, "$relay", "from irc", true, T0.plusSeconds(2)).isEmpty());
        assertTrue(unmarked(Lease.Direction.TO_REMOTE, "$own", "from matrix", true, T0.plusSeconds(3)).isEmpty());

        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(200)));

        assertEquals(List.of("$own"), filled.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void unmarkedEvent_whoseTaggedRelayWasObservedFirst_isNotLeftPending() {
        handshake(VB_BOT, VB_KEY, T0);
        relayedOnIrc("$early", ACCOUNT.name(), T0.plusSeconds(1)); // the VB's tagged line came before the event
        assertTrue(unmarked(Lease.Direction.TO_REMOTE, "$early", "hi", true, T0.plusSeconds(2)).isEmpty());
        assertTrue(relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(200))).isEmpty(),
                "nothing to fill in: it was relayed");
    }

    @Test
    void unmarkedRelay_matchesTheOldestSameTextInTheWindow_passingOlderAndResolvedOnes() {
        handshake(VB_BOT, VB_KEY, T0);
        unmarked(Lease.Direction.TO_REMOTE, "$old", "same", true, T0.plusSeconds(1)); // out of the window below
        unmarked(Lease.Direction.TO_REMOTE, "$tagged", "same", true, T0.plusSeconds(40));
        relayedOnIrc("$tagged", ACCOUNT.name(), T0.plusSeconds(41)); // resolved by its tagged relay
        unmarked(Lease.Direction.TO_REMOTE, "$a", "same", true, T0.plusSeconds(42));
        unmarked(Lease.Direction.TO_REMOTE, "$b", "same", true, T0.plusSeconds(43));

        assertTrue(unmarked(Lease.Direction.TO_MATRIX, "local-1", "same", false, T0.plusSeconds(50)).isEmpty());
        assertTrue(unmarked(Lease.Direction.TO_MATRIX, "local-2", "same", false, T0.plusSeconds(51)).isEmpty());
        // Nothing of that text left in the window: alice's own line, pending like any.
        assertTrue(unmarked(Lease.Direction.TO_MATRIX, "local-3", "same", false, T0.plusSeconds(52)).isEmpty());

        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(250)));
        assertEquals(List.of("$old", "local-3"), filled.stream().map(HostingOutput.Relay::messageId).toList(),
                "local-1 and local-2 were the relays of $a and $b");
    }

    @Test
    void unmarkedMessage_withoutTrust_isRelayedAtOnce() {
        List<HostingOutput.Relay> r = relays(unmarked(Lease.Direction.TO_MATRIX, "local-1", "hi", false, T0));
        assertEquals(List.of("local-1"), r.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void lapse_fillsInWhatTheVisitingBridgeLeftPendingInOrderThenEachNewMessage() {
        handshake(VB_BOT, VB_KEY, T0);
        userWrites("$m1", T0.plusSeconds(1));
        userWrites("$m2", T0.plusSeconds(2));
        relayedOnIrc("$m1", ACCOUNT.name(), T0.plusSeconds(3));
        List<HostingOutput> lapse = hb.handle(new HostingInput.Tick(), T0.plusSeconds(100));
        first(lapse, HostingOutput.FillInStarted.class);
        List<HostingOutput.Relay> filled = relays(lapse);
        assertEquals(List.of("$m2"), filled.stream().map(HostingOutput.Relay::messageId).toList());
        assertEquals(1, filled.get(0).fillSeq().getAsLong());
        HostingOutput.Relay next = relays(userWrites("$m3", T0.plusSeconds(101))).get(0);
        assertEquals(2, next.fillSeq().getAsLong());
        Lease lease = (Lease) sent(send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-back-01"), USER, NETWORK, 1, 1, 0),
                T0.plusSeconds(102)), MessageType.LEASE);
        assertEquals(List.of("$m2", "$m3"), lease.filledIn().stream()
                .map(f -> f.matrixEventId().orElseThrow().value()).toList());
        assertTrue(userWrites("$m4", T0.plusSeconds(103)).isEmpty(), "back to the visiting bridge");
    }

    @Test
    void staleMessage_whileTheLeaseIsLive_isFilledInAfterALease() {
        handshake(VB_BOT, VB_KEY, T0);
        userWrites("$stuck", T0.plusSeconds(1));
        for (int i = 1; i <= 3; i++) {
            send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-live-" + i + "x"), USER, NETWORK, 1, i, 0),
                    T0.plusSeconds(30L * i));
        }
        assertEquals(Optional.of(T0.plusSeconds(91)), hb.deadline());
        assertTrue(relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(90))).isEmpty());
        HostingOutput.Relay r = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(91))).get(0);
        assertEquals("$stuck", r.messageId());
        assertEquals(1, r.fillSeq().getAsLong());
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void release_relaysWhatIsStillPendingAtOnceWithoutFillIn() {
        handshake(VB_BOT, VB_KEY, T0);
        userWrites("$m1", T0.plusSeconds(1));
        List<HostingOutput> out = send(VB_BOT, VB_KEY, new Release(new TxnId("release-01"), USER, NETWORK, 1,
                Optional.empty()), T0.plusSeconds(2));
        HostingOutput.Relay r = relays(out).get(0);
        assertEquals("$m1", r.messageId());
        assertTrue(r.fillSeq().isEmpty());
    }

    @Test
    void override_oldRecordsPendingMessages_areRelayedOnlyAfterItsLeaseCouldHaveRunOut() {
        handshake(VB_BOT, VB_KEY, T0);
        userWrites("$m1", T0.plusSeconds(1));
        userWrites("$m2", T0.plusSeconds(1));
        List<HostingOutput> override = handshake(VB2_BOT, VB2_KEY, T0.plusSeconds(5));
        assertTrue(relays(override).isEmpty(), "the old VB may still be relaying");
        relayedOnIrc("$m1", ACCOUNT.name(), T0.plusSeconds(6));
        assertTrue(relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(99))).isEmpty());
        List<HostingOutput.Relay> late = relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(100)));
        assertEquals(List.of("$m2"), late.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void trustedByAccount_followsTrustAsItChanges_withIrcCaseFoldingOfBrackets() {
        Request r = new Request(new TxnId("txn-brackets"), HB, USER, NETWORK, new RemoteAccount("alice[pi]"),
                new VisitingBridgeId(VB_BOT, VB_KEY.verifyKey()), List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "Alice{PI}", T0);
        send(VB_BOT, VB_KEY, answer(r, c), T0);
        assertEquals(USER, hb.trustedByAccount(NETWORK, "ALICE{pi}").orElseThrow().key().userId());
        hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0.plusSeconds(1));
        assertTrue(hb.trustedByAccount(NETWORK, "alice[pi]").isEmpty(), "revoked trust is out of the index");
    }

    @Test
    void trustedByAccount_usesTheNetworksCaseRules() {
        handshake(VB_BOT, VB_KEY, T0);
        assertEquals(USER, hb.trustedByAccount(NETWORK, "ALICE").orElseThrow().key().userId());
        assertTrue(hb.trustedByAccount(NETWORK, "bob").isEmpty());
        assertTrue(hb.trustedByAccount(Network.irc("oftc"), "alice").isEmpty());
    }

    // ---- ending trust ----

    @Test
    void release_stepsBackInAndConfirms_again_isIdempotent() {
        handshake(VB_BOT, VB_KEY, T0);
        Release release = new Release(new TxnId("release-01"), USER, NETWORK, 1, Optional.of("logout"));
        List<HostingOutput> out = send(VB_BOT, VB_KEY, release, T0.plusSeconds(5));
        assertEquals(RevokeCode.RELEASED, first(out, HostingOutput.StepBackIn.class).ended().ended().orElseThrow().code());
        assertEquals(RevokeCode.RELEASED, ((Revoked) sent(out, MessageType.REVOKED)).code());
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
        List<HostingOutput> again = send(VB_BOT, VB_KEY, release, T0.plusSeconds(6));
        assertEquals(RevokeCode.RELEASED, ((Revoked) sent(again, MessageType.REVOKED)).code());
        assertTrue(again.stream().noneMatch(HostingOutput.StepBackIn.class::isInstance));
    }

    @Test
    void release_signedByAnotherKey_isRefused() {
        handshake(VB_BOT, VB_KEY, T0);
        Release release = new Release(new TxnId("release-01"), USER, NETWORK, 1, Optional.empty());
        assertEquals(CancelCode.BAD_SIGNATURE, cancelled(send(VB_BOT, OTHER_KEY, release, T0)));
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
    }

    @Test
    void userRevoke_stepsBackInTellsTheVisitingBridgeAndTheUser() {
        handshake(VB_BOT, VB_KEY, T0);
        List<HostingOutput> out = hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0.plusSeconds(5));
        first(out, HostingOutput.StepBackIn.class);
        assertEquals(RevokeCode.USER_REVOKED, ((Revoked) sent(out, MessageType.REVOKED)).code());
        assertTrue(first(out, HostingOutput.NotifyUser.class).text().startsWith("Revoked"));
        assertEquals(RelayMode.HOSTING, hb.relayMode(USER, NETWORK));
        assertEquals(RevokeCode.USER_REVOKED, store.find(KEY).orElseThrow().ended().orElseThrow().code());
        // A later login starts a new epoch: epochs never repeat.
        assertEquals(2, ((Accept) sent(handshake(VB_BOT, VB_KEY, T0.plusSeconds(10)), MessageType.ACCEPT)).epoch());
    }

    @Test
    void operatorRevoke_endsTrustWithTheOperatorCode() {
        handshake(VB_BOT, VB_KEY, T0);
        List<HostingOutput> out = hb.handle(new HostingInput.OperatorRevoke(USER, Optional.of(NETWORK)), T0.plusSeconds(5));
        assertEquals(RevokeCode.OPERATOR, ((Revoked) sent(out, MessageType.REVOKED)).code());
        // The ended VB's later messages are told how its epoch ended, echoing their txn_id.
        Heartbeat late = new Heartbeat(new TxnId("hb-late-01"), USER, NETWORK, 1, 1, 0);
        Revoked again = (Revoked) sent(send(VB_BOT, VB_KEY, late, T0.plusSeconds(6)), MessageType.REVOKED);
        assertEquals(RevokeCode.OPERATOR, again.code());
        assertEquals(late.txnId(), again.txnId());
    }

    @Test
    void userRevoke_withNothingInForce_saysSo() {
        List<HostingOutput> out = hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0);
        assertTrue(first(out, HostingOutput.NotifyUser.class).text().contains("nothing to revoke"));
        assertEquals(0, sendCount(out));
    }

    @Test
    void restart_afterAcceptingButBeforeTheVisitingBridgeHeardIt_answersTheResentAnswerWithTheSameAccept() {
        Request r = request();
        Challenge c = challenged(r, VB_BOT, VB_KEY);
        matrixProof(r, c, T0);
        remoteProof(c, "alice", T0);
        Answer a = answer(r, c);
        Accept first = (Accept) sent(send(VB_BOT, VB_KEY, a, T0), MessageType.ACCEPT);
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, new Random(4), T0.plusSeconds(30));
        Accept again = (Accept) sent(send(VB_BOT, VB_KEY, a, T0.plusSeconds(60)), MessageType.ACCEPT);
        assertEquals(first, again);
        assertEquals(1, store.find(KEY).orElseThrow().epoch());
        // Someone else's answer under that txn_id gets nothing of the kind.
        assertEquals(CancelCode.UNKNOWN_TRANSACTION, cancelled(send(VB_BOT, OTHER_KEY, a, T0.plusSeconds(61))));
    }

    @Test
    void restart_afterRecordingTrustButBeforeTheAcceptWasSent_sendsTheStoredAcceptAgain() {
        // The homeserver would drop the visiting bridge's resent answer (same transaction id), so the restarted
        // engine must send the accept of its own accord (§10.6).
        InMemoryHostingJournal journal = new InMemoryHostingJournal();
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(3), T0);
        List<HostingOutput> lost = handshake(VB_BOT, VB_KEY, T0);
        HostingOutput.Send accept = lost.stream().filter(HostingOutput.Send.class::isInstance)
                .map(HostingOutput.Send.class::cast).filter(x -> x.type() == MessageType.ACCEPT).findFirst().orElseThrow();

        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(4),
                T0.plusSeconds(30));
        assertEquals(List.of(accept), hb.resendUnconfirmedAccepts());
    }

    @Test
    void restart_afterAHeartbeatConfirmedTheAccept_sendsNothingAgain() {
        InMemoryHostingJournal journal = new InMemoryHostingJournal();
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(3), T0);
        handshake(VB_BOT, VB_KEY, T0);
        send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-first-1"), USER, NETWORK, 1, 1, 0), T0.plusSeconds(1));

        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(4),
                T0.plusSeconds(30));
        assertEquals(List.of(), hb.resendUnconfirmedAccepts());
    }

    @Test
    void revoke_whileTheLeaseIsLive_holdsTheUsersNewMessagesUntilTheVbCannotBeRelaying_evenAcrossARestart() {
        InMemoryHostingJournal journal = new InMemoryHostingJournal();
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(3), T0);
        handshake(VB_BOT, VB_KEY, T0);
        hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0.plusSeconds(10));
        // The VB may not have seen `revoked` yet and relays these; the HB must not relay them as well.
        assertTrue(relays(userWrites("$soon", T0.plusSeconds(11))).isEmpty());
        assertTrue(relays(userWrites("$relayed", T0.plusSeconds(12))).isEmpty());
        relayedOnIrc("$relayed", ACCOUNT.name(), T0.plusSeconds(13));
        assertTrue(relays(hb.handle(new HostingInput.Tick(), T0.plusSeconds(60))).isEmpty());

        Instant back = T0.plusSeconds(70);
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(4), back);
        assertTrue(relays(hb.handle(new HostingInput.Tick(), back.plusSeconds(9))).isEmpty());
        List<HostingOutput.Relay> late = relays(hb.handle(new HostingInput.Tick(), back.plusSeconds(10)));

        assertEquals(List.of("$soon"), late.stream().map(HostingOutput.Relay::messageId).toList());
        assertTrue(late.get(0).fillSeq().isEmpty(), "a relay of the HB's own, not a fill-in");
        assertEquals(1, relays(userWrites("$after", back.plusSeconds(11))).size(), "then at once again");
    }

    @Test
    void revoke_acknowledgedByTheVbsSignedRelease_relaysWhatWasHeldAtOnce() {
        handshake(VB_BOT, VB_KEY, T0);
        hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0.plusSeconds(10));
        assertTrue(relays(userWrites("$held", T0.plusSeconds(11))).isEmpty());
        Release forged = new Release(new TxnId("ack-forged-1"), USER, NETWORK, 1, Optional.of("revoked"));
        assertTrue(relays(send(VB_BOT, OTHER_KEY, forged, T0.plusSeconds(12))).isEmpty(), "only its VB's word counts");

        Release ack = new Release(new TxnId("ack-release-1"), USER, NETWORK, 1, Optional.of("revoked: user_revoked"));
        List<HostingOutput> out = send(VB_BOT, VB_KEY, ack, T0.plusSeconds(13));

        assertEquals(List.of("$held"), relays(out).stream().map(HostingOutput.Relay::messageId).toList());
        assertEquals(RevokeCode.USER_REVOKED, ((Revoked) sent(out, MessageType.REVOKED)).code());
        assertEquals(1, relays(userWrites("$next", T0.plusSeconds(14))).size());
    }

    @Test
    void revoke_afterTheLeaseLapsed_relaysTheUsersMessagesAtOnce() {
        handshake(VB_BOT, VB_KEY, T0);
        hb.handle(new HostingInput.Tick(), T0.plusSeconds(200)); // lapsed: the VB is gone
        hb.handle(new HostingInput.UserRevoke(USER, Optional.empty()), T0.plusSeconds(201));
        assertEquals(1, relays(userWrites("$m", T0.plusSeconds(202))).size());
    }

    @Test
    void restart_withAJournal_keepsTheLastHeartbeatAndTheMessagesStillWaiting() {
        InMemoryHostingJournal journal = new InMemoryHostingJournal();
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(3), T0);
        handshake(VB_BOT, VB_KEY, T0);
        Heartbeat five = new Heartbeat(new TxnId("hb-five-01"), USER, NETWORK, 1, 5, 0);
        send(VB_BOT, VB_KEY, five, T0.plusSeconds(1));
        userWrites("$waiting", T0.plusSeconds(2));
        userWrites("$relayed", T0.plusSeconds(2));
        relayedOnIrc("$relayed", ACCOUNT.name(), T0.plusSeconds(3));

        Instant back = T0.plusSeconds(10);
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, journal, BridgedRooms.NONE, new Random(4), back);
        Heartbeat old = new Heartbeat(new TxnId("hb-old-001"), USER, NETWORK, 1, 4, 0);
        assertEquals(CancelCode.UNEXPECTED_MESSAGE, cancelled(send(VB_BOT, VB_KEY, old, back)),
                "a heartbeat older than the last one accepted renews nothing, even after a restart");
        List<HostingOutput.Relay> filled = relays(hb.handle(new HostingInput.Tick(), back.plusSeconds(100)));
        assertEquals(List.of("$waiting"), filled.stream().map(HostingOutput.Relay::messageId).toList());
    }

    @Test
    void restart_recordsInForceResumeWithAFreshLease() {
        handshake(VB_BOT, VB_KEY, T0);
        Instant later = T0.plus(Duration.ofHours(2));
        hb = new HostingEngine(Fixtures.hbPolicy(), store, fillInLog, new Random(4), later);
        assertEquals(RelayMode.VISITING, hb.relayMode(USER, NETWORK));
        assertEquals(Optional.of(later.plusSeconds(100)), hb.deadline());
        Lease lease = (Lease) sent(send(VB_BOT, VB_KEY, new Heartbeat(new TxnId("hb-after-1"), USER, NETWORK, 1, 1, 0),
                later.plusSeconds(1)), MessageType.LEASE);
        assertEquals(1, lease.epoch());
    }

    @Test
    void policy_withMismatchedNetworks_isRejected() {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> HostingPolicy.defaults(HB,
                Map.of(NETWORK, IRC_BOT), Map.of(), ProofMethods.MATRIX_ALL));
    }
}
