package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
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
import java.util.Map;
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

    /**
     * How many requests the flood check sends at most: above every limit §14.2 recommends (5 per user, 30 per
     * visiting bridge's bot, 4 exchanges in flight per user).
     */
    private static final int FLOOD_REQUESTS = 40;

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
    static final Check CONTENT_FLOAT = new Check("content-float", "§4.1",
            "a request whose version is the float 1.0 is refused (invalid_message) naming /version");
    static final Check CONTENT_DEPTH = new Check("content-depth", "§4.1",
            "a request with an extra field that nests the content 65 levels deep is refused (invalid_message)");
    static final Check CONTENT_SIZE = new Check("content-too-large", "§4.1",
            "content over 65536 bytes of canonical JSON is refused (too_large)");
    static final Check TYPED_MESSAGE = new Check("dm-typed-message", "§5.5",
            "an m.room.message in the DM whose body is the JSON of a signed request is not a protocol message: "
                    + "no reply");
    static final Check VB_KEY_ALONE = new Check("vb-key-other-sender", "§5.5",
            "a heartbeat signed with the record's key but sent by the user's account (in its DM with the bot) "
                    + "renews nothing: unknown_transaction or no reply");
    static final Check HEARTBEAT_DUPLICATE = new Check("heartbeat-duplicate", "§6.5",
            "an identical heartbeat resent does not renew the lease");
    static final Check FLOOD = new Check("flood", "§14.2",
            "a burst of up to " + FLOOD_REQUESTS + " requests meets rate_limited or busy (only with --flood)");
    static final Check THREAT_BRIDGE_EVENT = threat("threat-bridge-event", "Forged MSC2346 event");
    static final Check THREAT_ROGUE_HB = threat("threat-rogue-hb", "Rogue HB");
    static final Check THREAT_RELAYED_PROOF = threat("threat-relayed-proof", "Relayed remote proof");
    static final Check THREAT_RELAYED_OPENID = threat("threat-relayed-openid", "Relayed OpenID token");
    static final Check THREAT_CLOCK_SKEW = threat("threat-clock-skew", "Clock skew");
    static final Check THREAT_LYING_HB = threat("threat-lying-hb", "An HB that lies");
    static final Check THREAT_RELAY_LOOPS = threat("threat-relay-loops", "Relay loops");
    static final Check THREAT_PRIVACY = threat("threat-privacy", "Privacy");
    static final Check THREAT_OUTBOUND = threat("threat-outbound", "Outbound requests from the HB (openid)");

    /** A row of the threat model (§14.1) that no check can observe from outside: reported as skipped. */
    private static Check threat(String id, String row) {
        return new Check(id, "§14", "threat model row '" + row + "': not observable from outside, so skipped");
    }

    /** The checks that never run, each with why: it cannot be observed from outside the hosting bridge. */
    public static final Map<Check, String> NOT_OBSERVABLE = Map.ofEntries(
            Map.entry(CONTENT_SIZE, "the homeserver limits the whole event, envelope included, to 65536 "
                    + "bytes, so content over the limit cannot be sent through it (§4.1, §15)"),
            Map.entry(HEARTBEAT_DUPLICATE, "whether a duplicate renews the lease is internal to the "
                    + "hosting bridge: its reply to a duplicate repeats the first lease either way (§6.2), and an "
                    + "identical resend reuses the client transaction id, which the homeserver deduplicates (§4.1)"),
            Map.entry(THREAT_BRIDGE_EVENT, "the defence is the visiting bridge's, when it discovers "
                    + "bridges (§2.2); the hosting bridge takes no part"),
            Map.entry(THREAT_ROGUE_HB, "about a hosting bridge other than the one under test; the defences "
                    + "are the visiting bridge's (§2.3)"),
            Map.entry(THREAT_RELAYED_PROOF, "needs a second, rogue hosting bridge; the defence is the "
                    + "visiting bridge's pinning of targets (§2.3)"),
            Map.entry(THREAT_RELAYED_OPENID, "this run offers only dm Matrix proofs; openid is opt-in at "
                    + "the hosting bridge (§7.4), and a relayed token needs a second hosting bridge"),
            Map.entry(THREAT_CLOCK_SKEW, "the hosting bridge's clock cannot be moved from outside; leases "
                    + "are durations on its own clock (§12.2)"),
            Map.entry(THREAT_LYING_HB, "needs relayed traffic compared between a room and its channel "
                    + "over a lease; a hosting bridge that lies is outside what the protocol guarantees (§14.1)"),
            Map.entry(THREAT_RELAY_LOOPS, "needs bridged traffic in a room and its channel; this run "
                    + "exchanges only byob messages (§11, §12.1)"),
            Map.entry(THREAT_PRIVACY, "a property of where messages are sent, not a behaviour to test "
                    + "(§3.1, §7)"),
            Map.entry(THREAT_OUTBOUND, "this run offers only dm Matrix proofs, so the hosting bridge "
                    + "makes no outbound request (§7.4)"));

    /** A row of the threat model's table (§14.1), as the specification names it, and the checks that cover it. */
    public record Threat(String row, List<Check> checks) {
        /** Copies the checks. */
        public Threat {
            checks = List.copyOf(checks);
        }
    }

    /** Every row of the threat model (§14.1), each covered by at least one check (or an explicit skip). */
    public static final List<Threat> THREATS = List.of(
            new Threat("Replay of a `request`", List.of(REQUEST_RESENT, REQUEST_ALTERED)),
            new Threat("Replay of an `answer`", List.of(ANSWER_RESENT, ANSWER_ALTERED, REPLAYED_ANSWER, WRONG_NONCE,
                    ANSWER_KEY)),
            new Threat("Replay of a `heartbeat`", List.of(HEARTBEAT_SEQ, HEARTBEAT_KEY, VB_KEY_ALONE,
                    HEARTBEAT_DUPLICATE)),
            new Threat("Impersonation of the Matrix account", List.of(MATRIX_SENDER)),
            new Threat("Impersonation of the remote account (nick vs account)", List.of(IRC_NOT_LOGGED_IN,
                    IRC_OTHER_ACCOUNT)),
            new Threat("Forged MSC2346 event by a non-bridgebot sender", List.of(THREAT_BRIDGE_EVENT)),
            new Threat("Rogue HB", List.of(THREAT_ROGUE_HB)),
            new Threat("Relayed remote proof", List.of(THREAT_RELAYED_PROOF)),
            new Threat("Relayed OpenID token", List.of(THREAT_RELAYED_OPENID)),
            new Threat("A stale VB after an override", List.of(OVERRIDE)),
            new Threat("A human typing in the DM (VB without a bot)", List.of(TYPED_MESSAGE)),
            new Threat("Flooding with requests", List.of(FLOOD)),
            new Threat("Oversized or malformed content", List.of(MALFORMED, CONTENT_FLOAT, CONTENT_DEPTH,
                    CONTENT_SIZE)),
            new Threat("Clock skew", List.of(THREAT_CLOCK_SKEW)),
            new Threat("Compromise of the VB key", List.of(VB_KEY_ALONE)),
            new Threat("Compromise of the VB bot's homeserver", List.of(REQUEST_SIGNATURE, HEARTBEAT_KEY)),
            new Threat("An HB that lies", List.of(THREAT_LYING_HB)),
            new Threat("Relay loops", List.of(THREAT_RELAY_LOOPS)),
            new Threat("Privacy", List.of(THREAT_PRIVACY)),
            new Threat("Outbound requests from the HB (`openid`)", List.of(THREAT_OUTBOUND)));

    /** Every check, in the order they run. */
    public static final List<Check> CHECKS = List.of(DM, WRONG_ROLE, MALFORMED, CONTENT_FLOAT, CONTENT_DEPTH,
            CONTENT_SIZE, VERSION, WRONG_HB, REQUEST_SIGNATURE, HANDSHAKE, REQUEST_RESENT, REQUEST_ALTERED, HEARTBEAT,
            HEARTBEAT_SEQ, HEARTBEAT_KEY, VB_KEY_ALONE, HEARTBEAT_DUPLICATE, ANSWER_RESENT, ANSWER_ALTERED, OVERRIDE,
            RELEASE, AFTER_RELEASE, WRONG_NONCE, REPLAYED_ANSWER, ANSWER_KEY, MATRIX_SENDER, IRC_NOT_LOGGED_IN,
            IRC_OTHER_ACCOUNT, OUTSIDE_DM, TYPED_MESSAGE, EXPIRY, FLOOD, THREAT_BRIDGE_EVENT, THREAT_ROGUE_HB,
            THREAT_RELAYED_PROOF, THREAT_RELAYED_OPENID, THREAT_CLOCK_SKEW, THREAT_LYING_HB, THREAT_RELAY_LOOPS,
            THREAT_PRIVACY, THREAT_OUTBOUND);

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
    /** Whether to run the flood check, which spends the hosting bridge's rate limits. */
    private final boolean flood;
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

    /** A run against {@code target} over {@code wire}, with a fresh signing key from {@code random}; no flood. */
    public ConformanceRun(ConformanceTarget target, HbWire wire, SecureRandom random) {
        this(target, wire, random, false);
    }

    /**
     * A run against {@code target} over {@code wire}, with a fresh signing key from {@code random}; {@code flood}
     * runs the flood check too, which spends the hosting bridge's rate limits for the user and the visiting
     * bridge's bot.
     */
    public ConformanceRun(ConformanceTarget target, HbWire wire, SecureRandom random, boolean flood) {
        this.target = target;
        this.wire = wire;
        this.random = random;
        this.flood = flood;
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
            if (NOT_OBSERVABLE.containsKey(c)) {
                record.accept(result(c, Verdict.SKIP, "not observable from outside: " + NOT_OBSERVABLE.get(c),
                        List.of()));
                continue;
            }
            if (c == FLOOD && !flood) {
                record.accept(result(c, Verdict.SKIP, "not asked (--flood): it spends the hosting bridge's rate "
                        + "limits for this user and visiting bridge's bot (§14.2)", List.of()));
                continue;
            }
            if (!dmOpen) {
                record.accept(result(c, Verdict.SKIP, "needs the DM with the hosting bridge's bot (§3.1 failed)",
                        List.of()));
                continue;
            }
            record.accept(switch (c.id()) {
                case "wrong-role" -> check(c, this::wrongRole);
                case "request-malformed" -> check(c, this::malformed);
                case "content-float" -> check(c, this::contentFloat);
                case "content-depth" -> check(c, this::contentDepth);
                case "request-version" -> check(c, this::version);
                case "request-wrong-hb" -> check(c, this::wrongHb);
                case "request-signature" -> check(c, this::requestSignature);
                case "handshake" -> check(c, this::handshake);
                case "request-resent" -> afterHandshake(c, this::requestResent);
                case "request-altered" -> check(c, this::requestAltered);
                case "heartbeat" -> afterHandshake(c, this::heartbeat);
                case "heartbeat-seq" -> afterHandshake(c, this::heartbeatSeq);
                case "heartbeat-key" -> afterHandshake(c, this::heartbeatKey);
                case "vb-key-other-sender" -> afterHandshake(c, this::vbKeyAlone);
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
                case "dm-typed-message" -> check(c, this::typedMessage);
                case "expiry" -> check(c, this::expiry);
                case "flood" -> check(c, this::flood);
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
        return namingPointer(expectCancel(MALFORMED, ev, txn, MessageType.REQUEST, content,
                CancelCode.INVALID_MESSAGE), "/user_id", ev);
    }

    /** A passed refusal whose reason (the last evidence line) does not name {@code pointer} passes with a note. */
    private static CheckResult namingPointer(CheckResult r, String pointer, List<String> ev) {
        if (!ev.get(ev.size() - 1).contains(pointer)) {
            return result(r, Verdict.PASS, r.detail() + "; note: the reason does not name the pointer " + pointer
                    + " (SHOULD, §4.3)", ev);
        }
        return r;
    }

    private CheckResult contentFloat(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = signed(request(txn, target.hbBot()));
        content.put("version", 1.0);
        return namingPointer(expectInvalidContent(CONTENT_FLOAT, ev, txn, content), "/version", ev);
    }

    private CheckResult contentDepth(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = signed(request(txn, target.hbBot()));
        // The content is level 1, this field level 2, and each "n" one more: 65 levels, one over the limit.
        ObjectNode inner = content.putObject("byob_conformance_nested");
        for (int level = 3; level <= 65; level++) {
            inner = inner.putObject("n");
        }
        return expectInvalidContent(CONTENT_DEPTH, ev, txn, content);
    }

    /**
     * Sends a request whose content breaks the strict JSON rules (§4.1), which must be refused with
     * {@code invalid_message}; a homeserver that refuses to carry it skips the check.
     */
    private CheckResult expectInvalidContent(Check c, List<String> ev, TxnId txn, ObjectNode content)
            throws Outcome {
        HbMessage m;
        try {
            m = send(c, ev, txn, MessageType.REQUEST, content);
        } catch (EventRefused e) {
            throw skip(c, ev, "the homeserver refused to send such content (" + e.getMessage() + "), so no hosting "
                    + "bridge behind it can receive it");
        }
        if (MessageType.CHALLENGE.eventType().equals(m.eventType())) {
            cancelExchange(txn);
        }
        return judgeCancel(c, ev, m, CancelCode.INVALID_MESSAGE, null);
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

    /**
     * The record's key without the visiting bridge's bot (§5.5): a heartbeat signed with it, sent by the user's
     * account, which holds no trust; the hosting bridge answers {@code unknown_transaction} (T6) or nothing.
     */
    private CheckResult vbKeyAlone(List<String> ev) throws Outcome {
        TxnId txn = TxnId.random(random);
        ObjectNode content = signed(new Heartbeat(txn, target.user(), target.network(), receipt.epoch(), nextSeq++,
                0));
        int from = wire.mark();
        HbWire.UserSend sent = wire.sendAsUser(MessageType.HEARTBEAT.eventType(), content,
                m -> txn.value().equals(m.txnId()), target.quiet());
        ev.add("heartbeat " + sent.eventId() + " (txn " + txn + ", epoch " + receipt.epoch() + ") signed with the "
                + "record's key, sent by " + target.user() + " in its DM with " + target.hbBot());
        // A reply in the visiting bridge's DM would mean the bot took the key for the visiting bridge's bot.
        Optional<HbMessage> reply = sent.reply().or(() -> reply(txn, from, Duration.ofSeconds(1)));
        if (reply.isEmpty()) {
            return result(VB_KEY_ALONE, Verdict.PASS, "no reply within " + secs(target.quiet()) + " (ignored)", ev);
        }
        HbMessage m = reply.get();
        ev.add(describe(m) + " in " + m.roomId());
        ByobMessage message = decode(VB_KEY_ALONE, ev, m);
        if (message instanceof Lease) {
            throw fail(VB_KEY_ALONE, ev, "the hosting bridge renewed the lease for a heartbeat sent by "
                    + target.user() + ", not by " + target.vbBot() + ": the key alone kept trust alive (§5.5)");
        }
        if (message instanceof Cancel cancel && cancel.code().equals(CancelCode.UNKNOWN_TRANSACTION)) {
            return result(VB_KEY_ALONE, Verdict.PASS, "cancel " + cancel.code(), ev);
        }
        throw fail(VB_KEY_ALONE, ev, "expected cancel " + CancelCode.UNKNOWN_TRANSACTION + " or no reply, got "
                + describe(m));
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

    /** A person typing a request's JSON in the DM sends an {@code m.room.message}: never a protocol message. */
    private CheckResult typedMessage(List<String> ev) {
        TxnId txn = TxnId.random(random);
        ObjectNode content = JsonNodeFactory.instance.objectNode();
        content.put("msgtype", "m.text");
        content.put("body", signed(request(txn, target.hbBot())).toString());
        int from = wire.mark();
        String id = wire.send("m.room.message", content);
        ev.add("m.room.message " + id + " in the DM, its body the JSON of a signed request (txn " + txn + ")");
        Optional<HbMessage> reply = reply(txn, from, target.quiet());
        if (reply.isPresent()) {
            cancelExchange(txn);
            return result(TYPED_MESSAGE, Verdict.FAIL, "the hosting bridge took a typed message for a request: "
                    + describe(reply.get()), ev);
        }
        return result(TYPED_MESSAGE, Verdict.PASS, "no reply within " + secs(target.quiet()), ev);
    }

    /** Requests in a burst, each left open, until the hosting bridge refuses one; then every one is cancelled. */
    private CheckResult flood(List<String> ev) throws Outcome {
        List<TxnId> started = new ArrayList<>();
        try {
            for (int i = 1; i <= FLOOD_REQUESTS; i++) {
                TxnId txn = TxnId.random(random);
                HbMessage m = send(FLOOD, ev, txn, MessageType.REQUEST, signed(request(txn, target.hbBot())));
                ByobMessage reply = decode(FLOOD, ev, m);
                if (reply instanceof Challenge) {
                    started.add(txn);
                } else if (reply instanceof Cancel cancel && (cancel.code().equals(CancelCode.RATE_LIMITED)
                        || cancel.code().equals(CancelCode.BUSY))) {
                    return result(FLOOD, Verdict.PASS, "request " + i + " refused with " + cancel.code() + " after "
                            + started.size() + " challenges", ev);
                } else {
                    throw fail(FLOOD, ev, "expected a challenge, rate_limited or busy, got " + describe(m));
                }
            }
            throw fail(FLOOD, ev, FLOOD_REQUESTS + " requests in a burst each got a challenge: no rate limit and no "
                    + "cap on exchanges in flight (§14.2 recommends 30 requests per visiting bridge's bot and 4 "
                    + "exchanges in flight per user)");
        } finally {
            started.forEach(this::cancelExchange);
        }
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

    /** {@code r} with another verdict and detail. */
    private static CheckResult result(CheckResult r, Verdict verdict, String detail, List<String> ev) {
        return new CheckResult(r.id(), r.section(), r.title(), verdict, detail, ev);
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
