package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.cli.conformance.CheckResult.Verdict;
import dev.byob.cli.conformance.HbWire.HbMessage;
import dev.byob.cli.conformance.HbWire.RemoteSender;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJsonException;
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
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.Release;
import dev.byob.protocol.message.Request;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.Revoked;
import dev.byob.protocol.message.SignedContent;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Drives a hosting bridge through the specification as a visiting bridge would, over an {@link HbWire}: the
 * required behaviours (a handshake, heartbeats, release) and the attacks of the threat model (§14), each of
 * which must be refused with the right cancel code. Every check is named by the section it checks and reports
 * its evidence: event ids, cancel codes, what was expected and what was seen.
 *
 * <p>The handshake is the protocol's own {@link VisitingHandshake}; the attacks are the same messages, built with
 * the protocol's records and {@link SignedContent}, with one thing wrong each. The run uses a fresh signing key
 * of its own, and {@link #cleanUp} releases whatever trust it still holds.
 */
public final class ConformanceRun {

    /** One check: a stable id, the section it checks, and what it checks. */
    public record Check(String id, String section, String title) {}

    static final Check DM = new Check("dm", "§3.1",
            "the hosting bridge's bot joins a direct-chat invite from the visiting bridge's bot and from the user");
    static final Check WRONG_ROLE = new Check("wrong-role", "§4.1",
            "a hosting-bridge message type from the visiting bridge is refused (unexpected_message)");
    static final Check MALFORMED = new Check("request-malformed", "§4.3",
            "a request without user_id is refused (invalid_message) naming the error and its pointer");
    static final Check VERSION = new Check("request-version", "§4.2",
            "a request of version 2 is refused (unsupported_version)");
    static final Check WRONG_HB = new Check("request-wrong-hb", "§4.5",
            "a request for another hosting bridge's bot is refused (invalid_message)");
    static final Check REQUEST_SIGNATURE = new Check("request-signature", "§5.3",
            "a request signed by a key other than the one it announces is refused (bad_signature)");
    static final Check HANDSHAKE = new Check("handshake", "§6.1",
            "request, challenge, Matrix proof (dm), IRC proof (irc.account_privmsg), answer, accept, first lease");
    static final Check REQUEST_RESENT = new Check("request-resent", "§6.2",
            "an identical request resent is a duplicate: no new challenge, no cancel");
    static final Check REQUEST_ALTERED = new Check("request-altered", "§6.2",
            "a different request under a used txn_id is refused (replayed)");
    static final Check HEARTBEAT = new Check("heartbeat", "§4.12",
            "a heartbeat is answered with a lease echoing its txn_id and seq");
    static final Check HEARTBEAT_SEQ = new Check("heartbeat-seq", "§6.5",
            "a heartbeat whose seq did not increase is refused (unexpected_message)");
    static final Check HEARTBEAT_KEY = new Check("heartbeat-key", "§5.4",
            "a heartbeat signed by another key is refused (key_mismatch)");
    static final Check ANSWER_RESENT = new Check("answer-resent", "§6.2",
            "an identical answer resent after acceptance starts no new epoch and is not refused");
    static final Check ANSWER_ALTERED = new Check("answer-altered", "§6.2",
            "a different answer under the accepted txn_id is refused (replayed)");
    static final Check OVERRIDE = new Check("override", "§10.4",
            "a later handshake with another key supersedes the record: revoked (superseded) for the old epoch "
                    + "before the new accept, and again for its later messages");
    static final Check RELEASE = new Check("release", "§4.13",
            "a release is answered with revoked (released)");
    static final Check AFTER_RELEASE = new Check("after-release", "§6.5",
            "a heartbeat of the released epoch is answered with revoked (released) again");
    static final Check WRONG_NONCE = new Check("answer-wrong-nonce", "§9",
            "an answer committing to a nonce other than the challenge's is refused (invalid_message)");
    static final Check REPLAYED_ANSWER = new Check("answer-replayed", "§9",
            "the answer of an earlier exchange, replayed into a new one, is refused (invalid_message)");
    static final Check ANSWER_KEY = new Check("answer-other-key", "§5.4",
            "an answer signed by a key other than the request's is refused (key_mismatch)");
    static final Check MATRIX_SENDER = new Check("matrix-proof-sender", "§7.5",
            "a Matrix proof with the exchange's nonce sent by someone other than the user is refused "
                    + "(matrix_proof_failed)");
    static final Check IRC_NOT_LOGGED_IN = new Check("irc-not-logged-in", "§8.2",
            "an IRC proof from a connection logged in to no account (nick = the account's name) is refused "
                    + "(remote_proof_failed)");
    static final Check IRC_OTHER_ACCOUNT = new Check("irc-other-account", "§8.2",
            "an IRC proof from a connection logged in to another account is refused (remote_proof_failed)");
    static final Check OUTSIDE_DM = new Check("outside-dm", "§3.4",
            "a request outside the DM is not acted on and not answered");
    static final Check EXPIRY = new Check("expiry", "§6.4",
            "an exchange left without proofs is cancelled (timeout) when its challenge expires");

    /** Every check, in the order they run. */
    public static final List<Check> CHECKS = List.of(DM, WRONG_ROLE, MALFORMED, VERSION, WRONG_HB, REQUEST_SIGNATURE,
            HANDSHAKE, REQUEST_RESENT, REQUEST_ALTERED, HEARTBEAT, HEARTBEAT_SEQ, HEARTBEAT_KEY, ANSWER_RESENT,
            ANSWER_ALTERED, OVERRIDE, RELEASE, AFTER_RELEASE, WRONG_NONCE, REPLAYED_ANSWER, ANSWER_KEY, MATRIX_SENDER,
            IRC_NOT_LOGGED_IN, IRC_OTHER_ACCOUNT, OUTSIDE_DM, EXPIRY);

    /** A check's end, thrown from deep inside it. */
    private static final class Outcome extends Exception {
        private static final long serialVersionUID = 1L;
        final transient CheckResult result;

        Outcome(CheckResult result) {
            super(result.detail(), null, false, false);
            this.result = result;
        }
    }

    /** A check's body: adds evidence as it goes, returns or throws its result. */
    private interface Body {
        CheckResult run(List<String> evidence) throws Outcome;
    }

    /** An exchange this run started: its txn_id and the challenge it got. */
    private record Started(TxnId txn, Challenge challenge) {}

    private final ConformanceTarget target;
    private final HbWire wire;
    private final SecureRandom random;
    /** The key this run signs with: a fresh one, replaced by another one in the override check. */
    private SigningKey key;
    /** Another key under another key id: what a stranger would sign with. */
    private final SigningKey strangerKey;
    /** Another key under this run's key id: a forgery of this run's key. */
    private final SigningKey forgedKey;
    private final IrcAccountProof ircProof = new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459);
    private final List<CheckResult> results = new ArrayList<>();

    private boolean dmOpen;
    /** The trust record this run holds (after the handshake, and after the override the new one). */
    private TrustReceipt receipt;
    private ObjectNode handshakeRequest;
    private ObjectNode handshakeAnswer;
    private long nextSeq;
    /** An epoch this run holds trust under and has not released. */
    private Optional<Long> heldEpoch = Optional.empty();
    private long challengeLifetimeMs = -1;

    /** A run against {@code target} over {@code wire}, with a fresh signing key from {@code random}. */
    public ConformanceRun(ConformanceTarget target, HbWire wire, SecureRandom random) {
        this.target = target;
        this.wire = wire;
        this.random = random;
        this.key = SigningKey.generate(KeyId.ed25519("conformance"), random);
        this.strangerKey = SigningKey.generate(KeyId.ed25519("stranger"), random);
        this.forgedKey = SigningKey.generate(KeyId.ed25519("conformance"), random);
    }

    /** Runs every check in order, reporting each result to {@code progress} as it is decided; returns them all. */
    public List<CheckResult> run(Consumer<CheckResult> progress) {
        Consumer<CheckResult> record = r -> {
            results.add(r);
            progress.accept(r);
        };
        record.accept(check(DM, this::openDms));
        for (Check c : CHECKS.subList(1, CHECKS.size())) {
            if (!dmOpen) {
                record.accept(result(c, Verdict.SKIP, "needs the DM with the hosting bridge's bot (§3.1 failed)",
                        List.of()));
                continue;
            }
            record.accept(switch (c.id()) {
                case "wrong-role" -> check(c, this::wrongRole);
                case "request-malformed" -> check(c, this::malformed);
                case "request-version" -> check(c, this::version);
                case "request-wrong-hb" -> check(c, this::wrongHb);
                case "request-signature" -> check(c, this::requestSignature);
                case "handshake" -> check(c, this::handshake);
                case "request-resent" -> afterHandshake(c, this::requestResent);
                case "request-altered" -> check(c, this::requestAltered);
                case "heartbeat" -> afterHandshake(c, this::heartbeat);
                case "heartbeat-seq" -> afterHandshake(c, this::heartbeatSeq);
                case "heartbeat-key" -> afterHandshake(c, this::heartbeatKey);
                case "answer-resent" -> afterHandshake(c, this::answerResent);
                case "answer-altered" -> afterHandshake(c, this::answerAltered);
                case "override" -> afterHandshake(c, this::override);
                case "release" -> afterHandshake(c, this::release);
                case "after-release" -> afterHandshake(c, this::afterRelease);
                case "answer-wrong-nonce" -> check(c, this::wrongNonce);
                case "answer-replayed" -> afterHandshake(c, this::replayedAnswer);
                case "answer-other-key" -> check(c, this::answerOtherKey);
                case "matrix-proof-sender" -> check(c, this::matrixProofSender);
                case "irc-not-logged-in" -> check(c, ev -> ircProofFrom(IRC_NOT_LOGGED_IN, RemoteSender.NOT_LOGGED_IN, ev));
                case "irc-other-account" -> wire.hasOtherAccount()
                        ? check(c, ev -> ircProofFrom(IRC_OTHER_ACCOUNT, RemoteSender.OTHER_ACCOUNT, ev))
                        : result(c, Verdict.SKIP, "no second IRC account given (--irc-other-account)", List.of());
                case "outside-dm" -> check(c, this::outsideDm);
                case "expiry" -> check(c, this::expiry);
                default -> throw new IllegalStateException("unknown check " + c.id());
            });
        }
        return List.copyOf(results);
    }

    /**
     * Releases the trust this run still holds, if any (an attack the hosting bridge wrongly accepted leaves some);
     * returns what it did, for the report.
     */
    public List<String> cleanUp() {
        List<String> done = new ArrayList<>();
        if (heldEpoch.isPresent() && dmOpen) {
            long epoch = heldEpoch.get();
            TxnId txn = TxnId.random(random);
            int from = wire.mark();
            String id = wire.send(MessageType.RELEASE.eventType(), signed(new Release(txn, target.user(),
                    target.network(), epoch, Optional.of("conformance run finished"))));
            Optional<HbMessage> reply = reply(txn, from, target.reply());
            done.add("released epoch " + epoch + ": release " + id + ", "
                    + reply.map(ConformanceRun::describe).orElse("no reply"));
            heldEpoch = Optional.empty();
        }
        return done;
    }

    // --- the checks -------------------------------------------------------------------------------------------

    private CheckResult openDms(List<String> ev) {
        Optional<List<String>> opened = wire.openDms(target.reply());
        if (opened.isEmpty()) {
            return result(DM, Verdict.FAIL, target.hbBot() + " did not join within " + secs(target.reply()), ev);
        }
        ev.addAll(opened.get());
        dmOpen = true;
        return result(DM, Verdict.PASS, "joined", ev);
    }

    private CheckResult wrongRole(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = MessageCodec.encode(new Accept(txn, 1, System.currentTimeMillis(),
                new Accept.LeaseTerms(90_000, 30_000)));
        return expectCancel(WRONG_ROLE, ev, txn, MessageType.ACCEPT, content, CancelCode.UNEXPECTED_MESSAGE);
    }

    private CheckResult malformed(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = signed(request(txn, target.hbBot()));
        content.remove("user_id");
        CheckResult r = expectCancel(MALFORMED, ev, txn, MessageType.REQUEST, content, CancelCode.INVALID_MESSAGE);
        String reason = ev.get(ev.size() - 1);
        if (!reason.contains("/user_id")) {
            return result(MALFORMED, Verdict.PASS, r.detail() + "; note: the reason does not name the pointer "
                    + "/user_id (SHOULD, §4.3)", ev);
        }
        return r;
    }

    private CheckResult version(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = MessageCodec.encode(request(txn, target.hbBot()));
        content.put("version", 2);
        return expectCancel(VERSION, ev, txn, MessageType.REQUEST, signed(content, key),
                CancelCode.UNSUPPORTED_VERSION);
    }

    private CheckResult wrongHb(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        UserId other = UserId.parse("@byob-conformance-other-bridge:" + target.hbBot().serverName());
        return expectCancel(WRONG_HB, ev, txn, MessageType.REQUEST, signed(request(txn, other)),
                CancelCode.INVALID_MESSAGE);
    }

    private CheckResult requestSignature(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = SignedContent.sign(request(txn, target.hbBot()), target.vbBot(), forgedKey);
        return expectCancel(REQUEST_SIGNATURE, ev, txn, MessageType.REQUEST, content, CancelCode.BAD_SIGNATURE);
    }

    private CheckResult handshake(List<String> ev) throws Outcome {
        Completed done = completeHandshake(HANDSHAKE, key, ev);
        receipt = done.receipt();
        handshakeRequest = done.request();
        handshakeAnswer = done.answer();
        nextSeq = done.nextSeq();
        return result(HANDSHAKE, Verdict.PASS, "accepted: epoch " + receipt.epoch() + ", lease "
                + receipt.lease().leaseMs() + " ms, heartbeat every " + receipt.lease().heartbeatIntervalMs()
                + " ms", ev);
    }

    /** A handshake this run completed, up to its first lease; {@code received} is every HB message seen meanwhile. */
    private record Completed(TrustReceipt receipt, ObjectNode request, ObjectNode answer, long nextSeq,
                             List<HbMessage> received) {}

    /**
     * Runs the protocol's own {@link VisitingHandshake} with {@code signingKey} until trust and a first lease;
     * the hosting bridge's other messages ({@code revoked} for an earlier record) are recorded, not fed to it.
     */
    private Completed completeHandshake(Check c, SigningKey signingKey, List<String> ev) throws Outcome {
        VisitingConfig config = new VisitingConfig(new TrustKey(target.hbBot(), target.user(), target.network()),
                target.remoteAccount(), target.vbBot(), signingKey, List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG), target.reply(), 1);
        VisitingHandshake vb = new VisitingHandshake(config, random);
        VisitingState state = VisitingHandshake.initial();
        Deque<VisitingInput> inbox = new ArrayDeque<>(List.of(new VisitingInput.Start()));
        List<HbMessage> received = new ArrayList<>();
        ObjectNode request = null;
        ObjectNode answer = null;
        TrustReceipt trusted = null;
        int cursor = wire.mark();
        boolean leased = false;
        Instant end = Instant.now().plus(target.reply().multipliedBy(3));
        while (true) {
            while (!inbox.isEmpty()) {
                var step = vb.step(state, inbox.poll(), Instant.now());
                state = step.state();
                for (VisitingOutput out : step.outputs()) {
                    if (out instanceof VisitingOutput.Send send) {
                        String id = wire.send(send.type().eventType(), send.content());
                        ev.add(send.type().suffix() + " " + id + " (txn " + send.content().path("txn_id").asText()
                                + ")");
                        if (send.type() == MessageType.REQUEST) {
                            request = send.content().deepCopy();
                        } else if (send.type() == MessageType.ANSWER) {
                            answer = send.content().deepCopy();
                        }
                    } else if (out instanceof VisitingOutput.MakeMatrixProof proof) {
                        if (!ProofMethods.MATRIX_DM.equals(proof.method())) {
                            throw fail(c, ev, "the challenge asked for the Matrix proof method '"
                                    + proof.method() + "', but only dm was offered (§4.6)");
                        }
                        Answer.MatrixEvidence made = wire.matrixProof(proof.content());
                        ev.add("matrix_proof " + made.eventId().map(Object::toString).orElse("?") + " in "
                                + made.roomId().map(Object::toString).orElse("?") + " by " + target.user());
                        inbox.add(new VisitingInput.MatrixProofMade(made));
                    } else if (out instanceof VisitingOutput.MakeRemoteProof proof) {
                        String who = wire.remoteProof(RemoteSender.USER, proof.target(), proof.text());
                        ev.add("PRIVMSG " + proof.target() + " :" + proof.text() + " from " + who);
                        inbox.add(new VisitingInput.RemoteProofMade());
                    } else if (out instanceof VisitingOutput.TrustEstablished established) {
                        trusted = established.receipt();
                        heldEpoch = Optional.of(trusted.epoch());
                    } else if (out instanceof VisitingOutput.LeaseRenewed renewed) {
                        leased = true;
                        ev.add("lease renewed until " + renewed.until());
                    }
                }
            }
            if (state instanceof VisitingState.Failed failed) {
                throw fail(c, ev, "the handshake failed: " + failed.code() + " (" + failed.reason() + ")"
                        + (failed.byPeer() ? ", cancelled by the hosting bridge" : ", refused by this visiting bridge"));
            }
            if (state instanceof VisitingState.Trusted t && leased) {
                return new Completed(trusted, request, answer, t.nextSeq(), received);
            }
            Duration left = Duration.between(Instant.now(), end);
            if (left.isNegative()) {
                throw fail(c, ev, "no " + (trusted == null ? "accept" : "lease") + " within "
                        + secs(target.reply().multipliedBy(3)) + "; state " + stateName(state));
            }
            Optional<HbMessage> next = wire.await(cursor, m -> true, min(left, Duration.ofSeconds(1)));
            if (next.isPresent()) {
                cursor++;
                HbMessage m = next.get();
                received.add(m);
                ev.add(describe(m));
                if (MessageType.REVOKED.eventType().equals(m.eventType())) {
                    continue;
                }
                if (MessageType.CHALLENGE.eventType().equals(m.eventType()) && m.originServerTs() > 0) {
                    challengeLifetimeMs = m.content().path("expires_at").asLong() - m.originServerTs();
                }
                inbox.add(new VisitingInput.Received(target.hbBot(), m.eventType(), m.content(),
                        m.originServerTs() > 0 ? Optional.of(Instant.ofEpochMilli(m.originServerTs()))
                                : Optional.empty()));
            } else {
                inbox.add(new VisitingInput.Tick());
            }
        }
    }

    /**
     * A second handshake, with a new key, overrides the first (§10.4): the old epoch is told {@code revoked
     * superseded} before the new {@code accept}, and its later messages get the same answer (T14). From here on the
     * run speaks with the new key and record.
     */
    private CheckResult override(List<String> ev) throws Outcome {
        long oldEpoch = receipt.epoch();
        SigningKey newKey = SigningKey.generate(KeyId.ed25519("override"), random);
        Completed done = completeHandshake(OVERRIDE, newKey, ev);
        SigningKey oldKey = key;
        key = newKey;
        receipt = done.receipt();
        nextSeq = done.nextSeq();
        int revokedAt = -1;
        int acceptAt = -1;
        for (int i = 0; i < done.received().size(); i++) {
            HbMessage m = done.received().get(i);
            if (revokedAt < 0 && MessageType.REVOKED.eventType().equals(m.eventType())
                    && m.content().path("epoch").asLong() == oldEpoch) {
                revokedAt = i;
            }
            if (acceptAt < 0 && MessageType.ACCEPT.eventType().equals(m.eventType())) {
                acceptAt = i;
            }
        }
        if (receipt.epoch() <= oldEpoch) {
            throw fail(OVERRIDE, ev, "the new record's epoch " + receipt.epoch() + " is not above " + oldEpoch);
        }
        if (revokedAt < 0) {
            throw fail(OVERRIDE, ev, "no revoked for epoch " + oldEpoch + " before the new record's first lease");
        }
        if (revokedAt > acceptAt) {
            throw fail(OVERRIDE, ev, "the revoked for epoch " + oldEpoch + " came after the new accept; it must come "
                    + "before it");
        }
        String code = done.received().get(revokedAt).content().path("code").asText();
        if (!RevokeCode.SUPERSEDED.value().equals(code)) {
            throw fail(OVERRIDE, ev, "epoch " + oldEpoch + " was revoked with " + code + ", not superseded");
        }
        TxnId txn = TxnId.random(random);
        HbMessage m = send(OVERRIDE, ev, txn, MessageType.HEARTBEAT, SignedContent.sign(new Heartbeat(txn,
                target.user(), target.network(), oldEpoch, 1L << 50, 0), target.vbBot(), oldKey));
        ByobMessage reply = decode(OVERRIDE, ev, m);
        if (!(reply instanceof Revoked revoked) || !revoked.code().equals(RevokeCode.SUPERSEDED)
                || revoked.epoch() != oldEpoch) {
            throw fail(OVERRIDE, ev, "a heartbeat of the superseded epoch " + oldEpoch + " must be answered with "
                    + "revoked superseded (T14), got " + describe(m));
        }
        return result(OVERRIDE, Verdict.PASS, "epoch " + oldEpoch + " superseded by epoch " + receipt.epoch()
                + ", revoked before the accept and again for a later heartbeat", ev);
    }

    private CheckResult requestResent(List<String> ev) {
        return noNewReply(REQUEST_RESENT, ev, MessageType.REQUEST, handshakeRequest.deepCopy());
    }

    /**
     * On an exchange of its own: the handshake's txn_id is kept for the altered answer, and a second cancel under
     * one txn_id would reuse the client transaction id of the first, which the homeserver deduplicates (§4.1).
     */
    private CheckResult requestAltered(List<String> ev) throws Outcome {
        Started s = start(REQUEST_ALTERED, ev);
        ObjectNode altered = MessageCodec.encode(request(s.txn(), target.hbBot()));
        altered.put("byob_conformance", "altered");
        try {
            return expectCancel(REQUEST_ALTERED, ev, s.txn(), MessageType.REQUEST, signed(altered, key),
                    CancelCode.REPLAYED);
        } finally {
            cancelExchange(s.txn());
        }
    }

    private CheckResult heartbeat(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        long seq = nextSeq++;
        HbMessage m = send(HEARTBEAT, ev, txn, MessageType.HEARTBEAT, signed(new Heartbeat(txn, target.user(),
                target.network(), receipt.epoch(), seq, 0)));
        ByobMessage reply = decode(HEARTBEAT, ev, m);
        if (!(reply instanceof Lease lease)) {
            throw fail(HEARTBEAT, ev, "expected a lease, got " + describe(m));
        }
        if (lease.seq() != seq || lease.epoch() != receipt.epoch()) {
            throw fail(HEARTBEAT, ev, "the lease does not echo seq " + seq + " and epoch " + receipt.epoch()
                    + ": seq " + lease.seq() + ", epoch " + lease.epoch());
        }
        return result(HEARTBEAT, Verdict.PASS, "lease " + lease.leaseMs() + " ms for seq " + seq, ev);
    }

    private CheckResult heartbeatSeq(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        return expectCancel(HEARTBEAT_SEQ, ev, txn, MessageType.HEARTBEAT, signed(new Heartbeat(txn, target.user(),
                target.network(), receipt.epoch(), nextSeq - 1, 0)), CancelCode.UNEXPECTED_MESSAGE);
    }

    private CheckResult heartbeatKey(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = SignedContent.sign(new Heartbeat(txn, target.user(), target.network(), receipt.epoch(),
                nextSeq++, 0), target.vbBot(), strangerKey);
        return expectCancel(HEARTBEAT_KEY, ev, txn, MessageType.HEARTBEAT, content, CancelCode.KEY_MISMATCH);
    }

    private CheckResult answerResent(List<String> ev) {
        return noNewReply(ANSWER_RESENT, ev, MessageType.ANSWER, handshakeAnswer.deepCopy());
    }

    private CheckResult answerAltered(List<String> ev) throws Outcome {
        ObjectNode altered = handshakeAnswer.deepCopy();
        altered.remove("signatures");
        altered.put("byob_conformance", "altered");
        return expectCancel(ANSWER_ALTERED, ev, receipt.txnId(), MessageType.ANSWER, signed(altered, key),
                CancelCode.REPLAYED);
    }

    private CheckResult release(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        HbMessage m = send(RELEASE, ev, txn, MessageType.RELEASE, signed(new Release(txn, target.user(),
                target.network(), receipt.epoch(), Optional.of("conformance check"))));
        return expectRevokedReleased(RELEASE, ev, m);
    }

    private CheckResult afterRelease(List<String> ev) throws Outcome {
        if (heldEpoch.isPresent()) {
            throw skip(AFTER_RELEASE, ev, "needs the release to have passed");
        }
        TxnId txn = TxnId.random(random);
        HbMessage m = send(AFTER_RELEASE, ev, txn, MessageType.HEARTBEAT, signed(new Heartbeat(txn, target.user(),
                target.network(), receipt.epoch(), nextSeq++, 0)));
        return expectRevokedReleased(AFTER_RELEASE, ev, m);
    }

    private CheckResult wrongNonce(List<String> ev) throws Outcome {
        Started s = start(WRONG_NONCE, ev);
        Answer.MatrixEvidence made = proveBoth(s, RemoteSender.USER, ev);
        Nonce other = Nonce.random(random);
        Answer answer = new Answer(s.txn(), target.hbBot(), target.user(), target.network(), target.remoteAccount(),
                made, new Answer.RemoteEvidence(ProofMethods.IRC_ACCOUNT_PRIVMSG), other.sha256(),
                s.challenge().remoteProof().nonce().sha256());
        return expectRefusedAnswer(WRONG_NONCE, ev, s, signed(answer), CancelCode.INVALID_MESSAGE);
    }

    private CheckResult replayedAnswer(List<String> ev) throws Outcome {
        Started s = start(REPLAYED_ANSWER, ev);
        proveBoth(s, RemoteSender.USER, ev);
        ObjectNode replayed = handshakeAnswer.deepCopy();
        replayed.remove("signatures");
        replayed.put("txn_id", s.txn().value());
        ev.add("the answer of exchange " + receipt.txnId() + " re-signed for " + s.txn()
                + " (its proof event and nonce digests)");
        return expectRefusedAnswer(REPLAYED_ANSWER, ev, s, signed(replayed, key), CancelCode.INVALID_MESSAGE);
    }

    private CheckResult answerOtherKey(List<String> ev) throws Outcome {
        Started s = start(ANSWER_KEY, ev);
        Answer.MatrixEvidence made = proveBoth(s, RemoteSender.USER, ev);
        ObjectNode content = SignedContent.sign(answer(s, made), target.vbBot(), strangerKey);
        return expectRefusedAnswer(ANSWER_KEY, ev, s, content, CancelCode.KEY_MISMATCH);
    }

    private CheckResult matrixProofSender(List<String> ev) throws Outcome {
        Started s = start(MATRIX_SENDER, ev);
        int from = wire.mark();
        String id = wire.send(MessageType.MATRIX_PROOF.eventType(), MessageCodec.encode(new MatrixProof(s.txn(),
                target.hbBot(), s.challenge().matrixProof().nonce())));
        ev.add("matrix_proof " + id + " with this exchange's nonce, sent by " + target.vbBot() + " in the DM");
        Optional<HbMessage> reply = reply(s.txn(), from, target.reply());
        if (reply.isEmpty()) {
            cancelExchange(s.txn());
            throw fail(MATRIX_SENDER, ev, "no cancel within " + secs(target.reply())
                    + "; expected matrix_proof_failed at once (H12)");
        }
        return judgeCancel(MATRIX_SENDER, ev, reply.get(), CancelCode.MATRIX_PROOF_FAILED, s);
    }

    private CheckResult ircProofFrom(Check c, RemoteSender who, List<String> ev) throws Outcome {
        Started s = start(c, ev);
        int from = wire.mark();
        Answer.MatrixEvidence made = proveBoth(s, who, ev);
        Optional<HbMessage> early = reply(s.txn(), from, target.quiet());
        if (early.isPresent()) {
            return judgeCancel(c, ev, early.get(), CancelCode.REMOTE_PROOF_FAILED, s);
        }
        // No cancel yet: does the hosting bridge accept the exchange once it has an answer?
        ev.add("no cancel within " + secs(target.quiet()) + "; sending a valid answer");
        return expectRefusedAnswer(c, ev, s, signed(answer(s, made)), CancelCode.REMOTE_PROOF_FAILED);
    }

    private CheckResult outsideDm(List<String> ev) {
        TxnId txn = TxnId.random(random);
        int from = wire.mark();
        Optional<String> id = wire.sendOutsideDm(MessageType.REQUEST.eventType(), signed(request(txn,
                target.hbBot())));
        if (id.isEmpty()) {
            return result(OUTSIDE_DM, Verdict.SKIP, wire.outsideDmUnavailable(), ev);
        }
        ev.add("request " + id.get() + " (txn " + txn + ") outside the DM");
        Optional<HbMessage> reply = reply(txn, from, target.quiet());
        if (reply.isPresent()) {
            cancelExchange(txn);
            return result(OUTSIDE_DM, Verdict.FAIL, "the hosting bridge answered a request outside the DM: "
                    + describe(reply.get()) + " in " + reply.get().roomId(), ev);
        }
        return result(OUTSIDE_DM, Verdict.PASS, "no reply within " + secs(target.quiet()), ev);
    }

    private CheckResult expiry(List<String> ev) throws Outcome {
        if (challengeLifetimeMs < 0) {
            throw skip(EXPIRY, ev, "the challenge's lifetime is not known (the handshake did not get one)");
        }
        Duration lifetime = Duration.ofMillis(challengeLifetimeMs);
        if (lifetime.compareTo(target.maxExpiryWait()) > 0) {
            throw skip(EXPIRY, ev, "challenges live " + secs(lifetime) + ", longer than the "
                    + secs(target.maxExpiryWait()) + " this run waits (--max-expiry-wait)");
        }
        Started s = start(EXPIRY, ev);
        int from = wire.mark();
        ev.add("no proofs and no answer; waiting " + secs(lifetime) + " for the challenge to expire");
        Optional<HbMessage> reply = reply(s.txn(), from, lifetime.plus(target.reply()));
        if (reply.isEmpty()) {
            cancelExchange(s.txn());
            throw fail(EXPIRY, ev, "no cancel within " + secs(lifetime.plus(target.reply()))
                    + " of the challenge; expected timeout (H18)");
        }
        return judgeCancel(EXPIRY, ev, reply.get(), CancelCode.TIMEOUT, s);
    }

    // --- building blocks --------------------------------------------------------------------------------------

    private static CheckResult check(Check c, Body body) {
        List<String> ev = new ArrayList<>();
        try {
            return body.run(ev);
        } catch (Outcome o) {
            return o.result;
        }
    }

    private CheckResult afterHandshake(Check c, Body body) {
        if (receipt == null || handshakeAnswer == null) {
            return result(c, Verdict.SKIP, "needs a completed handshake (§6.1 failed)", List.of());
        }
        return check(c, body);
    }

    private Request request(TxnId txn, UserId hbBot) {
        return new Request(txn, hbBot, target.user(), target.network(), target.remoteAccount(),
                new VisitingBridgeId(target.vbBot(), key.verifyKey()), List.of(ProofMethods.MATRIX_DM),
                List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
    }

    private Answer answer(Started s, Answer.MatrixEvidence made) {
        return new Answer(s.txn(), target.hbBot(), target.user(), target.network(), target.remoteAccount(), made,
                new Answer.RemoteEvidence(ProofMethods.IRC_ACCOUNT_PRIVMSG),
                s.challenge().matrixProof().nonce().sha256(), s.challenge().remoteProof().nonce().sha256());
    }

    private ObjectNode signed(ByobMessage message) {
        return SignedContent.sign(message, target.vbBot(), key);
    }

    /** Signs raw content (for messages with a field changed after encoding). */
    private ObjectNode signed(ObjectNode content, SigningKey with) {
        try {
            return JsonSigning.sign(content, target.vbBot().value(), with);
        } catch (CanonicalJsonException e) {
            throw new IllegalStateException("content built here is canonical", e);
        }
    }

    /** Sends a fresh request and waits for its challenge; anything else ends the check. */
    private Started start(Check c, List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        HbMessage m = send(c, ev, txn, MessageType.REQUEST, signed(request(txn, target.hbBot())));
        ByobMessage reply = decode(c, ev, m);
        if (reply instanceof Cancel cancel) {
            if (cancel.code().equals(CancelCode.RATE_LIMITED) || cancel.code().equals(CancelCode.BUSY)) {
                throw skip(c, ev, "the hosting bridge refused the request with " + cancel.code()
                        + " (§14), so this check could not run; run it again later or with higher limits");
            }
            throw fail(c, ev, "a valid request was refused: " + describe(m));
        }
        if (!(reply instanceof Challenge challenge)) {
            throw fail(c, ev, "expected a challenge, got " + describe(m));
        }
        if (!ProofMethods.MATRIX_DM.equals(challenge.matrixProof().method())
                || !ProofMethods.IRC_ACCOUNT_PRIVMSG.equals(challenge.remoteProof().method())) {
            cancelExchange(txn);
            throw fail(c, ev, "the challenge names methods that were not offered: "
                    + challenge.matrixProof().method() + ", " + challenge.remoteProof().method() + " (§4.6)");
        }
        return new Started(txn, challenge);
    }

    /** Makes the Matrix proof as the user, and the remote proof as {@code who}. */
    private Answer.MatrixEvidence proveBoth(Started s, RemoteSender who, List<String> ev) {
        Answer.MatrixEvidence made = wire.matrixProof(MessageCodec.encode(new MatrixProof(s.txn(), target.hbBot(),
                s.challenge().matrixProof().nonce())));
        ev.add("matrix_proof " + made.eventId().map(Object::toString).orElse("?") + " in "
                + made.roomId().map(Object::toString).orElse("?") + " by " + target.user());
        String text = ircProof.proofText(s.challenge().remoteProof().nonce());
        String sender = wire.remoteProof(who, s.challenge().remoteProof().target(), text);
        ev.add("PRIVMSG " + s.challenge().remoteProof().target() + " :" + text + " from " + sender);
        return made;
    }

    /** Sends a message and returns the reply for its txn; no reply ends the check as failed. */
    private HbMessage send(Check c, List<String> ev, TxnId txn, MessageType type, ObjectNode content) throws Outcome {
        int from = wire.mark();
        String id = wire.send(type.eventType(), content);
        ev.add(type.suffix() + " " + id + " (txn " + txn + ")");
        Optional<HbMessage> reply = reply(txn, from, target.reply());
        if (reply.isEmpty()) {
            throw fail(c, ev, "no reply within " + secs(target.reply()));
        }
        ev.add(describe(reply.get()));
        return reply.get();
    }

    private CheckResult expectCancel(Check c, List<String> ev, TxnId txn, MessageType type, ObjectNode content,
                                     CancelCode code) throws Outcome {
        HbMessage m = send(c, ev, txn, type, content);
        return judgeCancel(c, ev, m, code, null);
    }

    /** Sends an answer that must be refused with {@code code}; an accept is recorded for the clean-up. */
    private CheckResult expectRefusedAnswer(Check c, List<String> ev, Started s, ObjectNode answer, CancelCode code)
            throws Outcome {
        HbMessage m = send(c, ev, s.txn(), MessageType.ANSWER, answer);
        return judgeCancel(c, ev, m, code, s);
    }

    /** The reply must be a cancel with {@code code}; when it ends an exchange of ours otherwise, cancel that. */
    private CheckResult judgeCancel(Check c, List<String> ev, HbMessage m, CancelCode code, Started exchange)
            throws Outcome {
        if (!ev.contains(describe(m))) {
            ev.add(describe(m));
        }
        ByobMessage reply = decode(c, ev, m);
        if (reply instanceof Accept accept) {
            heldEpoch = Optional.of(accept.epoch());
            throw fail(c, ev, "ACCEPTED (epoch " + accept.epoch() + "); expected cancel " + code);
        }
        if (!(reply instanceof Cancel cancel)) {
            if (exchange != null) {
                cancelExchange(exchange.txn());
            }
            throw fail(c, ev, "expected cancel " + code + ", got " + describe(m));
        }
        if (!cancel.code().equals(code)) {
            throw fail(c, ev, "expected cancel " + code + ", got " + cancel.code() + " (\"" + cancel.reason() + "\")");
        }
        return result(c, Verdict.PASS, "cancel " + code, ev);
    }

    /** A resent message must not cause a different reply: nothing, or the very reply sent before. */
    private CheckResult noNewReply(Check c, List<String> ev, MessageType type, ObjectNode content) {
        TxnId txn = receipt.txnId();
        int from = wire.mark();
        String id = wire.send(type.eventType(), content);
        ev.add(type.suffix() + " " + id + " (identical to the first, txn " + txn + ")");
        Optional<HbMessage> reply = wire.await(from, m -> txn.value().equals(m.txnId())
                || MessageType.REVOKED.eventType().equals(m.eventType()), target.quiet());
        if (reply.isEmpty()) {
            return result(c, Verdict.PASS, "no new reply within " + secs(target.quiet())
                    + " (a reply resent with the same transaction id is deduplicated by the homeserver)", ev);
        }
        HbMessage m = reply.get();
        ev.add(describe(m));
        try {
            ByobMessage message = MessageCodec.decode(m.eventType(), m.content());
            if (message instanceof Accept accept && type == MessageType.ANSWER && accept.epoch() == receipt.epoch()) {
                return result(c, Verdict.PASS, "the same accept again (epoch " + accept.epoch() + ")", ev);
            }
            if (message instanceof Challenge && type == MessageType.REQUEST
                    && m.content().equals(firstReply(MessageType.CHALLENGE, txn))) {
                return result(c, Verdict.PASS, "the same challenge again", ev);
            }
            if (message instanceof Accept accept) {
                heldEpoch = Optional.of(accept.epoch());
            }
        } catch (DecodeException e) {
            return result(c, Verdict.FAIL, "the reply is not a valid byob message: " + e.getMessage(), ev);
        }
        return result(c, Verdict.FAIL, "a duplicate must change nothing (H9), but the hosting bridge sent "
                + describe(m), ev);
    }

    private ObjectNode firstReply(MessageType type, TxnId txn) {
        return wire.await(0, m -> type.eventType().equals(m.eventType()) && txn.value().equals(m.txnId()),
                Duration.ZERO).map(HbMessage::content).orElse(null);
    }

    private CheckResult expectRevokedReleased(Check c, List<String> ev, HbMessage m) throws Outcome {
        ByobMessage reply = decode(c, ev, m);
        if (!(reply instanceof Revoked revoked)) {
            throw fail(c, ev, "expected revoked (released), got " + describe(m));
        }
        if (!revoked.code().equals(RevokeCode.RELEASED) || revoked.epoch() != receipt.epoch()) {
            throw fail(c, ev, "expected revoked released for epoch " + receipt.epoch() + ", got " + revoked.code()
                    + " for epoch " + revoked.epoch());
        }
        heldEpoch = Optional.empty();
        return result(c, Verdict.PASS, "revoked released, epoch " + revoked.epoch(), ev);
    }

    private ByobMessage decode(Check c, List<String> ev, HbMessage m) throws Outcome {
        try {
            return MessageCodec.decode(m.eventType(), m.content());
        } catch (DecodeException e) {
            throw fail(c, ev, "the hosting bridge sent an invalid " + m.eventType() + " (§4.3): " + e.getMessage());
        }
    }

    private Optional<HbMessage> reply(TxnId txn, int from, Duration timeout) {
        return wire.await(from, m -> txn.value().equals(m.txnId()), timeout);
    }

    /** Ends an exchange this run started, so it holds no slot at the hosting bridge (a cancel is never answered). */
    private void cancelExchange(TxnId txn) {
        wire.send(MessageType.CANCEL.eventType(), signed(new Cancel(txn, CancelCode.USER,
                "conformance check finished")));
    }

    private static String describe(HbMessage m) {
        String type = m.eventType().startsWith(MessageType.PREFIX)
                ? m.eventType().substring(MessageType.PREFIX.length()) : m.eventType();
        StringBuilder s = new StringBuilder(type).append(' ').append(m.eventId());
        if (m.content().has("code")) {
            s.append(' ').append(m.content().path("code").asText());
        }
        if (m.content().has("epoch")) {
            s.append(" epoch ").append(m.content().path("epoch").asText());
        }
        if (m.content().has("reason")) {
            s.append(" \"").append(m.content().path("reason").asText()).append('"');
        }
        return s.toString();
    }

    private static CheckResult result(Check c, Verdict verdict, String detail, List<String> ev) {
        return new CheckResult(c.id(), c.section(), c.title(), verdict, detail, ev);
    }

    private static Outcome fail(Check c, List<String> ev, String detail) {
        return new Outcome(result(c, Verdict.FAIL, detail, ev));
    }

    private static Outcome skip(Check c, List<String> ev, String detail) {
        return new Outcome(result(c, Verdict.SKIP, detail, ev));
    }

    private static String stateName(VisitingState state) {
        return state.getClass().getSimpleName();
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) < 0 ? a : b;
    }

    static String secs(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(java.util.Locale.ROOT, "%.1f s", ms / 1000.0);
    }
}
