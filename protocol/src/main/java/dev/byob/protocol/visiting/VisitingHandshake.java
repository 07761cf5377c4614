package dev.byob.protocol.visiting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Transition;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.ByobMessage;
import dev.byob.protocol.message.Cancel;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Challenge;
import dev.byob.protocol.message.DecodeException;
import dev.byob.protocol.message.Heartbeat;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MatrixProof;
import dev.byob.protocol.message.MessageCodec;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.Revoked;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.visiting.VisitingInput.Logout;
import dev.byob.protocol.visiting.VisitingInput.MatrixProofMade;
import dev.byob.protocol.visiting.VisitingInput.ProofFailed;
import dev.byob.protocol.visiting.VisitingInput.Received;
import dev.byob.protocol.visiting.VisitingInput.Refuse;
import dev.byob.protocol.visiting.VisitingInput.RemoteProofMade;
import dev.byob.protocol.visiting.VisitingInput.Start;
import dev.byob.protocol.visiting.VisitingInput.Tick;
import dev.byob.protocol.visiting.VisitingState.Answered;
import dev.byob.protocol.visiting.VisitingState.Ended;
import dev.byob.protocol.visiting.VisitingState.Failed;
import dev.byob.protocol.visiting.VisitingState.Idle;
import dev.byob.protocol.visiting.VisitingState.PendingHeartbeat;
import dev.byob.protocol.visiting.VisitingState.Proving;
import dev.byob.protocol.visiting.VisitingState.Releasing;
import dev.byob.protocol.visiting.VisitingState.Requested;
import dev.byob.protocol.visiting.VisitingState.Trusted;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * The visiting bridge's side of byob for one hosting bridge, user and network, as a pure state
 * machine: {@link #step} takes a state, one input and the time, and returns the next state and the
 * outputs. No threads, sockets or clocks inside: the caller feeds {@link Tick} at or after
 * {@link #deadline(VisitingState)}.
 *
 * <pre>{@code
 * VisitingHandshake vb = new VisitingHandshake(config, new SecureRandom());
 * Transition<VisitingState, VisitingOutput> t = vb.step(VisitingHandshake.initial(), new Start(), clock.instant());
 * // send t.outputs(), keep t.state(), feed the next input ...
 * }</pre>
 */
public final class VisitingHandshake {
    private final VisitingConfig config;
    private final Random random;

    /** @param random source of transaction ids: a {@link java.security.SecureRandom} outside simulations */
    public VisitingHandshake(VisitingConfig config, Random random) {
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** The state before anything happened. */
    public static VisitingState initial() {
        return new Idle();
    }

    /**
     * The state after a restart with a persisted receipt: trusted but lapsed until the first lease reply,
     * with a heartbeat due at once. {@code fillAck} is the highest fill-in sequence recorded durably.
     * Heartbeat sequence numbers continue from the clock in milliseconds, so they stay above any sent
     * before the restart without a persisted counter.
     */
    public static VisitingState resume(TrustReceipt receipt, long fillAck, Instant now) {
        return new Trusted(receipt, now, true, now, Math.max(1, now.toEpochMilli()), fillAck, Optional.empty());
    }

    /** When the caller must feed {@link Tick} next, if anything is time-bound in {@code state}. */
    public Optional<Instant> deadline(VisitingState state) {
        if (state instanceof Requested) {
            return Optional.of(((Requested) state).lastSent().plus(config.replyTimeout()));
        }
        if (state instanceof Proving) {
            return Optional.of(((Proving) state).deadline());
        }
        if (state instanceof Answered) {
            Answered a = (Answered) state;
            Instant resend = a.lastSent().plus(config.replyTimeout());
            return Optional.of(resend.isBefore(a.deadline()) ? resend : a.deadline());
        }
        if (state instanceof Trusted) {
            Trusted t = (Trusted) state;
            Instant next = t.nextHeartbeatAt();
            if (t.pending().isPresent()) {
                next = t.pending().get().sentAt().plus(config.replyTimeout());
            }
            if (!t.lapsed() && t.leaseUntil().isBefore(next)) {
                next = t.leaseUntil();
            }
            return Optional.of(next);
        }
        if (state instanceof Releasing) {
            return Optional.of(((Releasing) state).lastSent().plus(config.replyTimeout()));
        }
        return Optional.empty();
    }

    /** Feeds one input. */
    public Transition<VisitingState, VisitingOutput> step(VisitingState state, VisitingInput input, Instant now) {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(now, "now");
        if (input instanceof Start) {
            return start(state, now);
        }
        if (input instanceof Tick) {
            return tick(state, now);
        }
        if (input instanceof Received) {
            return received(state, (Received) input, now);
        }
        if (input instanceof MatrixProofMade) {
            if (!(state instanceof Proving)) {
                return ignored(state, "a Matrix proof was made outside a challenge");
            }
            Proving p = (Proving) state;
            return proved(new Proving(p.request(), p.challenge(), p.deadline(),
                    Optional.of(((MatrixProofMade) input).evidence()), p.remoteDone()), now);
        }
        if (input instanceof RemoteProofMade) {
            if (!(state instanceof Proving)) {
                return ignored(state, "a remote proof was made outside a challenge");
            }
            Proving p = (Proving) state;
            return proved(new Proving(p.request(), p.challenge(), p.deadline(), p.matrixEvidence(), true), now);
        }
        if (input instanceof ProofFailed) {
            ProofFailed f = (ProofFailed) input;
            Optional<TxnId> txn = handshakeTxn(state);
            if (txn.isEmpty()) {
                return ignored(state, "a proof failed outside a challenge");
            }
            return fail(txn.get(), f.matrix() ? CancelCode.MATRIX_PROOF_FAILED : CancelCode.REMOTE_PROOF_FAILED,
                    f.reason());
        }
        if (input instanceof Logout) {
            return logout(state, ((Logout) input).reason(), now);
        }
        if (input instanceof Refuse) {
            Refuse r = (Refuse) input;
            Optional<TxnId> txn = handshakeTxn(state);
            if (txn.isEmpty()) {
                return ignored(state, "nothing under way to refuse: " + r.reason());
            }
            return fail(txn.get(), r.code(), r.reason());
        }
        throw new AssertionError(input);
    }

    /**
     * The message of {@code state} still waiting for its reply (a request, an answer or a release), as it was
     * sent: same content, same {@code txn_id}. For a transport whose DM changed (a duplicate DM, §3.2): sent again
     * in the kept room, the hosting bridge recognises it as a resend (§6.2). Nothing changes in the state.
     */
    public Optional<VisitingOutput.Send> outstanding(VisitingState state) {
        if (state instanceof Requested) {
            Requested r = (Requested) state;
            return Optional.of(send(MessageType.REQUEST, r.content(), r.request().txnId()));
        }
        if (state instanceof Answered) {
            Answered a = (Answered) state;
            return Optional.of(send(MessageType.ANSWER, a.content(), a.request().txnId()));
        }
        if (state instanceof Releasing) {
            Releasing r = (Releasing) state;
            return Optional.of(send(MessageType.RELEASE, r.content(), new TxnId(r.content().path("txn_id").asText())));
        }
        return Optional.empty();
    }

    private Transition<VisitingState, VisitingOutput> start(VisitingState state, Instant now) {
        if (!(state instanceof Idle || state instanceof Ended || state instanceof Failed)) {
            return ignored(state, "a handshake or trust is already in place");
        }
        TxnId txn = TxnId.random(random);
        ObjectNode content = sign(config.request(txn));
        return new Transition<>(new Requested(config.request(txn), content, now, 1),
                List.of(send(MessageType.REQUEST, content, txn)));
    }

    private Transition<VisitingState, VisitingOutput> tick(VisitingState state, Instant now) {
        if (state instanceof Requested) {
            Requested r = (Requested) state;
            if (now.isBefore(r.lastSent().plus(config.replyTimeout()))) {
                return Transition.stay(state);
            }
            if (r.attempts() >= config.maxAttempts()) {
                return fail(r.request().txnId(), CancelCode.TIMEOUT,
                        "no challenge after " + r.attempts() + " requests");
            }
            return new Transition<>(new Requested(r.request(), r.content(), now, r.attempts() + 1),
                    List.of(send(MessageType.REQUEST, r.content(), r.request().txnId())));
        }
        if (state instanceof Proving) {
            Proving p = (Proving) state;
            if (!now.isBefore(p.deadline())) {
                return fail(p.request().txnId(), CancelCode.TIMEOUT, "the proofs were not made before the challenge expired");
            }
            return Transition.stay(state);
        }
        if (state instanceof Answered) {
            Answered a = (Answered) state;
            if (!now.isBefore(a.deadline())) {
                return fail(a.request().txnId(), CancelCode.TIMEOUT, "no acceptance before the challenge expired");
            }
            if (now.isBefore(a.lastSent().plus(config.replyTimeout()))) {
                return Transition.stay(state);
            }
            if (a.attempts() >= config.maxAttempts()) {
                return fail(a.request().txnId(), CancelCode.TIMEOUT, "no acceptance after " + a.attempts() + " answers");
            }
            return new Transition<>(new Answered(a.request(), a.challenge(), a.deadline(), a.content(), a.firstSent(), now,
                    a.attempts() + 1), List.of(send(MessageType.ANSWER, a.content(), a.request().txnId())));
        }
        if (state instanceof Trusted) {
            return heartbeatTick((Trusted) state, now);
        }
        if (state instanceof Releasing) {
            Releasing r = (Releasing) state;
            if (now.isBefore(r.lastSent().plus(config.replyTimeout()))) {
                return Transition.stay(state);
            }
            if (r.attempts() >= config.maxAttempts()) {
                String reason = "the hosting bridge did not confirm the release; it steps back in when the lease lapses";
                return new Transition<>(new Ended(r.receipt(), RevokeCode.RELEASED, reason),
                        List.of(new VisitingOutput.TrustEnded(r.receipt(), RevokeCode.RELEASED, reason)));
            }
            TxnId txn = TxnId.random(random);
            Release release = new Release(txn, config.key().userId(), config.key().network(), r.receipt().epoch(),
                    Optional.of("logout"));
            ObjectNode content = sign(release);
            return new Transition<>(new Releasing(r.receipt(), content, now, r.attempts() + 1),
                    List.of(send(MessageType.RELEASE, content, txn)));
        }
        return Transition.stay(state);
    }

    private Transition<VisitingState, VisitingOutput> heartbeatTick(Trusted t, Instant now) {
        List<VisitingOutput> out = new ArrayList<>();
        boolean lapsed = t.lapsed();
        if (!lapsed && !now.isBefore(t.leaseUntil())) {
            lapsed = true;
            out.add(new VisitingOutput.LeaseLapsed());
        }
        Optional<PendingHeartbeat> pending = t.pending();
        if (pending.isPresent() && !now.isBefore(pending.get().sentAt().plus(config.replyTimeout()))) {
            pending = Optional.empty(); // lost: the next heartbeat replaces it
        }
        Trusted next = new Trusted(t.receipt(), t.leaseUntil(), lapsed, t.nextHeartbeatAt(), t.nextSeq(), t.fillAck(), pending);
        if (pending.isEmpty() && !now.isBefore(t.nextHeartbeatAt())) {
            return heartbeat(next, now, out);
        }
        return new Transition<>(next, out);
    }

    private Transition<VisitingState, VisitingOutput> heartbeat(Trusted t, Instant now, List<VisitingOutput> out) {
        TxnId txn = TxnId.random(random);
        Heartbeat hb = new Heartbeat(txn, config.key().userId(), config.key().network(), t.receipt().epoch(),
                t.nextSeq(), t.fillAck());
        out.add(send(MessageType.HEARTBEAT, sign(hb), txn));
        Instant nextAt = now.plusMillis(t.receipt().lease().heartbeatIntervalMs());
        return new Transition<>(new Trusted(t.receipt(), t.leaseUntil(), t.lapsed(), nextAt, t.nextSeq() + 1,
                t.fillAck(), Optional.of(new PendingHeartbeat(txn, t.nextSeq(), now))), out);
    }

    private Transition<VisitingState, VisitingOutput> received(VisitingState state, Received in, Instant now) {
        if (!in.sender().equals(config.key().hbBot())) {
            return ignored(state, "an event from " + in.sender() + ", not the hosting bridge's bot");
        }
        Optional<MessageType> type = MessageType.fromEventType(in.eventType());
        if (type.isEmpty()) {
            return ignored(state, "not a byob event: " + in.eventType());
        }
        ByobMessage message;
        try {
            message = MessageCodec.decode(in.eventType(), in.content());
        } catch (DecodeException e) {
            Optional<TxnId> ours = handshakeTxn(state);
            if (ours.isPresent() && ours.get().value().equals(txnText(in.content())) && type.get() != MessageType.CANCEL) {
                return fail(ours.get(), e.cancelCode(), "invalid " + type.get().suffix() + ": " + e.getMessage());
            }
            return ignored(state, "invalid " + type.get().suffix() + ": " + e.getMessage());
        }
        if (state instanceof Trusted || state instanceof Releasing) {
            return whileTrusted(state, message, now);
        }
        if (state instanceof Idle || state instanceof Ended || state instanceof Failed) {
            // Nothing under way: late replies to an exchange or a trust that is over need no answer.
            return ignored(state, "a late " + message.type().suffix() + " after the relation ended");
        }
        Optional<TxnId> ours = handshakeTxn(state);
        if (ours.isEmpty() || !ours.get().equals(message.txnId())) {
            return answerStray(state, message, CancelCode.UNKNOWN_TRANSACTION, "no exchange " + message.txnId() + " here");
        }
        if (message instanceof Cancel) {
            Cancel c = (Cancel) message;
            return new Transition<>(new Failed(c.code(), c.reason(), true),
                    List.of(new VisitingOutput.HandshakeFailed(c.code(), c.reason(), true)));
        }
        if (state instanceof Requested && message instanceof Challenge) {
            return challenged(((Requested) state).request(), (Challenge) message, in.originServerTs(), now);
        }
        if (state instanceof Answered && message instanceof Accept) {
            Answered a = (Answered) state;
            Accept accept = (Accept) message;
            TrustReceipt receipt = new TrustReceipt(config.key(), accept.epoch(),
                    Instant.ofEpochMilli(accept.establishedAt()), accept.lease(), accept.txnId());
            // The HB's lease starts when it accepts, which is after our first answer left: counting from
            // there keeps our view of the lease no longer than the HB's, whatever the clocks say.
            Instant leaseUntil = a.firstSent().plusMillis(accept.lease().leaseMs());
            Trusted trusted = new Trusted(receipt, leaseUntil, false, now, 1, 0, Optional.empty());
            List<VisitingOutput> out = new ArrayList<>();
            out.add(new VisitingOutput.TrustEstablished(receipt));
            return heartbeat(trusted, now, out); // at once, so the HB knows the accept arrived
        }
        if (message instanceof Challenge && (state instanceof Proving || state instanceof Answered)) {
            Challenge first = state instanceof Proving ? ((Proving) state).challenge() : ((Answered) state).challenge();
            if (first.equals(message)) {
                if (state instanceof Answered) { // our answer may have been lost: the HB repeated its challenge
                    Answered a = (Answered) state;
                    return new Transition<>(state, List.of(send(MessageType.ANSWER, a.content(), a.request().txnId())));
                }
                return Transition.stay(state);
            }
        }
        return fail(ours.get(), CancelCode.UNEXPECTED_MESSAGE,
                message.type().suffix() + " is not expected while " + state.getClass().getSimpleName().toLowerCase(Locale.ROOT));
    }

    /** A valid message that fits no exchange of ours: say so, unless it is a cancel, which is never answered. */
    private Transition<VisitingState, VisitingOutput> answerStray(VisitingState state, ByobMessage message,
                                                                  CancelCode code, String reason) {
        if (message instanceof Cancel) {
            return ignored(state, "a cancel for another exchange: " + message.txnId());
        }
        ObjectNode content = sign(new Cancel(message.txnId(), code, reason));
        return new Transition<>(state, List.of(send(MessageType.CANCEL, content, message.txnId()),
                new VisitingOutput.Ignored(message.type().suffix() + ": " + reason)));
    }

    private Transition<VisitingState, VisitingOutput> challenged(Request request, Challenge challenge,
                                                                 Optional<Instant> originServerTs, Instant now) {
        if (!request.matrixProofMethods().contains(challenge.matrixProof().method())) {
            return fail(request.txnId(), CancelCode.UNSUPPORTED_METHOD,
                    "Matrix proof method " + challenge.matrixProof().method() + " was not offered");
        }
        if (!request.remoteProofMethods().contains(challenge.remoteProof().method())) {
            return fail(request.txnId(), CancelCode.UNSUPPORTED_METHOD,
                    "remote proof method " + challenge.remoteProof().method() + " was not offered");
        }
        // expires_at is on the HB's clock; its homeserver stamped the event on nearly the same clock, so
        // the difference is a duration we can count on ours (erring early).
        Instant deadline = originServerTs
                .map(ts -> now.plusMillis(challenge.expiresAt() - ts.toEpochMilli()))
                .orElse(Instant.ofEpochMilli(challenge.expiresAt()));
        if (!now.isBefore(deadline)) {
            return fail(request.txnId(), CancelCode.TIMEOUT, "the challenge had already expired");
        }
        MatrixProof proof = new MatrixProof(request.txnId(), request.hbBot(), challenge.matrixProof().nonce());
        List<VisitingOutput> out = List.of(
                new VisitingOutput.MakeMatrixProof(challenge.matrixProof().method(), request.hbBot(),
                        challenge.matrixProof().roomId(), MessageCodec.encode(proof)),
                new VisitingOutput.MakeRemoteProof(challenge.remoteProof().method(), challenge.remoteProof().target(),
                        "byob-proof " + challenge.remoteProof().nonce().value()));
        return new Transition<>(new Proving(request, challenge, deadline, Optional.empty(), false), out);
    }

    private Transition<VisitingState, VisitingOutput> proved(Proving p, Instant now) {
        if (p.matrixEvidence().isEmpty() || !p.remoteDone()) {
            return Transition.stay(p);
        }
        Request r = p.request();
        Answer answer = new Answer(r.txnId(), r.hbBot(), r.userId(), r.network(), r.remoteAccount(),
                p.matrixEvidence().get(), new Answer.RemoteEvidence(p.challenge().remoteProof().method()),
                p.challenge().matrixProof().nonce().sha256(), p.challenge().remoteProof().nonce().sha256());
        ObjectNode content = sign(answer);
        return new Transition<>(new Answered(r, p.challenge(), p.deadline(), content, now, now, 1),
                List.of(send(MessageType.ANSWER, content, r.txnId())));
    }

    private Transition<VisitingState, VisitingOutput> whileTrusted(VisitingState state, ByobMessage message, Instant now) {
        TrustReceipt receipt = state instanceof Trusted ? ((Trusted) state).receipt() : ((Releasing) state).receipt();
        if (message instanceof Revoked) {
            Revoked r = (Revoked) message;
            if (r.epoch() != receipt.epoch() || !r.userId().equals(config.key().userId())
                    || !r.network().equals(config.key().network())) {
                return ignored(state, "revoked for another epoch or user");
            }
            List<VisitingOutput> out = new ArrayList<>(List.of(new VisitingOutput.TrustEnded(receipt, r.code(),
                    r.reason())));
            if (state instanceof Trusted && !r.code().equals(RevokeCode.RELEASED)) {
                // Acknowledges it: this bridge relays nothing more, so the hosting bridge need not wait for the
                // lease to run out before relaying for the user again (§12.8, case 6).
                TxnId txn = TxnId.random(random);
                ObjectNode ack = sign(new Release(txn, config.key().userId(), config.key().network(),
                        receipt.epoch(), Optional.of("revoked: " + r.code())));
                out.add(send(MessageType.RELEASE, ack, txn));
            }
            return new Transition<>(new Ended(receipt, r.code(), r.reason()), out);
        }
        if (message instanceof Lease && state instanceof Trusted) {
            return leased((Trusted) state, (Lease) message, now);
        }
        if (message instanceof Cancel && state instanceof Trusted) {
            Trusted t = (Trusted) state;
            Cancel c = (Cancel) message;
            if (t.pending().isPresent() && t.pending().get().txnId().equals(c.txnId())) {
                if (c.code().equals(CancelCode.UNKNOWN_TRANSACTION)) {
                    // The hosting bridge holds no trust for us: ours is void.
                    RevokeCode code = new RevokeCode(CancelCode.UNKNOWN_TRANSACTION.value());
                    return new Transition<>(new Ended(receipt, code, c.reason()),
                            List.of(new VisitingOutput.TrustEnded(receipt, code, c.reason())));
                }
                return new Transition<>(new Trusted(t.receipt(), t.leaseUntil(), t.lapsed(), t.nextHeartbeatAt(),
                        t.nextSeq(), t.fillAck(), Optional.empty()),
                        List.of(new VisitingOutput.Ignored("heartbeat refused: " + c.code() + " " + c.reason())));
            }
        }
        if ((message instanceof Accept || message instanceof Challenge) && message.txnId().equals(receipt.txnId())) {
            return ignored(state, "a repeated " + message.type().suffix() + " of the handshake that granted trust");
        }
        boolean ourTxn = state instanceof Trusted && ((Trusted) state).pending().map(p -> p.txnId().equals(message.txnId())).orElse(false);
        return answerStray(state, message, ourTxn ? CancelCode.UNEXPECTED_MESSAGE : CancelCode.UNKNOWN_TRANSACTION,
                message.type().suffix() + (ourTxn ? " does not answer a heartbeat" : " for no message of ours"));
    }

    private Transition<VisitingState, VisitingOutput> leased(Trusted t, Lease lease, Instant now) {
        Optional<PendingHeartbeat> pending = t.pending();
        if (pending.isEmpty() || !pending.get().txnId().equals(lease.txnId()) || pending.get().seq() != lease.seq()
                || lease.epoch() != t.receipt().epoch()) {
            return ignored(t, "a lease that answers no outstanding heartbeat");
        }
        Instant until = pending.get().sentAt().plusMillis(lease.leaseMs());
        if (until.isBefore(t.leaseUntil())) {
            until = t.leaseUntil();
        }
        long fillAck = t.fillAck();
        List<Lease.FillIn> fresh = new ArrayList<>();
        for (Lease.FillIn f : lease.filledIn()) {
            if (f.fillSeq() > fillAck) {
                fresh.add(f);
                fillAck = f.fillSeq();
            }
        }
        boolean lapsed = !now.isBefore(until);
        List<VisitingOutput> out = new ArrayList<>();
        out.add(new VisitingOutput.LeaseRenewed(until, fresh, lease.more()));
        Trusted next = new Trusted(t.receipt(), until, lapsed, t.nextHeartbeatAt(), t.nextSeq(), fillAck, Optional.empty());
        if (lease.more()) {
            return heartbeat(next, now, out);
        }
        return new Transition<>(next, out);
    }

    private Transition<VisitingState, VisitingOutput> logout(VisitingState state, String reason, Instant now) {
        if (state instanceof Trusted) {
            TrustReceipt receipt = ((Trusted) state).receipt();
            TxnId txn = TxnId.random(random);
            Release release = new Release(txn, config.key().userId(), config.key().network(), receipt.epoch(),
                    Optional.of(reason));
            ObjectNode content = sign(release);
            return new Transition<>(new Releasing(receipt, content, now, 1), List.of(send(MessageType.RELEASE, content, txn)));
        }
        Optional<TxnId> txn = handshakeTxn(state);
        if (txn.isPresent()) {
            return fail(txn.get(), CancelCode.USER, reason);
        }
        return ignored(state, "nothing to log out of");
    }

    private Transition<VisitingState, VisitingOutput> fail(TxnId txn, CancelCode code, String reason) {
        String bounded = reason.length() > 1024 ? reason.substring(0, 1024) : reason;
        ObjectNode content = sign(new Cancel(txn, code, bounded));
        return new Transition<>(new Failed(code, bounded, false), List.of(
                send(MessageType.CANCEL, content, txn),
                new VisitingOutput.HandshakeFailed(code, bounded, false)));
    }

    private static Transition<VisitingState, VisitingOutput> ignored(VisitingState state, String why) {
        return new Transition<>(state, List.of(new VisitingOutput.Ignored(why)));
    }

    private static Optional<TxnId> handshakeTxn(VisitingState state) {
        if (state instanceof Requested) {
            return Optional.of(((Requested) state).request().txnId());
        }
        if (state instanceof Proving) {
            return Optional.of(((Proving) state).request().txnId());
        }
        if (state instanceof Answered) {
            return Optional.of(((Answered) state).request().txnId());
        }
        return Optional.empty();
    }

    private static String txnText(JsonNode content) {
        JsonNode txn = content == null ? null : content.get("txn_id");
        return txn != null && txn.isTextual() ? txn.textValue() : null;
    }

    private ObjectNode sign(ByobMessage message) {
        return SignedContent.sign(message, config.vbBot(), config.signingKey());
    }

    private VisitingOutput.Send send(MessageType type, ObjectNode content, TxnId txn) {
        return new VisitingOutput.Send(config.key().hbBot(), type, content, type.clientTxnId(txn));
    }
}
