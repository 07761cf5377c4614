package dev.byob.protocol.visiting;

import static dev.byob.protocol.Fixtures.ACCOUNT;
import static dev.byob.protocol.Fixtures.HB;
import static dev.byob.protocol.Fixtures.IRC_BOT;
import static dev.byob.protocol.Fixtures.NETWORK;
import static dev.byob.protocol.Fixtures.T0;
import static dev.byob.protocol.Fixtures.USER;
import static dev.byob.protocol.Fixtures.VB_BOT;
import static dev.byob.protocol.Fixtures.VB_KEY;
import static dev.byob.protocol.Fixtures.content;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Fixtures;
import dev.byob.protocol.Transition;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.Cancel;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Challenge;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.Heartbeat;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.Revoked;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.visiting.VisitingOutput.Send;
import dev.byob.protocol.visiting.VisitingState.Answered;
import dev.byob.protocol.visiting.VisitingState.Ended;
import dev.byob.protocol.visiting.VisitingState.Failed;
import dev.byob.protocol.visiting.VisitingState.Proving;
import dev.byob.protocol.visiting.VisitingState.Releasing;
import dev.byob.protocol.visiting.VisitingState.Requested;
import dev.byob.protocol.visiting.VisitingState.Trusted;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VisitingHandshakeTest {
    private static final Duration REPLY = VisitingConfig.DEFAULT_REPLY_TIMEOUT;
    private static final Nonce M_NONCE = new Nonce("mmmmmmmmmmmmmmmmmmmmmm");
    private static final Nonce R_NONCE = new Nonce("rrrrrrrrrrrrrrrrrrrrrr");
    private static final Accept.LeaseTerms TERMS = new Accept.LeaseTerms(90_000, 30_000);

    private final VisitingHandshake vb = new VisitingHandshake(Fixtures.vbConfig(), new Random(7));

    // ---- helpers ----

    private Transition<VisitingState, VisitingOutput> step(VisitingState s, VisitingInput in, Instant at) {
        return vb.step(s, in, at);
    }

    private static VisitingInput received(ByobMessage m) {
        return new VisitingInput.Received(HB, m.type().eventType(), content(m));
    }

    private static List<Send> sends(Transition<VisitingState, VisitingOutput> t) {
        List<Send> out = new ArrayList<>();
        for (VisitingOutput o : t.outputs()) {
            if (o instanceof Send) {
                out.add((Send) o);
            }
        }
        return out;
    }

    private static Send onlySend(Transition<VisitingState, VisitingOutput> t) {
        List<Send> s = sends(t);
        assertEquals(1, s.size(), "sends in " + t.outputs());
        return s.get(0);
    }

    private static <T> T output(Transition<VisitingState, VisitingOutput> t, Class<T> type) {
        return t.outputs().stream().filter(type::isInstance).map(type::cast).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " in " + t.outputs()));
    }

    private static ByobMessage decodeVerified(Send s) throws DecodeException {
        SignedContent.verify(s.content(), VB_BOT, VB_KEY.verifyKey());
        return MessageCodec.decode(s.type().eventType(), s.content());
    }

    private Requested requested() {
        return (Requested) step(VisitingHandshake.initial(), new VisitingInput.Start(), T0).state();
    }

    private Challenge challenge(TxnId txn, String matrixMethod, long expiresAt) {
        return new Challenge(txn, new Challenge.MatrixChallenge(matrixMethod, M_NONCE, Optional.empty()),
                new Challenge.RemoteChallenge(ProofMethods.IRC_ACCOUNT_PRIVMSG, R_NONCE, IRC_BOT), expiresAt);
    }

    private Challenge challenge(TxnId txn) {
        return challenge(txn, ProofMethods.MATRIX_DM, T0.plusSeconds(600).toEpochMilli());
    }

    private Proving proving() {
        Requested r = requested();
        return (Proving) step(r, received(challenge(r.request().txnId())), T0.plusMillis(100)).state();
    }

    private static Answer.MatrixEvidence evidence() {
        return new Answer.MatrixEvidence(ProofMethods.MATRIX_DM, Optional.of(EventId.parse("$proof")),
                Optional.of(RoomId.parse("!dm:home.example")), Optional.empty());
    }

    private Answered answered() {
        Proving p = proving();
        VisitingState s = step(p, new VisitingInput.MatrixProofMade(evidence()), T0.plusMillis(200)).state();
        return (Answered) step(s, new VisitingInput.RemoteProofMade(), T0.plusMillis(300)).state();
    }

    /** Trusted, with the heartbeat sent at acceptance already answered. */
    private Trusted trusted() {
        Answered a = answered();
        Accept accept = new Accept(a.request().txnId(), 1, T0.plusMillis(350).toEpochMilli(), TERMS);
        Trusted accepted = (Trusted) step(a, received(accept), T0.plusMillis(400)).state();
        VisitingState.PendingHeartbeat p = accepted.pending().orElseThrow();
        Lease lease = new Lease(p.txnId(), USER, NETWORK, 1, p.seq(), 90_000, List.of(), false);
        return (Trusted) step(accepted, received(lease), T0.plusMillis(450)).state();
    }

    // ---- the handshake ----

    @Test
    void start_fromIdle_sendsSignedRequestForTheUser() throws Exception {
        Transition<VisitingState, VisitingOutput> t = step(VisitingHandshake.initial(), new VisitingInput.Start(), T0);
        Send send = onlySend(t);
        Request request = (Request) decodeVerified(send);
        assertEquals(HB, send.to());
        assertEquals(MessageType.REQUEST, send.type());
        assertEquals(USER, request.userId());
        assertEquals(HB, request.hbBot());
        assertEquals(NETWORK, request.network());
        assertEquals(ACCOUNT, request.remoteAccount());
        assertEquals(VB_KEY.verifyKey(), request.vb().key());
        assertEquals("byob.request." + request.txnId().value(), send.clientTxnId());
        assertInstanceOf(Requested.class, t.state());
    }

    @Test
    void start_whileRequested_isIgnored() {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, new VisitingInput.Start(), T0.plusSeconds(1));
        assertEquals(r, t.state());
        assertTrue(sends(t).isEmpty());
        output(t, VisitingOutput.Ignored.class);
    }

    @Test
    void tick_beforeReplyTimeout_sendsNothing() {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, new VisitingInput.Tick(), T0.plus(REPLY).minusMillis(1));
        assertEquals(r, t.state());
        assertTrue(t.outputs().isEmpty());
    }

    @Test
    void tick_afterReplyTimeout_resendsTheSameRequest() {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, new VisitingInput.Tick(), T0.plus(REPLY));
        Send resend = onlySend(t);
        assertEquals(r.content(), resend.content());
        assertEquals("byob.request." + r.request().txnId().value(), resend.clientTxnId());
        assertEquals(2, ((Requested) t.state()).attempts());
    }

    @Test
    void tick_afterLastAttempt_cancelsWithTimeout() throws Exception {
        VisitingState s = requested();
        Instant at = T0;
        for (int i = 1; i < VisitingConfig.DEFAULT_MAX_ATTEMPTS; i++) {
            at = at.plus(REPLY);
            s = step(s, new VisitingInput.Tick(), at).state();
        }
        Transition<VisitingState, VisitingOutput> t = step(s, new VisitingInput.Tick(), at.plus(REPLY));
        Cancel cancel = (Cancel) decodeVerified(onlySend(t));
        assertEquals(CancelCode.TIMEOUT, cancel.code());
        assertEquals(CancelCode.TIMEOUT, ((Failed) t.state()).code());
        assertFalse(((Failed) t.state()).byPeer());
        output(t, VisitingOutput.HandshakeFailed.class);
    }

    @Test
    void challenge_whenRequested_asksTransportForBothProofs() {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, received(challenge(r.request().txnId())), T0.plusMillis(100));
        assertInstanceOf(Proving.class, t.state());
        VisitingOutput.MakeMatrixProof matrix = output(t, VisitingOutput.MakeMatrixProof.class);
        assertEquals(ProofMethods.MATRIX_DM, matrix.method());
        assertEquals(M_NONCE.value(), matrix.content().get("nonce").asText());
        assertEquals(HB.value(), matrix.content().get("hb_bot").asText());
        assertEquals(r.request().txnId().value(), matrix.content().get("txn_id").asText());
        VisitingOutput.MakeRemoteProof remote = output(t, VisitingOutput.MakeRemoteProof.class);
        assertEquals(IRC_BOT, remote.target());
        assertEquals("byob-proof " + R_NONCE.value(), remote.text());
    }

    @Test
    void challenge_withMethodNotOffered_cancelsUnsupportedMethod() throws Exception {
        Requested r = requested();
        Challenge c = challenge(r.request().txnId(), ProofMethods.MATRIX_TO_DEVICE, T0.plusSeconds(600).toEpochMilli());
        Transition<VisitingState, VisitingOutput> t = step(r, received(c), T0.plusMillis(100));
        assertEquals(CancelCode.UNSUPPORTED_METHOD, ((Cancel) decodeVerified(onlySend(t))).code());
        assertInstanceOf(Failed.class, t.state());
    }

    @Test
    void challenge_alreadyExpired_cancelsTimeout() throws Exception {
        Requested r = requested();
        Challenge c = challenge(r.request().txnId(), ProofMethods.MATRIX_DM, T0.toEpochMilli());
        Transition<VisitingState, VisitingOutput> t = step(r, received(c), T0.plusMillis(100));
        assertEquals(CancelCode.TIMEOUT, ((Cancel) decodeVerified(onlySend(t))).code());
    }

    @Test
    void received_fromAnotherSender_isIgnored() {
        Requested r = requested();
        Challenge c = challenge(r.request().txnId());
        VisitingInput in = new VisitingInput.Received(UserId.parse("@mallory:evil.example"), c.type().eventType(), content(c));
        Transition<VisitingState, VisitingOutput> t = step(r, in, T0.plusMillis(100));
        assertEquals(r, t.state());
        output(t, VisitingOutput.Ignored.class);
    }

    @Test
    void received_forAnotherTransaction_isAnsweredUnknownTransaction() throws Exception {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, received(challenge(new TxnId("another-txn"))), T0.plusMillis(100));
        assertEquals(r, t.state());
        Cancel cancel = (Cancel) decodeVerified(onlySend(t));
        assertEquals(CancelCode.UNKNOWN_TRANSACTION, cancel.code());
        assertEquals(new TxnId("another-txn"), cancel.txnId());
    }

    @Test
    void received_cancelForAnotherTransaction_isNeverAnswered() {
        Requested r = requested();
        Cancel stray = new Cancel(new TxnId("another-txn"), CancelCode.TIMEOUT, "");
        Transition<VisitingState, VisitingOutput> t = step(r, received(stray), T0.plusMillis(100));
        assertEquals(r, t.state());
        assertTrue(sends(t).isEmpty());
    }

    @Test
    void received_notAByobEvent_isIgnored() {
        Requested r = requested();
        VisitingInput in = new VisitingInput.Received(HB, "m.room.message", content(challenge(r.request().txnId())));
        assertEquals(r, step(r, in, T0.plusMillis(100)).state());
    }

    @Test
    void received_malformedChallengeForOurExchange_cancelsInvalidMessage() throws Exception {
        Requested r = requested();
        ObjectNode bad = content(challenge(r.request().txnId()));
        bad.remove("matrix_proof");
        Transition<VisitingState, VisitingOutput> t = step(r,
                new VisitingInput.Received(HB, MessageType.CHALLENGE.eventType(), bad), T0.plusMillis(100));
        Cancel cancel = (Cancel) decodeVerified(onlySend(t));
        assertEquals(CancelCode.INVALID_MESSAGE, cancel.code());
        assertTrue(cancel.reason().contains("/matrix_proof"), cancel.reason());
    }

    @Test
    void received_unknownVersion_cancelsUnsupportedVersion() throws Exception {
        Requested r = requested();
        ObjectNode bad = content(challenge(r.request().txnId()));
        bad.put("version", 2);
        Transition<VisitingState, VisitingOutput> t = step(r,
                new VisitingInput.Received(HB, MessageType.CHALLENGE.eventType(), bad), T0.plusMillis(100));
        assertEquals(CancelCode.UNSUPPORTED_VERSION, ((Cancel) decodeVerified(onlySend(t))).code());
    }

    @Test
    void proofs_oneOfTwoMade_waitsForTheOther() {
        Proving p = proving();
        Transition<VisitingState, VisitingOutput> t = step(p, new VisitingInput.RemoteProofMade(), T0.plusMillis(200));
        assertInstanceOf(Proving.class, t.state());
        assertTrue(t.outputs().isEmpty());
    }

    @Test
    void proofs_bothMade_sendsSignedAnswerBindingBothNonces() throws Exception {
        Proving p = proving();
        VisitingState s = step(p, new VisitingInput.MatrixProofMade(evidence()), T0.plusMillis(200)).state();
        Transition<VisitingState, VisitingOutput> t = step(s, new VisitingInput.RemoteProofMade(), T0.plusMillis(300));
        Answer answer = (Answer) decodeVerified(onlySend(t));
        assertEquals(M_NONCE.sha256(), answer.matrixNonceSha256());
        assertEquals(R_NONCE.sha256(), answer.remoteNonceSha256());
        assertEquals(evidence(), answer.matrixProof());
        assertEquals(USER, answer.userId());
        assertEquals(HB, answer.hbBot());
        assertEquals(ACCOUNT, answer.remoteAccount());
        assertInstanceOf(Answered.class, t.state());
    }

    @Test
    void proofFailed_remote_cancelsRemoteProofFailed() throws Exception {
        Transition<VisitingState, VisitingOutput> t = step(proving(),
                new VisitingInput.ProofFailed(false, "SASL refused"), T0.plusMillis(200));
        Cancel cancel = (Cancel) decodeVerified(onlySend(t));
        assertEquals(CancelCode.REMOTE_PROOF_FAILED, cancel.code());
        assertEquals("SASL refused", cancel.reason());
    }

    @Test
    void proofFailed_matrix_cancelsMatrixProofFailed() throws Exception {
        Transition<VisitingState, VisitingOutput> t = step(proving(),
                new VisitingInput.ProofFailed(true, "M_FORBIDDEN"), T0.plusMillis(200));
        assertEquals(CancelCode.MATRIX_PROOF_FAILED, ((Cancel) decodeVerified(onlySend(t))).code());
    }

    @Test
    void proofMade_outsideAChallenge_isIgnored() {
        Requested r = requested();
        Transition<VisitingState, VisitingOutput> t = step(r, new VisitingInput.RemoteProofMade(), T0.plusMillis(1));
        assertEquals(r, t.state());
        output(t, VisitingOutput.Ignored.class);
    }

    @Test
    void proving_challengeExpires_cancelsTimeout() throws Exception {
        Proving p = proving();
        Instant expiry = Instant.ofEpochMilli(p.challenge().expiresAt());
        assertEquals(Optional.of(expiry), vb.deadline(p));
        assertTrue(step(p, new VisitingInput.Tick(), expiry.minusMillis(1)).outputs().isEmpty());
        Transition<VisitingState, VisitingOutput> t = step(p, new VisitingInput.Tick(), expiry);
        assertEquals(CancelCode.TIMEOUT, ((Cancel) decodeVerified(onlySend(t))).code());
    }

    @Test
    void answered_accept_establishesTrustCountsTheLeaseFromTheFirstAnswerAndHeartbeatsAtOnce() throws Exception {
        Answered a = answered();
        Accept accept = new Accept(a.request().txnId(), 3, T0.plusMillis(350).toEpochMilli(), TERMS);
        Transition<VisitingState, VisitingOutput> t = step(a, received(accept), T0.plusMillis(400));
        Trusted trusted = (Trusted) t.state();
        assertEquals(3, trusted.receipt().epoch());
        assertEquals(a.firstSent().plusMillis(90_000), trusted.leaseUntil());
        assertEquals(trusted.receipt(), output(t, VisitingOutput.TrustEstablished.class).receipt());
        Heartbeat first = (Heartbeat) decodeVerified(onlySend(t));
        assertEquals(3, first.epoch());
        assertEquals(1, first.seq());
        assertEquals(T0.plusMillis(400).plusMillis(30_000), trusted.nextHeartbeatAt());
    }

    @Test
    void answered_noAccept_resendsAnswerThenTimesOut() throws Exception {
        Answered a = answered();
        Transition<VisitingState, VisitingOutput> t = step(a, new VisitingInput.Tick(), a.lastSent().plus(REPLY));
        assertEquals(a.content(), onlySend(t).content());
        VisitingState s = t.state();
        Instant at = a.lastSent().plus(REPLY);
        for (int i = 2; i < VisitingConfig.DEFAULT_MAX_ATTEMPTS; i++) {
            at = at.plus(REPLY);
            s = step(s, new VisitingInput.Tick(), at).state();
        }
        Transition<VisitingState, VisitingOutput> last = step(s, new VisitingInput.Tick(), at.plus(REPLY));
        assertEquals(CancelCode.TIMEOUT, ((Cancel) decodeVerified(onlySend(last))).code());
    }

    @Test
    void answered_cancelFromHostingBridge_failsByPeerWithoutReply() {
        Answered a = answered();
        Cancel cancel = new Cancel(a.request().txnId(), CancelCode.REMOTE_PROOF_FAILED, "logged in as mallory");
        Transition<VisitingState, VisitingOutput> t = step(a, received(cancel), T0.plusSeconds(1));
        Failed failed = (Failed) t.state();
        assertTrue(failed.byPeer());
        assertEquals(CancelCode.REMOTE_PROOF_FAILED, failed.code());
        assertTrue(sends(t).isEmpty(), "a cancel is never answered");
    }

    @Test
    void answered_repeatedChallenge_resendsTheAnswer() {
        Answered a = answered();
        Transition<VisitingState, VisitingOutput> t = step(a, received(a.challenge()), T0.plusSeconds(1));
        assertEquals(a, t.state());
        assertEquals(a.content(), onlySend(t).content());
    }

    @Test
    void proving_repeatedChallenge_changesNothing() {
        Proving p = proving();
        Transition<VisitingState, VisitingOutput> t = step(p, received(p.challenge()), T0.plusSeconds(1));
        assertEquals(p, t.state());
        assertTrue(t.outputs().isEmpty());
    }

    @Test
    void challenge_withOriginServerTs_expiresOnTheLocalClock() {
        Requested r = requested();
        // The HB's clock runs 5 minutes ahead of ours: the challenge was stamped at 00:05:00 and expires
        // ten minutes later; we received it at 00:00:00.100 by our clock.
        Instant stamped = T0.plusSeconds(300);
        Challenge c = challenge(r.request().txnId(), ProofMethods.MATRIX_DM, stamped.plusSeconds(600).toEpochMilli());
        VisitingInput in = new VisitingInput.Received(HB, c.type().eventType(), content(c), Optional.of(stamped));
        Proving p = (Proving) step(r, in, T0.plusMillis(100)).state();
        assertEquals(T0.plusMillis(100).plusSeconds(600), p.deadline());
    }

    @Test
    void requested_acceptOrLeaseBeforeTheirTime_cancelsUnexpectedMessage() throws Exception {
        Requested r = requested();
        Accept accept = new Accept(r.request().txnId(), 1, T0.toEpochMilli(), TERMS);
        Transition<VisitingState, VisitingOutput> t = step(r, received(accept), T0.plusMillis(100));
        assertEquals(CancelCode.UNEXPECTED_MESSAGE, ((Cancel) decodeVerified(onlySend(t))).code());
        assertInstanceOf(Failed.class, t.state());
        Lease lease = new Lease(r.request().txnId(), USER, NETWORK, 1, 1, 90_000, List.of(), false);
        Transition<VisitingState, VisitingOutput> t2 = step(r, received(lease), T0.plusMillis(100));
        assertEquals(CancelCode.UNEXPECTED_MESSAGE, ((Cancel) decodeVerified(onlySend(t2))).code());
    }

    // ---- the lease ----

    @Test
    void trusted_heartbeatDue_sendsSignedHeartbeat() throws Exception {
        Trusted tr = trusted();
        Transition<VisitingState, VisitingOutput> t = step(tr, new VisitingInput.Tick(), tr.nextHeartbeatAt());
        Heartbeat hb = (Heartbeat) decodeVerified(onlySend(t));
        assertEquals(0, hb.fillAck());
        assertEquals(tr.receipt().epoch(), hb.epoch());
        Trusted next = (Trusted) t.state();
        assertEquals(2, hb.seq(), "seq 1 went at acceptance");
        assertEquals(hb.txnId(), next.pending().orElseThrow().txnId());
        assertEquals(3, next.nextSeq());
    }

    @Test
    void trusted_leaseReply_renewsAndHandsOverFillIns() {
        Trusted tr = trusted();
        Instant sent = tr.nextHeartbeatAt();
        Trusted waiting = (Trusted) step(tr, new VisitingInput.Tick(), sent).state();
        VisitingState.PendingHeartbeat p = waiting.pending().orElseThrow();
        Lease.FillIn f1 = new Lease.FillIn(1, Lease.Direction.TO_REMOTE, Optional.of(EventId.parse("$m1")),
                Optional.empty(), Optional.empty(), T0.toEpochMilli());
        Lease.FillIn f2 = new Lease.FillIn(2, Lease.Direction.TO_MATRIX, Optional.empty(), Optional.of("msgid-2"),
                Optional.empty(), T0.toEpochMilli());
        Lease lease = new Lease(p.txnId(), USER, NETWORK, 1, p.seq(), 90_000, List.of(f1, f2), false);
        Transition<VisitingState, VisitingOutput> t = step(waiting, received(lease), sent.plusMillis(50));
        VisitingOutput.LeaseRenewed renewed = output(t, VisitingOutput.LeaseRenewed.class);
        assertEquals(sent.plusMillis(90_000), renewed.until());
        assertEquals(List.of(f1, f2), renewed.filledIn());
        assertFalse(renewed.more());
        Trusted next = (Trusted) t.state();
        assertEquals(2, next.fillAck());
        assertTrue(next.pending().isEmpty());
        assertTrue(sends(t).isEmpty());
    }

    @Test
    void trusted_leaseWithMore_sendsTheNextHeartbeatAtOnce() throws Exception {
        Trusted tr = trusted();
        Trusted waiting = (Trusted) step(tr, new VisitingInput.Tick(), tr.nextHeartbeatAt()).state();
        VisitingState.PendingHeartbeat p = waiting.pending().orElseThrow();
        Lease.FillIn f1 = new Lease.FillIn(1, Lease.Direction.TO_REMOTE, Optional.of(EventId.parse("$m1")),
                Optional.empty(), Optional.empty(), T0.toEpochMilli());
        Lease lease = new Lease(p.txnId(), USER, NETWORK, 1, p.seq(), 90_000, List.of(f1), true);
        Transition<VisitingState, VisitingOutput> t = step(waiting, received(lease), tr.nextHeartbeatAt().plusMillis(50));
        Heartbeat next = (Heartbeat) decodeVerified(onlySend(t));
        assertEquals(1, next.fillAck());
        assertEquals(3, next.seq());
    }

    @Test
    void trusted_leaseAnsweringNoHeartbeat_isIgnored() {
        Trusted tr = trusted();
        Lease lease = new Lease(new TxnId("not-ours-1"), USER, NETWORK, 1, 1, 90_000, List.of(), false);
        Transition<VisitingState, VisitingOutput> t = step(tr, received(lease), T0.plusSeconds(1));
        assertEquals(tr, t.state());
        output(t, VisitingOutput.Ignored.class);
    }

    @Test
    void trusted_noRenewalBeforeLeaseEnd_lapsesOnceThenResumesOnLease() {
        Trusted tr = trusted();
        Transition<VisitingState, VisitingOutput> t = step(tr, new VisitingInput.Tick(), tr.leaseUntil());
        Trusted lapsed = (Trusted) t.state();
        assertTrue(lapsed.lapsed());
        output(t, VisitingOutput.LeaseLapsed.class);
        Transition<VisitingState, VisitingOutput> again = step(lapsed, new VisitingInput.Tick(), tr.leaseUntil().plusMillis(1));
        assertTrue(again.outputs().stream().noneMatch(VisitingOutput.LeaseLapsed.class::isInstance));
        VisitingState.PendingHeartbeat p = ((Trusted) again.state()).pending().orElseThrow();
        Lease lease = new Lease(p.txnId(), USER, NETWORK, 1, p.seq(), 90_000, List.of(), false);
        Trusted back = (Trusted) step(again.state(), received(lease), tr.leaseUntil().plusMillis(60)).state();
        assertFalse(back.lapsed());
    }

    @Test
    void trusted_heartbeatUnanswered_isReplacedAfterReplyTimeout() throws Exception {
        Trusted tr = trusted();
        Trusted waiting = (Trusted) step(tr, new VisitingInput.Tick(), tr.nextHeartbeatAt()).state();
        Instant lost = waiting.pending().orElseThrow().sentAt().plus(REPLY);
        Transition<VisitingState, VisitingOutput> t = step(waiting, new VisitingInput.Tick(), lost);
        Heartbeat replacement = (Heartbeat) decodeVerified(onlySend(t));
        assertNotEquals(waiting.pending().orElseThrow().txnId(), replacement.txnId());
        assertEquals(3, replacement.seq());
    }

    @Test
    void trusted_heartbeatCancelledUnknownTransaction_endsTrust() {
        Trusted tr = trusted();
        Trusted waiting = (Trusted) step(tr, new VisitingInput.Tick(), tr.nextHeartbeatAt()).state();
        Cancel cancel = new Cancel(waiting.pending().orElseThrow().txnId(), CancelCode.UNKNOWN_TRANSACTION, "no record");
        Transition<VisitingState, VisitingOutput> t = step(waiting, received(cancel), tr.nextHeartbeatAt().plusMillis(50));
        assertInstanceOf(Ended.class, t.state());
        output(t, VisitingOutput.TrustEnded.class);
        assertTrue(sends(t).isEmpty());
    }

    @Test
    void trusted_heartbeatCancelledOtherwise_keepsTrustWithoutRenewal() {
        Trusted tr = trusted();
        Trusted waiting = (Trusted) step(tr, new VisitingInput.Tick(), tr.nextHeartbeatAt()).state();
        Cancel cancel = new Cancel(waiting.pending().orElseThrow().txnId(), CancelCode.BAD_SIGNATURE, "?");
        Trusted after = (Trusted) step(waiting, received(cancel), tr.nextHeartbeatAt().plusMillis(50)).state();
        assertEquals(waiting.leaseUntil(), after.leaseUntil());
        assertTrue(after.pending().isEmpty());
    }

    @Test
    void trusted_repeatedAcceptOfItsHandshake_isIgnored() {
        Trusted tr = trusted();
        Accept again = new Accept(tr.receipt().txnId(), 1, T0.toEpochMilli(), TERMS);
        Transition<VisitingState, VisitingOutput> t = step(tr, received(again), T0.plusSeconds(2));
        assertEquals(tr, t.state());
        assertTrue(sends(t).isEmpty(), "answering it would end the trust it granted");
    }

    @Test
    void trusted_revokedForOurEpoch_endsTrust() {
        Trusted tr = trusted();
        Revoked revoked = new Revoked(new TxnId("revoked-1"), USER, NETWORK, 1, RevokeCode.SUPERSEDED, "another VB");
        Transition<VisitingState, VisitingOutput> t = step(tr, received(revoked), T0.plusSeconds(5));
        Ended ended = (Ended) t.state();
        assertEquals(RevokeCode.SUPERSEDED, ended.code());
        assertEquals(RevokeCode.SUPERSEDED, output(t, VisitingOutput.TrustEnded.class).code());
    }

    @Test
    void trusted_revoked_isAcknowledgedWithASignedReleaseOfThatEpoch_once() throws Exception {
        Trusted tr = trusted();
        Revoked revoked = new Revoked(new TxnId("revoked-1"), USER, NETWORK, 1, RevokeCode.USER_REVOKED, "user");
        Transition<VisitingState, VisitingOutput> t = step(tr, received(revoked), T0.plusSeconds(5));
        Release ack = (Release) decodeVerified(onlySend(t));
        assertEquals(1, ack.epoch());
        assertEquals(Optional.of("revoked: " + RevokeCode.USER_REVOKED), ack.reason());
        Revoked again = new Revoked(ack.txnId(), USER, NETWORK, 1, RevokeCode.USER_REVOKED, "user");
        assertTrue(sends(step(t.state(), received(again), T0.plusSeconds(6))).isEmpty(), "no second release");
    }

    @Test
    void ended_lateMessages_areIgnoredWithoutAnswer() {
        Trusted tr = trusted();
        Revoked revoked = new Revoked(new TxnId("revoked-1"), USER, NETWORK, 1, RevokeCode.SUPERSEDED, "another VB");
        VisitingState ended = step(tr, received(revoked), T0.plusSeconds(5)).state();
        Revoked again = new Revoked(new TxnId("revoked-2"), USER, NETWORK, 1, RevokeCode.SUPERSEDED, "again");
        Transition<VisitingState, VisitingOutput> t = step(ended, received(again), T0.plusSeconds(6));
        assertEquals(ended, t.state());
        assertTrue(sends(t).isEmpty());
    }

    @Test
    void trusted_revokedForAnotherEpoch_isIgnored() {
        Trusted tr = trusted();
        Revoked revoked = new Revoked(new TxnId("revoked-1"), USER, NETWORK, 7, RevokeCode.SUPERSEDED, "old");
        assertEquals(tr, step(tr, received(revoked), T0.plusSeconds(5)).state());
    }

    @Test
    void trusted_logout_sendsSignedReleaseAndEndsOnRevoked() throws Exception {
        Trusted tr = trusted();
        Transition<VisitingState, VisitingOutput> t = step(tr, new VisitingInput.Logout("moving house"), T0.plusSeconds(5));
        Release release = (Release) decodeVerified(onlySend(t));
        assertEquals(1, release.epoch());
        assertEquals(Optional.of("moving house"), release.reason());
        Releasing releasing = (Releasing) t.state();
        Revoked revoked = new Revoked(release.txnId(), USER, NETWORK, 1, RevokeCode.RELEASED, "released");
        Transition<VisitingState, VisitingOutput> done = step(releasing, received(revoked), T0.plusSeconds(6));
        assertEquals(RevokeCode.RELEASED, ((Ended) done.state()).code());
    }

    @Test
    void releasing_unanswered_resendsThenEndsLocally() {
        Trusted tr = trusted();
        VisitingState s = step(tr, new VisitingInput.Logout("bye"), T0).state();
        Instant at = T0;
        for (int i = 1; i < VisitingConfig.DEFAULT_MAX_ATTEMPTS; i++) {
            at = at.plus(REPLY);
            Transition<VisitingState, VisitingOutput> t = step(s, new VisitingInput.Tick(), at);
            assertEquals(MessageType.RELEASE, onlySend(t).type());
            s = t.state();
        }
        Transition<VisitingState, VisitingOutput> t = step(s, new VisitingInput.Tick(), at.plus(REPLY));
        assertInstanceOf(Ended.class, t.state());
        output(t, VisitingOutput.TrustEnded.class);
    }

    @Test
    void logout_duringHandshake_cancelsWithUserCode() throws Exception {
        Transition<VisitingState, VisitingOutput> t = step(proving(), new VisitingInput.Logout("changed my mind"), T0.plusSeconds(1));
        assertEquals(CancelCode.USER, ((Cancel) decodeVerified(onlySend(t))).code());
    }

    @Test
    void logout_whenIdle_isIgnored() {
        Transition<VisitingState, VisitingOutput> t = step(VisitingHandshake.initial(), new VisitingInput.Logout("x"), T0);
        output(t, VisitingOutput.Ignored.class);
        assertTrue(sends(t).isEmpty());
    }

    @Test
    void resume_fromReceipt_sendsHeartbeatAtOnceAndStaysLapsedUntilLease() throws Exception {
        TrustReceipt receipt = trusted().receipt();
        VisitingState resumed = VisitingHandshake.resume(receipt, 4, T0.plusSeconds(500));
        assertEquals(Optional.of(T0.plusSeconds(500)), vb.deadline(resumed));
        Transition<VisitingState, VisitingOutput> t = step(resumed, new VisitingInput.Tick(), T0.plusSeconds(500));
        Heartbeat hb = (Heartbeat) decodeVerified(onlySend(t));
        assertEquals(4, hb.fillAck());
        assertTrue(hb.seq() > 2, "above every seq sent before the restart, without a stored counter");
        assertTrue(((Trusted) t.state()).lapsed());
    }

    @Test
    void start_afterFailure_beginsAFreshExchange() {
        Requested first = requested();
        Transition<VisitingState, VisitingOutput> failed = step(first, new VisitingInput.Logout("stop"), T0);
        Transition<VisitingState, VisitingOutput> again = step(failed.state(), new VisitingInput.Start(), T0.plusSeconds(1));
        assertNotEquals(first.request().txnId(), ((Requested) again.state()).request().txnId());
    }

    @Test
    void deadline_whenTerminal_isEmpty() {
        assertEquals(Optional.empty(), vb.deadline(VisitingHandshake.initial()));
        assertEquals(Optional.empty(), vb.deadline(new Failed(CancelCode.USER, "", false)));
    }

}
