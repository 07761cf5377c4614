package dev.byob.protocol.hosting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.crypto.SignatureVerificationException;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJson;
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
import dev.byob.protocol.remote.RemoteProofMethod;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.ListIterator;
import java.util.LinkedHashSet;
import java.util.OptionalLong;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * The hosting bridge's side of byob, sans-IO: every exchange in flight, the trust records (through a
 * {@link TrustStore}) and the leases. Feed it {@link HostingInput}s with the current time; apply the
 * returned {@link HostingOutput}s in order. No threads, sockets or clocks inside; not thread-safe:
 * call it from one thread (or under one lock), as the transport's event order is the protocol's order.
 *
 * <p>Its per-relation decision, {@link #relayMode(UserId, Network)}, is what a bridge consults for
 * every message: whether it relays for that user itself, steps aside, or fills in for a visiting
 * bridge whose lease has lapsed.
 */
public final class HostingEngine {

    /** Who relays a user's messages on a network, as far as this hosting bridge is concerned. */
    public enum RelayMode {
        /** No trust in force: the hosting bridge relays as it always did. */
        HOSTING,
        /** A visiting bridge double-puppets the user: the hosting bridge stays aside. */
        VISITING,
        /** A visiting bridge is trusted but its lease lapsed: the hosting bridge fills in. */
        FILLING_IN
    }

    private record ExchangeKey(UserId sender, TxnId txnId) {}

    /** A handshake between challenge and acceptance. */
    private static final class Exchange {
        final Request request;
        final byte[] requestCanonical;
        final Challenge challenge;
        final ObjectNode challengeContent;
        final Instant expiresAt;
        boolean matrixProven;
        boolean remoteProven;
        Answer answer;
        byte[] answerCanonical;
        boolean openIdPending;

        Exchange(Request request, byte[] requestCanonical, Challenge challenge, ObjectNode challengeContent,
                 Instant expiresAt) {
            this.request = request;
            this.requestCanonical = requestCanonical;
            this.challenge = challenge;
            this.challengeContent = challengeContent;
            this.expiresAt = expiresAt;
        }

        TrustKey key(UserId hbBot) {
            return new TrustKey(hbBot, request.userId(), request.network());
        }
    }

    /** A message already answered, by sender, transaction and type. */
    private record ReplyKey(UserId sender, TxnId txnId, MessageType inType) {}

    /** The reply to a message, kept so that a retry is answered the same way. */
    private record Reply(byte[] inCanonical, MessageType outType, ObjectNode content, Instant keepUntil) {}

    /** The lease of a trust record in force. */
    private static final class LeaseState {
        TrustRecord record;
        Instant expiresAt;
        boolean lapsed;
        long lastSeq;
        TxnId lastTxn;
        byte[] lastCanonical;
        ObjectNode lastReply;

        /** When {@link #tick} must look at this lease next, as filed in {@code wakes}; null when never. */
        Instant wakeAt;
        /** The user's messages observed while the VB relays, not yet observed relayed, in order. */
        final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
        /**
         * Those of {@link #pending} with a text, in the order observed, from the oldest that may still match an
         * unmarked relay (§12.6): older ones, and ones no longer pending, are dropped from the front as they are met.
         * Made with the first, as most users never have one.
         */
        ArrayDeque<Pending> texted;

        LeaseState(TrustRecord record, Instant expiresAt) {
            this.record = record;
            this.expiresAt = expiresAt;
        }
    }

    /** A user message waiting to be observed relayed by the visiting bridge. */
    /**
     * A user message waiting to be observed relayed. {@code text} is kept for matching an unmarked relay (§12.6);
     * {@code networkId} is false for a to-Matrix line the network gave no {@code msgid} (the embedder's own id).
     */
    private record Pending(Lease.Direction direction, String messageId, RoomId room, Instant seenAt,
                           Optional<String> text, boolean networkId) {
        Pending(Lease.Direction direction, String messageId, RoomId room, Instant seenAt) {
            this(direction, messageId, room, seenAt, Optional.empty(), true);
        }

        HostingJournal.PendingMessage journaled() {
            return new HostingJournal.PendingMessage(direction, messageId, room, seenAt);
        }
    }

    /** Messages of an ended record still pending: relayed by us at {@code relayAt} unless seen relayed first. */
    private record Draining(TrustRecord record, List<Pending> messages, Instant relayAt) {}

    /** How long replies are kept for resends after the exchange could have expired (§6.2 "Retention"). */
    public static final Duration REPLY_RETENTION = Duration.ofMinutes(10);
    /** How long after a message an unmarked relay of it is matched to it by room and text (§12.6). */
    public static final Duration MATCH_WINDOW = Duration.ofSeconds(30);
    /** How many recently observed relays are remembered to match messages observed after them. */
    private static final int RECENT_RELAYS = 10_000;

    private final HostingPolicy policy;
    private final TrustStore store;
    private final FillInLog fillInLog;
    private final Random random;
    private final BridgedRooms rooms;
    private final HostingJournal journal;
    private final Map<ExchangeKey, Exchange> exchanges = new LinkedHashMap<>();
    private final Map<ReplyKey, Reply> replies = new HashMap<>();
    private final Map<TrustKey, LeaseState> leases = new HashMap<>();
    /** Records in force by the account key of their remote account, for {@link #trustedByAccount}. */
    private record AccountKey(Network network, String key) {}

    private final Map<AccountKey, Set<TrustKey>> byAccount = new HashMap<>();
    /** Leases by when they next need a look (lapse or a stale message), so time costs no scan of all. */
    private final java.util.TreeMap<Instant, Set<TrustKey>> wakes = new java.util.TreeMap<>();
    /** Which record each pending message waits in, for {@link HostingInput.RelaySeen} without a scan. */
    private final Map<String, TrustKey> pendingIndex = new HashMap<>();
    private final List<Draining> draining = new ArrayList<>();
    private final Map<Network, Set<String>> recentRelays = new HashMap<>();
    private final RateLimiter<UserId> perVb;
    private final RateLimiter<UserId> perUser;

    /**
     * Starts with the records in force in {@code store}, each with a fresh lease from {@code now}: after a
     * restart the visiting bridges carry on without a new handshake, and fill-in begins only if they are
     * really gone.
     *
     * @param random source of nonces: a {@link java.security.SecureRandom} outside simulations
     */
    public HostingEngine(HostingPolicy policy, TrustStore store, FillInLog fillInLog, Random random, Instant now) {
        this(policy, store, fillInLog, BridgedRooms.NONE, random, now);
    }

    /**
     * As {@link #HostingEngine(HostingPolicy, TrustStore, FillInLog, Random, Instant)}, with the rooms a
     * {@code room_event} proof may be sent in.
     */
    public HostingEngine(HostingPolicy policy, TrustStore store, FillInLog fillInLog, BridgedRooms rooms,
                         Random random, Instant now) {
        this(policy, store, fillInLog, HostingJournal.NONE, rooms, random, now);
    }

    /**
     * The full constructor: with a {@link HostingJournal}, a restarted engine also resumes the last
     * heartbeat accepted and the messages still waiting to be observed relayed, per record in force.
     */
    public HostingEngine(HostingPolicy policy, TrustStore store, FillInLog fillInLog, HostingJournal journal,
                         BridgedRooms rooms, Random random, Instant now) {
        this.journal = Objects.requireNonNull(journal, "journal");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.store = Objects.requireNonNull(store, "store");
        this.fillInLog = Objects.requireNonNull(fillInLog, "fillInLog");
        this.random = Objects.requireNonNull(random, "random");
        this.perVb = new RateLimiter<>(policy.requestsPerVb(), policy.rateWindow());
        this.perUser = new RateLimiter<>(policy.requestsPerUser(), policy.rateWindow());
        Map<TrustKey, Long> epochs = new HashMap<>();
        Map<TrustKey, TrustRecord> ended = new HashMap<>();
        for (TrustRecord record : store.all()) {
            if (!record.key().hbBot().equals(policy.hbBot())) {
                continue;
            }
            if (record.active()) {
                putLease(record, now.plusMillis(policy.lease().leaseMs()));
            } else {
                ended.put(record.key(), record);
            }
            epochs.put(record.key(), record.epoch());
        }
        HostingJournal.Snapshot snapshot = journal.load(epochs);
        snapshot.pending().forEach((key, messages) -> {
            TrustRecord record = ended.get(key);
            if (record != null) {
                // Held for an ended record when the process stopped: its VB may have relayed some meanwhile, and
                // a relay observed from now on still counts; the rest is relayed after the grace.
                List<Pending> held = new ArrayList<>();
                for (HostingJournal.PendingMessage m : messages) {
                    held.add(new Pending(m.direction(), m.messageId(), m.room(), m.seenAt()));
                }
                draining.add(new Draining(record, held, now.plus(policy.fillInGrace())));
            }
        });
        snapshot.lastSeq().forEach((key, seq) -> {
            LeaseState lease = leases.get(key);
            if (lease != null) {
                lease.lastSeq = seq;
            }
        });
        snapshot.pending().forEach((key, messages) -> {
            LeaseState lease = leases.get(key);
            if (lease != null) {
                for (HostingJournal.PendingMessage m : messages) {
                    lease.pending.put(relayKey(m.direction(), m.messageId()),
                            new Pending(m.direction(), m.messageId(), m.room(), m.seenAt()));
                    pendingIndex.put(indexKey(key.network(), relayKey(m.direction(), m.messageId())), key);
                }
                reschedule(lease);
            }
        });
    }

    /** Who relays for {@code user} on {@code network} right now. */
    public RelayMode relayMode(UserId user, Network network) {
        LeaseState lease = leases.get(new TrustKey(policy.hbBot(), user, network));
        if (lease == null) {
            return RelayMode.HOSTING;
        }
        return lease.lapsed ? RelayMode.FILLING_IN : RelayMode.VISITING;
    }

    /** The trust record in force for {@code user} on {@code network}, if any. */
    public Optional<TrustRecord> trusted(UserId user, Network network) {
        LeaseState lease = leases.get(new TrustKey(policy.hbBot(), user, network));
        return lease == null ? Optional.empty() : Optional.of(lease.record);
    }

    /** When the engine next needs a {@link HostingInput.Tick}, if ever. */
    public Optional<Instant> deadline() {
        Instant next = null;
        for (Exchange e : exchanges.values()) {
            next = earlier(next, e.expiresAt);
        }
        if (!wakes.isEmpty()) {
            next = earlier(next, wakes.firstKey());
        }
        for (Draining d : draining) {
            next = earlier(next, d.relayAt());
        }
        return Optional.ofNullable(next);
    }

    /** Exchanges in flight. */
    public int inFlight() {
        return exchanges.size();
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /** Feeds one input at time {@code now}; returns what to do, in order. */
    public List<HostingOutput> handle(HostingInput input, Instant now) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(now, "now");
        List<HostingOutput> out = new ArrayList<>();
        if (input instanceof HostingInput.RoomMessage) {
            roomMessage((HostingInput.RoomMessage) input, now, out);
        } else if (input instanceof HostingInput.MatrixProofSeen) {
            matrixProof((HostingInput.MatrixProofSeen) input, now, out);
        } else if (input instanceof HostingInput.OpenIdChecked) {
            openIdChecked((HostingInput.OpenIdChecked) input, now, out);
        } else if (input instanceof HostingInput.RemoteMessageSeen) {
            remoteProof((HostingInput.RemoteMessageSeen) input, now, out);
        } else if (input instanceof HostingInput.UserRevoke) {
            HostingInput.UserRevoke r = (HostingInput.UserRevoke) input;
            revoke(r.user(), r.network(), RevokeCode.USER_REVOKED, now, out);
        } else if (input instanceof HostingInput.OperatorRevoke) {
            HostingInput.OperatorRevoke r = (HostingInput.OperatorRevoke) input;
            revoke(r.user(), r.network(), RevokeCode.OPERATOR, now, out);
        } else if (input instanceof HostingInput.UserMessageSeen) {
            userMessage((HostingInput.UserMessageSeen) input, now, out);
        } else if (input instanceof HostingInput.UnmarkedMessageSeen) {
            unmarkedMessage((HostingInput.UnmarkedMessageSeen) input, now, out);
        } else if (input instanceof HostingInput.RelaySeen) {
            relaySeen((HostingInput.RelaySeen) input);
        } else if (input instanceof HostingInput.Tick) {
            tick(now, out);
        } else {
            throw new AssertionError(input);
        }
        return out;
    }

    // ---- messages from visiting bridges ----

    private void roomMessage(HostingInput.RoomMessage in, Instant now, List<HostingOutput> out) {
        Optional<MessageType> type = MessageType.fromEventType(in.eventType());
        if (type.isEmpty() || in.sender().equals(policy.hbBot())) {
            return; // not ours, or our own echo
        }
        if (type.get() == MessageType.MATRIX_PROOF) {
            out.add(new HostingOutput.Ignored("a Matrix proof belongs in a DM with the user, not the VB's DM"));
            return;
        }
        if (!in.direct()) {
            // Answering in a shared room would leak the exchange: ignored, as §3.4 and H7 say.
            out.add(new HostingOutput.Ignored("byob messages are accepted only in a DM with the hosting bridge's "
                    + "bot, not in " + in.room()));
            return;
        }
        ByobMessage message;
        try {
            message = MessageCodec.decode(in.eventType(), in.content());
        } catch (DecodeException e) {
            if (type.get() != MessageType.CANCEL) {
                refuse(in.sender(), txnOf(in.content()), e.cancelCode(),
                        "invalid " + type.get().suffix() + ": " + e.getMessage(), out);
            }
            return;
        }
        byte[] canonical = canonical(in.content());
        ExchangeKey key = new ExchangeKey(in.sender(), message.txnId());
        Reply previous = replies.get(new ReplyKey(in.sender(), message.txnId(), message.type()));
        if (previous != null) {
            if (Arrays.equals(previous.inCanonical(), canonical)) {
                out.add(send(in.sender(), previous.outType(), previous.content(), message.txnId()));
            } else {
                refuse(in.sender(), Optional.of(message.txnId()), CancelCode.REPLAYED,
                        "txn_id " + message.txnId() + " was already used for another " + message.type().suffix(), out);
            }
            return;
        }
        switch (message.type()) {
            case REQUEST:
                request(in.sender(), (Request) message, in.content(), canonical, now, out);
                break;
            case ANSWER:
                answer(in.sender(), (Answer) message, in.content(), canonical, now, out);
                break;
            case CANCEL:
                visitorCancel(in.sender(), (Cancel) message, in.content(), now, out);
                break;
            case HEARTBEAT:
                heartbeat(in.sender(), (Heartbeat) message, in.content(), canonical, now, out);
                break;
            case RELEASE:
                release(in.sender(), (Release) message, in.content(), canonical, now, out);
                break;
            default:
                refuse(in.sender(), Optional.of(message.txnId()), CancelCode.UNEXPECTED_MESSAGE,
                        "a visiting bridge does not send " + message.type().suffix(), out);
        }
    }

    private void request(UserId sender, Request r, JsonNode content, byte[] canonical, Instant now,
                         List<HostingOutput> out) {
        Optional<TxnId> txn = Optional.of(r.txnId());
        if (exchanges.containsKey(new ExchangeKey(sender, r.txnId()))) {
            Exchange e = exchanges.get(new ExchangeKey(sender, r.txnId()));
            if (Arrays.equals(e.requestCanonical, canonical)) {
                out.add(send(sender, MessageType.CHALLENGE, e.challengeContent, r.txnId()));
            } else {
                refuse(sender, txn, CancelCode.REPLAYED, "txn_id " + r.txnId() + " is in use by another request", out);
            }
            return;
        }
        // The order of checks is the specification's (§4.4): cheap refusals first, the signature last.
        if (!sender.equals(r.vb().bot())) {
            refuse(sender, txn, CancelCode.INVALID_MESSAGE, "vb.bot is " + r.vb().bot() + " but the sender is " + sender, out);
            return;
        }
        if (!r.hbBot().equals(policy.hbBot())) {
            refuse(sender, txn, CancelCode.INVALID_MESSAGE, "this request is for " + r.hbBot() + ", not " + policy.hbBot(), out);
            return;
        }
        RemoteProofMethod remote = policy.remoteMethods().get(r.network());
        if (remote == null) {
            refuse(sender, txn, CancelCode.NOT_BRIDGED, "this bridge does not bridge " + r.network(), out);
            return;
        }
        Optional<RoomId> proofRoom = rooms.roomWithUser(r.userId(), r.network());
        Optional<String> matrixMethod = r.matrixProofMethods().stream()
                .filter(policy.matrixMethods()::contains)
                .filter(m -> !m.equals(ProofMethods.MATRIX_ROOM_EVENT) || proofRoom.isPresent())
                .findFirst();
        if (matrixMethod.isEmpty()) {
            refuse(sender, txn, CancelCode.UNSUPPORTED_METHOD,
                    "no common Matrix proof method; this bridge accepts " + policy.matrixMethods(), out);
            return;
        }
        if (!r.remoteProofMethods().contains(remote.name())) {
            refuse(sender, txn, CancelCode.UNSUPPORTED_METHOD,
                    "no common remote proof method; this bridge checks " + remote.name(), out);
            return;
        }
        if (!perVb.tryAcquire(sender, now)) {
            refuse(sender, txn, CancelCode.RATE_LIMITED, "too many requests from " + sender + "; try again later", out);
            return;
        }
        if (!perUser.tryAcquire(r.userId(), now)) {
            refuse(sender, txn, CancelCode.RATE_LIMITED, "too many requests for " + r.userId() + "; try again later", out);
            return;
        }
        if (exchanges.size() >= policy.maxInFlight()) {
            refuse(sender, txn, CancelCode.BUSY, "too many handshakes in flight; try again later", out);
            return;
        }
        long forUser = exchanges.values().stream().filter(e -> e.request.userId().equals(r.userId())).count();
        if (forUser >= policy.maxInFlightPerUser()) {
            refuse(sender, txn, CancelCode.BUSY, "too many handshakes in flight for " + r.userId(), out);
            return;
        }
        try {
            SignedContent.verify(content, r.vb().bot(), r.vb().key());
        } catch (DecodeException e) {
            refuse(sender, txn, CancelCode.BAD_SIGNATURE, "the request is not signed by the key it announces: " + e.reason(), out);
            return;
        }
        Instant expiresAt = now.plus(policy.challengeTtl());
        Challenge challenge = new Challenge(r.txnId(),
                new Challenge.MatrixChallenge(matrixMethod.get(), Nonce.random(random),
                        matrixMethod.get().equals(ProofMethods.MATRIX_ROOM_EVENT) ? proofRoom : Optional.empty()),
                new Challenge.RemoteChallenge(remote.name(), Nonce.random(random), policy.remoteBots().get(r.network())),
                expiresAt.toEpochMilli());
        ObjectNode challengeContent = MessageCodec.encode(challenge);
        exchanges.put(new ExchangeKey(sender, r.txnId()), new Exchange(r, canonical, challenge, challengeContent, expiresAt));
        out.add(send(sender, MessageType.CHALLENGE, challengeContent, r.txnId()));
    }

    private void answer(UserId sender, Answer a, JsonNode content, byte[] canonical, Instant now,
                        List<HostingOutput> out) {
        ExchangeKey key = new ExchangeKey(sender, a.txnId());
        Exchange e = exchanges.get(key);
        Optional<TxnId> txn = Optional.of(a.txnId());
        if (e == null) {
            Reply ended = replies.get(new ReplyKey(sender, a.txnId(), MessageType.REQUEST));
            if (ended != null && ended.outType() == MessageType.CANCEL) {
                // The exchange was cancelled while this answer was on its way: repeat why.
                out.add(send(sender, MessageType.CANCEL, ended.content(), a.txnId()));
                return;
            }
            Optional<Accept> accepted = acceptedBefore(sender, a, content);
            if (accepted.isPresent()) {
                // Accepted before a restart lost our memory of it (§10.6): the record tells the same accept.
                out.add(send(sender, MessageType.ACCEPT, MessageCodec.encode(accepted.get()), a.txnId()));
                return;
            }
            refuse(sender, txn, CancelCode.UNKNOWN_TRANSACTION, "no handshake " + a.txnId() + " is in flight", out);
            return;
        }
        if (e.answer != null) {
            if (!Arrays.equals(e.answerCanonical, canonical)) {
                fail(key, e, CancelCode.REPLAYED, "a second, different answer for " + a.txnId(), now, out);
            }
            return; // a resend of the answer we are already checking
        }
        try {
            SignedContent.verify(content, e.request.vb().bot(), e.request.vb().key());
        } catch (DecodeException ex) {
            fail(key, e, signatureCode(ex), "the answer is not signed by the request's key: " + ex.reason(), now, out);
            return;
        }
        Request r = e.request;
        if (!a.hbBot().equals(r.hbBot()) || !a.userId().equals(r.userId()) || !a.network().equals(r.network())
                || !a.remoteAccount().equals(r.remoteAccount())) {
            fail(key, e, CancelCode.INVALID_MESSAGE, "the answer's subject differs from the request's", now, out);
            return;
        }
        if (!a.matrixNonceSha256().equals(e.challenge.matrixProof().nonce().sha256())
                || !a.remoteNonceSha256().equals(e.challenge.remoteProof().nonce().sha256())) {
            fail(key, e, CancelCode.INVALID_MESSAGE, "the answer binds nonces other than this challenge's", now, out);
            return;
        }
        if (!a.matrixProof().method().equals(e.challenge.matrixProof().method())
                || !a.remoteProof().method().equals(e.challenge.remoteProof().method())) {
            fail(key, e, CancelCode.UNSUPPORTED_METHOD, "the answer uses methods other than the challenge's", now, out);
            return;
        }
        e.answer = a;
        e.answerCanonical = canonical;
        if (a.matrixProof().method().equals(ProofMethods.MATRIX_OPENID)) {
            if (a.matrixProof().openid().isEmpty()) {
                fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the openid method needs an OpenID token in the answer", now, out);
                return;
            }
            if (!a.matrixProof().openid().get().matrixServerName().equals(r.userId().serverName())) {
                fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the OpenID token is from "
                        + a.matrixProof().openid().get().matrixServerName() + ", not " + r.userId().serverName(), now, out);
                return;
            }
            e.openIdPending = true;
            out.add(new HostingOutput.VerifyOpenId(a.txnId(), r.userId(), a.matrixProof().openid().get()));
            return;
        }
        complete(key, e, now, out);
    }

    /** The accept of the record in force that this answer's handshake established, if it verifies. */
    private Optional<Accept> acceptedBefore(UserId sender, Answer a, JsonNode content) {
        LeaseState lease = leases.get(new TrustKey(policy.hbBot(), a.userId(), a.network()));
        if (lease == null || !lease.record.txnId().equals(a.txnId()) || !lease.record.vb().bot().equals(sender)) {
            return Optional.empty();
        }
        try {
            SignedContent.verify(content, sender, lease.record.vb().key());
        } catch (DecodeException e) {
            return Optional.empty();
        }
        return Optional.of(acceptOf(lease.record));
    }

    /** The accept that granted {@code r}, as it was sent. */
    private Accept acceptOf(TrustRecord r) {
        return new Accept(r.txnId(), r.epoch(), r.establishedAt().toEpochMilli(), policy.lease());
    }

    /**
     * What a restarted engine still owes (spec §10.6): the accept of every record in force that no heartbeat has
     * confirmed, sent again under its Client-Server transaction id. Carry these out once, right after
     * construction. A crash between recording trust and sending the accept would otherwise leave the visiting
     * bridge without it for good: its resent answer reuses its transaction id, so the homeserver does not deliver
     * it again. Where the first accept did arrive, the homeserver's deduplication, or the visiting bridge (an
     * identical duplicate), drops this one. Without a {@link HostingJournal} no heartbeat is known, so every
     * record in force counts as unconfirmed.
     */
    public List<HostingOutput> resendUnconfirmedAccepts() {
        List<TrustRecord> unconfirmed = new ArrayList<>();
        for (LeaseState lease : leases.values()) {
            if (lease.lastSeq == 0) {
                unconfirmed.add(lease.record);
            }
        }
        unconfirmed.sort(java.util.Comparator.comparing((TrustRecord r) -> r.key().userId().value())
                .thenComparing(r -> r.key().network().toString()));
        List<HostingOutput> out = new ArrayList<>();
        for (TrustRecord r : unconfirmed) {
            out.add(send(r.vb().bot(), MessageType.ACCEPT, MessageCodec.encode(acceptOf(r)), r.txnId()));
        }
        return out;
    }

    private void visitorCancel(UserId sender, Cancel c, JsonNode content, Instant now, List<HostingOutput> out) {
        ExchangeKey key = new ExchangeKey(sender, c.txnId());
        Exchange e = exchanges.get(key);
        if (e == null) {
            cancelAfterAccept(sender, c, content, now, out);
            return;
        }
        try {
            SignedContent.verify(content, e.request.vb().bot(), e.request.vb().key());
        } catch (DecodeException ex) {
            // Someone typing in the DM cannot cancel a VB's handshake.
            out.add(new HostingOutput.Ignored("an unsigned cancel for " + c.txnId() + ": " + ex.reason()));
            return;
        }
        exchanges.remove(key);
        out.add(new HostingOutput.Ignored("the visiting bridge cancelled " + c.txnId() + ": " + c.code() + " " + c.reason()));
    }

    /**
     * A cancel that crossed our accept (the VB gave up before it arrived): end the new record, as if
     * released, unless the VB has since heartbeated for it. Sends nothing: a cancel is never answered.
     */
    private void cancelAfterAccept(UserId sender, Cancel c, JsonNode content, Instant now, List<HostingOutput> out) {
        for (LeaseState lease : leases.values()) {
            TrustRecord record = lease.record;
            if (record.txnId().equals(c.txnId()) && record.vb().bot().equals(sender) && lease.lastSeq == 0) {
                try {
                    SignedContent.verify(content, sender, record.vb().key());
                } catch (DecodeException ex) {
                    out.add(new HostingOutput.Ignored("an unsigned cancel for " + c.txnId() + ": " + ex.reason()));
                    return;
                }
                Optional<TrustRecord> ended = store.revoke(record.key(), record.epoch(), RevokeCode.RELEASED, now);
                if (ended.isPresent()) {
                    endLease(removeLease(record.key()), now);
                    out.add(new HostingOutput.StepBackIn(ended.get()));
                    drain(now, out);
                }
                return;
            }
        }
        out.add(new HostingOutput.Ignored("a cancel for no exchange in flight: " + c.txnId()));
    }

    private void heartbeat(UserId sender, Heartbeat h, JsonNode content, byte[] canonical, Instant now,
                           List<HostingOutput> out) {
        TrustKey key = new TrustKey(policy.hbBot(), h.userId(), h.network());
        LeaseState lease = leases.get(key);
        if (lease == null || lease.record.epoch() != h.epoch() || !lease.record.vb().bot().equals(sender)) {
            notInForce(sender, key, h.epoch(), h.txnId(), out);
            return;
        }
        try {
            SignedContent.verify(content, sender, lease.record.vb().key());
        } catch (DecodeException e) {
            refuse(sender, Optional.of(h.txnId()), signatureCode(e),
                    "a heartbeat not signed by the trusted key: " + e.reason(), out);
            return;
        }
        if (h.seq() <= lease.lastSeq) {
            if (h.txnId().equals(lease.lastTxn) && Arrays.equals(canonical, lease.lastCanonical)) {
                out.add(send(sender, MessageType.LEASE, lease.lastReply, h.txnId())); // a duplicate: no renewal
            } else {
                refuse(sender, Optional.of(h.txnId()), CancelCode.UNEXPECTED_MESSAGE,
                        "heartbeat seq " + h.seq() + " is not after " + lease.lastSeq, out);
            }
            return;
        }
        // Renewal and the fill-in report happen in this one step: what was filled in until now is reported,
        // and nothing is filled in after it while the lease holds.
        lease.expiresAt = now.plusMillis(policy.lease().leaseMs());
        if (lease.lapsed) {
            lease.lapsed = false;
            out.add(new HostingOutput.FillInStopped(lease.record));
        }
        reschedule(lease);
        List<Lease.FillIn> candidates = fillInLog.after(key, h.epoch(), h.fillAck(), Lease.MAX_FILLED_IN + 1);
        List<Lease.FillIn> filled = new ArrayList<>();
        int bytes = 0;
        for (Lease.FillIn f : candidates) {
            bytes += encodedSizeBound(f);
            if (filled.size() == Lease.MAX_FILLED_IN || bytes > MAX_FILLED_IN_BYTES) {
                break;
            }
            filled.add(f);
        }
        boolean more = filled.size() < candidates.size();
        Lease reply = new Lease(h.txnId(), h.userId(), h.network(), h.epoch(), h.seq(), policy.lease().leaseMs(),
                filled, more);
        fillInLog.acknowledge(key, h.epoch(), h.fillAck());
        journal.heartbeatAccepted(key, h.epoch(), h.seq());
        lease.lastSeq = h.seq();
        lease.lastTxn = h.txnId();
        lease.lastCanonical = canonical;
        lease.lastReply = MessageCodec.encode(reply);
        out.add(send(sender, MessageType.LEASE, lease.lastReply, h.txnId()));
    }

    private void release(UserId sender, Release r, JsonNode content, byte[] canonical, Instant now,
                         List<HostingOutput> out) {
        TrustKey key = new TrustKey(policy.hbBot(), r.userId(), r.network());
        LeaseState lease = leases.get(key);
        if (lease == null || lease.record.epoch() != r.epoch() || !lease.record.vb().bot().equals(sender)) {
            releaseAfterRevoke(sender, key, r.epoch(), content, now, out);
            notInForce(sender, key, r.epoch(), r.txnId(), out);
            return;
        }
        try {
            SignedContent.verify(content, sender, lease.record.vb().key());
        } catch (DecodeException e) {
            refuse(sender, Optional.of(r.txnId()), signatureCode(e),
                    "a release not signed by the trusted key: " + e.reason(), out);
            return;
        }
        Optional<TrustRecord> ended = store.revoke(key, r.epoch(), RevokeCode.RELEASED, now);
        if (ended.isEmpty()) {
            notInForce(sender, key, r.epoch(), r.txnId(), out);
            return;
        }
        // The VB stopped relaying before it asked to be released: its pending messages are ours at once.
        endLease(removeLease(key), now);
        out.add(new HostingOutput.StepBackIn(ended.get()));
        drain(now, out);
        ObjectNode reply = MessageCodec.encode(new Revoked(r.txnId(), r.userId(), r.network(), r.epoch(),
                RevokeCode.RELEASED, "released at the visiting bridge's request"));
        remember(new ReplyKey(sender, r.txnId(), MessageType.RELEASE), canonical, MessageType.REVOKED, reply, now);
        out.add(send(sender, MessageType.REVOKED, reply, r.txnId()));
        out.add(new HostingOutput.NotifyUser(r.userId(), "Your bridge " + sender + " logged out of " + r.network()
                + "; " + policy.hbBot() + " relays for you there again."));
    }

    /**
     * A heartbeat or release for an epoch not in force: if that VB held the epoch, tell it how the epoch
     * ended (echoing the txn_id); otherwise there is nothing of its here to speak of.
     */
    /**
     * A release of an epoch that ended by revocation, signed by its VB: the VB acknowledges that it relays nothing
     * more, so what the HB held back for it (§12.8, case 6) is relayed at once.
     */
    private void releaseAfterRevoke(UserId sender, TrustKey key, long epoch, JsonNode content, Instant now,
                                    List<HostingOutput> out) {
        Optional<TrustRecord> record = store.find(key, epoch)
                .filter(x -> x.ended().isPresent() && x.vb().bot().equals(sender));
        if (record.isEmpty()) {
            return;
        }
        try {
            SignedContent.verify(content, sender, record.get().vb().key());
        } catch (DecodeException e) {
            return; // not its VB's word
        }
        boolean held = false;
        for (ListIterator<Draining> it = draining.listIterator(); it.hasNext(); ) {
            Draining d = it.next();
            if (d.record().key().equals(key) && d.record().epoch() == epoch && now.isBefore(d.relayAt())) {
                it.set(new Draining(d.record(), d.messages(), now));
                held = true;
            }
        }
        if (held) {
            drain(now, out);
        }
    }

    private void notInForce(UserId sender, TrustKey key, long epoch, TxnId txn, List<HostingOutput> out) {
        Optional<TrustRecord> record = store.find(key, epoch);
        if (record.isPresent() && record.get().vb().bot().equals(sender) && record.get().ended().isPresent()) {
            RevokeCode code = record.get().ended().get().code();
            // Not a refusal: the answer is `revoked`, which tells the visiting bridge why (§6.5).
            out.add(new HostingOutput.Ignored("a message for epoch " + epoch + ", which ended (" + code
                    + "): answered revoked"));
            out.add(send(sender, MessageType.REVOKED, MessageCodec.encode(new Revoked(txn, key.userId(), key.network(),
                    epoch, code, "trust at epoch " + epoch + " is no longer in force")), txn));
        } else {
            refuse(sender, Optional.of(txn), CancelCode.UNKNOWN_TRANSACTION,
                    sender + " holds no trust at epoch " + epoch + " for " + key.userId() + " on " + key.network(), out);
        }
    }

    // ---- observations of the proofs ----

    private void matrixProof(HostingInput.MatrixProofSeen in, Instant now, List<HostingOutput> out) {
        MatrixProof proof;
        try {
            ByobMessage m = MessageCodec.decode(MessageType.MATRIX_PROOF.eventType(), in.content());
            proof = (MatrixProof) m;
        } catch (DecodeException e) {
            out.add(new HostingOutput.Ignored("an invalid Matrix proof from " + in.sender() + ": " + e.getMessage()));
            return;
        }
        // Found by its nonce, a secret only this exchange's VB knows: whoever sends it, the exchange hears of it.
        ExchangeKey key = null;
        for (Map.Entry<ExchangeKey, Exchange> entry : exchanges.entrySet()) {
            if (entry.getValue().challenge.matrixProof().nonce().equals(proof.nonce())) {
                key = entry.getKey();
            }
        }
        if (key == null) {
            out.add(new HostingOutput.Ignored("a Matrix proof from " + in.sender() + " with a nonce of no exchange in flight"));
            return;
        }
        Exchange e = exchanges.get(key);
        String method = e.challenge.matrixProof().method();
        if (!in.sender().equals(e.request.userId())) {
            fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the Matrix proof was sent by " + in.sender() + ", not "
                    + e.request.userId(), now, out);
            return;
        }
        if (!proof.hbBot().equals(policy.hbBot()) || !proof.txnId().equals(e.request.txnId())) {
            fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the Matrix proof names another bridge or exchange", now, out);
            return;
        }
        if (!in.method().equals(method)) {
            fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the Matrix proof came by " + in.method() + ", not " + method, now, out);
            return;
        }
        boolean placed = method.equals(ProofMethods.MATRIX_DM) ? in.directWithBot()
                : method.equals(ProofMethods.MATRIX_ROOM_EVENT) ? in.bridgedRoom() && in.room().equals(e.challenge.matrixProof().roomId())
                : method.equals(ProofMethods.MATRIX_TO_DEVICE) && in.room().isEmpty();
        if (!placed) {
            fail(key, e, CancelCode.MATRIX_PROOF_FAILED, "the Matrix proof was sent in the wrong place for " + method, now, out);
            return;
        }
        e.matrixProven = true;
        complete(key, e, now, out);
    }

    private void openIdChecked(HostingInput.OpenIdChecked in, Instant now, List<HostingOutput> out) {
        for (Map.Entry<ExchangeKey, Exchange> entry : exchanges.entrySet()) {
            Exchange e = entry.getValue();
            if (entry.getKey().txnId().equals(in.txnId()) && e.openIdPending && e.request.userId().equals(in.expected())) {
                e.openIdPending = false;
                if (in.subject().isPresent() && in.subject().get().equals(e.request.userId())) {
                    e.matrixProven = true;
                    complete(entry.getKey(), e, now, out);
                } else {
                    fail(entry.getKey(), e, CancelCode.MATRIX_PROOF_FAILED, "the OpenID token does not belong to "
                            + e.request.userId() + (in.detail().isEmpty() ? "" : ": " + in.detail()), now, out);
                }
                return;
            }
        }
        out.add(new HostingOutput.Ignored("an OpenID result for no pending exchange"));
    }

    private void remoteProof(HostingInput.RemoteMessageSeen in, Instant now, List<HostingOutput> out) {
        RemoteProofMethod method = policy.remoteMethods().get(in.network());
        if (method == null) {
            out.add(new HostingOutput.Ignored("a remote message on a network this bridge does not bridge"));
            return;
        }
        Optional<Nonce> nonce = method.parseProof(in.text());
        if (nonce.isEmpty()) {
            out.add(new HostingOutput.Ignored("a remote message that is not a proof"));
            return;
        }
        for (Map.Entry<ExchangeKey, Exchange> entry : exchanges.entrySet()) {
            Exchange e = entry.getValue();
            if (e.request.network().equals(in.network()) && e.challenge.remoteProof().nonce().equals(nonce.get())) {
                if (in.account().isEmpty()) {
                    fail(entry.getKey(), e, CancelCode.REMOTE_PROOF_FAILED, in.senderName()
                            + " sent the remote proof without being logged in to an account", now, out);
                } else if (!method.sameAccount(e.request.remoteAccount(), in.account().get())) {
                    fail(entry.getKey(), e, CancelCode.REMOTE_PROOF_FAILED, in.senderName() + " is logged in as "
                            + in.account().get() + ", not " + e.request.remoteAccount(), now, out);
                } else {
                    e.remoteProven = true;
                    complete(entry.getKey(), e, now, out);
                }
                return;
            }
        }
        out.add(new HostingOutput.Ignored("a remote proof with a nonce of no exchange in flight"));
    }

    private void complete(ExchangeKey key, Exchange e, Instant now, List<HostingOutput> out) {
        if (e.answer == null || !e.matrixProven || !e.remoteProven || e.openIdPending) {
            return;
        }
        exchanges.remove(key);
        Request r = e.request;
        TrustStore.Establishment est = store.establish(new TrustCandidate(e.key(policy.hbBot()), r.remoteAccount(),
                r.vb(), e.challenge.matrixProof().method(), e.challenge.remoteProof().method(), r.txnId()), now);
        TrustRecord record = est.record();
        if (est.superseded().isPresent()) {
            TrustRecord old = est.superseded().get();
            TxnId txn = TxnId.random(random);
            out.add(send(old.vb().bot(), MessageType.REVOKED, MessageCodec.encode(new Revoked(txn, r.userId(),
                    r.network(), old.epoch(), RevokeCode.SUPERSEDED,
                    "another visiting bridge (" + r.vb().bot() + ") logged in for this user")), txn));
        }
        LeaseState previous = putLease(record, now.plusMillis(policy.lease().leaseMs()));
        if (previous != null) {
            // The old VB may relay until it reads revoked, at the latest until its lease runs out.
            endLease(previous, previous.expiresAt.plus(policy.fillInGrace()));
        }
        out.add(new HostingOutput.StepAside(record));
        ObjectNode accept = MessageCodec.encode(new Accept(r.txnId(), record.epoch(), now.toEpochMilli(), policy.lease()));
        remember(new ReplyKey(key.sender(), key.txnId(), MessageType.REQUEST), e.requestCanonical, MessageType.CHALLENGE,
                e.challengeContent, now);
        remember(new ReplyKey(key.sender(), key.txnId(), MessageType.ANSWER), e.answerCanonical, MessageType.ACCEPT,
                accept, now);
        out.add(send(key.sender(), MessageType.ACCEPT, accept, r.txnId()));
        String text = est.superseded().isPresent()
                ? "Your bridge " + r.vb().bot() + " now bridges you on " + r.network() + " as " + r.remoteAccount()
                        + "; it replaced " + est.superseded().get().vb().bot() + ", which no longer can."
                : "Your bridge " + r.vb().bot() + " now bridges you on " + r.network() + " as " + r.remoteAccount()
                        + "; " + policy.hbBot() + " steps aside. Send 'revoke' here to undo.";
        out.add(new HostingOutput.NotifyUser(r.userId(), text));
    }

    // ---- the user and time ----

    private void revoke(UserId user, Optional<Network> network, RevokeCode code, Instant now, List<HostingOutput> out) {
        List<TrustKey> keys = new ArrayList<>();
        for (TrustKey key : leases.keySet()) {
            if (key.userId().equals(user) && network.map(key.network()::equals).orElse(true)) {
                keys.add(key);
            }
        }
        if (keys.isEmpty()) {
            out.add(new HostingOutput.NotifyUser(user, "No visiting bridge bridges you here; nothing to revoke."));
            return;
        }
        boolean byUser = code.equals(RevokeCode.USER_REVOKED);
        for (TrustKey key : keys) {
            LeaseState lease = removeLease(key);
            Optional<TrustRecord> ended = store.revoke(key, lease.record.epoch(), code, now);
            if (ended.isEmpty()) {
                continue;
            }
            endLease(lease, lease.expiresAt.plus(policy.fillInGrace()));
            if (!lease.lapsed) {
                // The VB may go on relaying until `revoked` reaches it: what the user writes until its lease could
                // have run out is relayed then, unless seen relayed first (§12.8), or it would be relayed twice.
                windDown(lease, lease.expiresAt.plus(policy.fillInGrace()), now);
            }
            out.add(new HostingOutput.StepBackIn(ended.get()));
            TxnId txn = TxnId.random(random);
            out.add(send(lease.record.vb().bot(), MessageType.REVOKED, MessageCodec.encode(new Revoked(txn,
                    key.userId(), key.network(), lease.record.epoch(), code, byUser
                            ? "the user asked the hosting bridge to take over again"
                            : "the hosting bridge's operator ended this trust")), txn));
            out.add(new HostingOutput.NotifyUser(user, (byUser ? "Revoked: " : "The operator revoked: ")
                    + lease.record.vb().bot() + " no longer bridges you on " + key.network() + "; " + policy.hbBot()
                    + " relays for you again."));
        }
    }

    // ---- the user's messages: who relays each, observed ----

    /** The trust record in force for the user behind a remote account the network reported, if any. */
    public Optional<TrustRecord> trustedByAccount(Network network, String reportedAccount) {
        RemoteProofMethod method = policy.remoteMethods().get(network);
        if (method == null || reportedAccount == null) {
            return Optional.empty();
        }
        // Every line a logged-in IRC user sends asks this: an index, not a scan of every record.
        for (TrustKey key : byAccount.getOrDefault(new AccountKey(network, method.accountKey(reportedAccount)), Set.of())) {
            LeaseState lease = leases.get(key);
            if (lease != null && method.sameAccount(lease.record.remoteAccount(), reportedAccount)) {
                return Optional.of(lease.record);
            }
        }
        return Optional.empty();
    }

    private AccountKey accountKeyOf(TrustRecord record) {
        RemoteProofMethod method = policy.remoteMethods().get(record.key().network());
        String name = record.remoteAccount().name();
        return new AccountKey(record.key().network(), method == null ? name : method.accountKey(name));
    }

    /** Puts a lease in force (or replaces one), keeping the account index in step. */
    private LeaseState putLease(TrustRecord record, Instant expiresAt) {
        LeaseState lease = new LeaseState(record, expiresAt);
        LeaseState previous = leases.put(record.key(), lease);
        if (previous != null) {
            unindex(previous.record);
            unschedule(previous);
        }
        byAccount.computeIfAbsent(accountKeyOf(record), k -> new HashSet<>()).add(record.key());
        reschedule(lease);
        return previous;
    }

    /** Takes a lease out of force, keeping the account index in step. */
    private LeaseState removeLease(TrustKey key) {
        LeaseState removed = leases.remove(key);
        if (removed != null) {
            unindex(removed.record);
            unschedule(removed);
        }
        return removed;
    }

    /** Files {@code lease} under the next time it needs a look: its lapse, or its oldest message going stale. */
    private void reschedule(LeaseState lease) {
        unschedule(lease);
        if (lease.lapsed) {
            return; // a lapsed lease fills in as messages come; only a heartbeat changes it
        }
        Instant at = lease.expiresAt.plus(policy.fillInGrace());
        if (!lease.pending.isEmpty()) {
            at = earlier(at, staleAt(lease.pending.values().iterator().next()));
        }
        lease.wakeAt = at;
        wakes.computeIfAbsent(at, t -> new HashSet<>()).add(lease.record.key());
    }

    private void unschedule(LeaseState lease) {
        if (lease.wakeAt == null) {
            return;
        }
        Set<TrustKey> keys = wakes.get(lease.wakeAt);
        if (keys != null) {
            keys.remove(lease.record.key());
            if (keys.isEmpty()) {
                wakes.remove(lease.wakeAt);
            }
        }
        lease.wakeAt = null;
    }

    private void unindex(TrustRecord record) {
        AccountKey k = accountKeyOf(record);
        Set<TrustKey> keys = byAccount.get(k);
        if (keys != null) {
            keys.remove(record.key());
            if (keys.isEmpty()) {
                byAccount.remove(k);
            }
        }
    }

    private void userMessage(HostingInput.UserMessageSeen in, Instant now, List<HostingOutput> out) {
        LeaseState lease = leases.get(new TrustKey(policy.hbBot(), in.user(), in.network()));
        if (lease == null) {
            relayOrHold(new Pending(in.direction(), in.messageId(), in.room(), now), in.user(), in.network(), now,
                    out);
            return;
        }
        addUserMessage(lease, new Pending(in.direction(), in.messageId(), in.room(), now), now, out);
    }

    /**
     * A message that carries no relay mark on a network where marks cannot be used (§12.6): the relay of the
     * oldest pending message of the other direction in the same room with the same text, observed at most
     * {@link #MATCH_WINDOW} before; otherwise the user's own message.
     */
    private void unmarkedMessage(HostingInput.UnmarkedMessageSeen in, Instant now, List<HostingOutput> out) {
        TrustKey key = new TrustKey(policy.hbBot(), in.user(), in.network());
        LeaseState lease = leases.get(key);
        Lease.Direction other = in.direction() == Lease.Direction.TO_REMOTE
                ? Lease.Direction.TO_MATRIX : Lease.Direction.TO_REMOTE;
        Instant horizon = now.minus(MATCH_WINDOW);
        // A line with a msgid is relayed with `source`, so only a line without one can have an unmarked relay.
        java.util.function.Predicate<Pending> relayOf = p -> p.direction() == other && p.room().equals(in.room())
                && p.text().filter(in.text()::equals).isPresent() && !p.seenAt().isBefore(horizon)
                && (other == Lease.Direction.TO_REMOTE || !p.networkId());
        if (lease != null) {
            // Only the messages of the last MATCH_WINDOW can match: look at those alone, however many are pending.
            dropUnmatchable(lease, horizon);
            for (Iterator<Pending> it = lease.texted == null ? Collections.emptyIterator() : lease.texted.iterator();
                 it.hasNext(); ) {
                Pending p = it.next();
                String k = relayKey(p.direction(), p.messageId());
                if (relayOf.test(p) && lease.pending.get(k) == p) {
                    it.remove();
                    lease.pending.remove(k);
                    pendingIndex.remove(indexKey(in.network(), k));
                    journal.pendingResolved(key, lease.record.epoch(), p.direction(), p.messageId());
                    reschedule(lease);
                    return;
                }
            }
        }
        for (Draining d : draining) {
            if (d.record().key().equals(key)) {
                Optional<Pending> match = d.messages().stream().filter(relayOf).findFirst();
                if (match.isPresent()) {
                    d.messages().remove(match.get());
                    journal.pendingResolved(key, d.record().epoch(), match.get().direction(),
                            match.get().messageId());
                    return;
                }
            }
        }
        Pending p = new Pending(in.direction(), in.messageId(), in.room(), now, Optional.of(in.text()),
                in.networkMessageId());
        if (lease == null) {
            relayOrHold(p, in.user(), in.network(), now, out);
            return;
        }
        addUserMessage(lease, p, now, out);
    }

    /**
     * Drops from the front of {@code lease}'s texted messages those observed before {@code horizon}, which no
     * unmarked relay can match any more (time only moves on), and those no longer pending.
     */
    private static void dropUnmatchable(LeaseState lease, Instant horizon) {
        if (lease.texted == null) {
            return;
        }
        for (Pending p = lease.texted.peekFirst(); p != null; p = lease.texted.peekFirst()) {
            if (!p.seenAt().isBefore(horizon) && lease.pending.get(relayKey(p.direction(), p.messageId())) == p) {
                return;
            }
            lease.texted.pollFirst();
        }
    }

    /** A message of a user without a lease: relayed now, or held while a revoked VB may still relay it. */
    private void relayOrHold(Pending p, UserId user, Network network, Instant now, List<HostingOutput> out) {
        TrustKey key = new TrustKey(policy.hbBot(), user, network);
        Optional<Draining> held = windingDown(key, now);
        if (held.isPresent()) {
            if (seenRelayedBefore(held.get().record(), p)) {
                return; // its relay by the VB was seen already
            }
            held.get().messages().add(p);
            journal.pendingAdded(key, held.get().record().epoch(), p.journaled());
            return;
        }
        out.add(new HostingOutput.Relay(user, network, p.direction(), p.messageId(), p.room(), OptionalLong.empty()));
    }

    /**
     * Whether a relay of {@code p} by {@code record}'s own accounts was observed before {@code p} itself; if so it
     * is taken from the recent relays, which it no longer needs to wait in.
     */
    private boolean seenRelayedBefore(TrustRecord record, Pending p) {
        Network network = record.key().network();
        Set<String> recent = recentRelays.get(network);
        String owner = p.direction() == Lease.Direction.TO_MATRIX ? record.key().userId().value()
                : record.remoteAccount().name();
        return recent != null && recent.remove(relayKey(p.direction(), p.messageId()) + " "
                + relayerKey(network, p.direction(), owner));
    }

    private void addUserMessage(LeaseState lease, Pending p, Instant now, List<HostingOutput> out) {
        if (seenRelayedBefore(lease.record, p)) {
            return; // the VB's relay was observed before the message itself
        }
        if (lease.lapsed) {
            fillIn(lease, p, now, out);
        } else {
            journal.pendingAdded(lease.record.key(), lease.record.epoch(), p.journaled());
            lease.pending.put(relayKey(p.direction(), p.messageId()), p);
            if (p.text().isPresent()) {
                dropUnmatchable(lease, now.minus(MATCH_WINDOW));
                if (lease.texted == null) {
                    lease.texted = new ArrayDeque<>(4);
                }
                lease.texted.addLast(p);
            }
            pendingIndex.put(indexKey(lease.record.key().network(), relayKey(p.direction(), p.messageId())),
                    lease.record.key());
            if (lease.pending.size() == 1) {
                reschedule(lease); // its first waiting message may go stale before the lease ends
            }
        }
    }

    private void relaySeen(HostingInput.RelaySeen in) {
        String key = relayKey(in.direction(), in.messageId());
        TrustKey waitingIn = pendingIndex.get(indexKey(in.network(), key));
        LeaseState lease = waitingIn == null ? null : leases.get(waitingIn);
        if (lease != null && lease.pending.containsKey(key)) {
            if (!relayedByOwner(lease.record, in)) {
                return; // someone else's tag: the message still needs its relay
            }
            pendingIndex.remove(indexKey(in.network(), key));
            lease.pending.remove(key);
            journal.pendingResolved(lease.record.key(), lease.record.epoch(), in.direction(), in.messageId());
            reschedule(lease);
            return;
        }
        for (Draining d : draining) {
            if (d.record().key().network().equals(in.network()) && relayedByOwner(d.record(), in)
                    && d.messages().removeIf(p -> relayKey(p.direction(), p.messageId()).equals(key))) {
                journal.pendingResolved(d.record().key(), d.record().epoch(), in.direction(), in.messageId());
                return;
            }
        }
        Set<String> recent = recentRelays.computeIfAbsent(in.network(), n -> new LinkedHashSet<>());
        recent.add(key + " " + relayerKey(in.network(), in.direction(), in.relayedBy()));
        if (recent.size() > RECENT_RELAYS) {
            recent.remove(recent.iterator().next());
        }
    }

    /** Whether {@code in} was sent by {@code record}'s own accounts: its remote account, or its Matrix user. */
    private boolean relayedByOwner(TrustRecord record, HostingInput.RelaySeen in) {
        if (in.direction() == Lease.Direction.TO_MATRIX) {
            return record.key().userId().value().equals(in.relayedBy());
        }
        RemoteProofMethod method = policy.remoteMethods().get(record.key().network());
        return method == null ? record.remoteAccount().name().equals(in.relayedBy())
                : method.sameAccount(record.remoteAccount(), in.relayedBy());
    }

    /** Who relayed, in the form kept among the recent relays: a folded account or a Matrix user id. */
    private String relayerKey(Network network, Lease.Direction direction, String relayedBy) {
        if (direction == Lease.Direction.TO_MATRIX) {
            return relayedBy;
        }
        RemoteProofMethod method = policy.remoteMethods().get(network);
        return method == null ? relayedBy : method.accountKey(relayedBy);
    }

    private void fillIn(LeaseState lease, Pending p, Instant now, List<HostingOutput> out) {
        journal.pendingResolved(lease.record.key(), lease.record.epoch(), p.direction(), p.messageId());
        boolean toRemote = p.direction() == Lease.Direction.TO_REMOTE;
        Lease.FillIn entry = fillInLog.append(lease.record.key(), lease.record.epoch(), p.direction(),
                toRemote ? Optional.of(EventId.parse(p.messageId())) : Optional.empty(),
                toRemote || !p.networkId() ? Optional.empty() : Optional.of(p.messageId()), Optional.of(p.room()),
                now);
        out.add(new HostingOutput.Relay(lease.record.key().userId(), lease.record.key().network(), p.direction(),
                p.messageId(), p.room(), OptionalLong.of(entry.fillSeq())));
    }

    /** Holds what {@code lease}'s user writes from now until {@code until} like what the lease left pending. */
    private void windDown(LeaseState lease, Instant until, Instant now) {
        if (!until.isAfter(now)) {
            return;
        }
        for (Draining d : draining) {
            if (d.record().key().equals(lease.record.key()) && d.relayAt().equals(until)) {
                return; // endLease made it already
            }
        }
        draining.add(new Draining(lease.record, new ArrayList<>(), until));
    }

    /** The record whose messages are held until its VB can no longer be relaying them, if {@code key} has one. */
    private Optional<Draining> windingDown(TrustKey key, Instant now) {
        for (Draining d : draining) {
            if (d.record().key().equals(key) && now.isBefore(d.relayAt())) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    private void endLease(LeaseState lease, Instant relayAt) {
        if (lease != null && !lease.pending.isEmpty()) {
            draining.add(new Draining(lease.record, new ArrayList<>(lease.pending.values()), relayAt));
            lease.pending.keySet().forEach(k -> pendingIndex.remove(indexKey(lease.record.key().network(), k)));
        }
    }

    /** Relays what ended records left pending, once their VB can no longer be relaying it. */
    private void drain(Instant now, List<HostingOutput> out) {
        for (Iterator<Draining> it = draining.iterator(); it.hasNext(); ) {
            Draining d = it.next();
            if (now.isBefore(d.relayAt())) {
                continue;
            }
            it.remove();
            for (Pending p : d.messages()) {
                journal.pendingResolved(d.record().key(), d.record().epoch(), p.direction(), p.messageId());
                out.add(new HostingOutput.Relay(d.record().key().userId(), d.record().key().network(), p.direction(),
                        p.messageId(), p.room(), OptionalLong.empty()));
            }
        }
    }

    private Instant staleAt(Pending p) {
        return p.seenAt().plusMillis(policy.lease().leaseMs());
    }

    private static String indexKey(Network network, String relayKey) {
        return network + " " + relayKey;
    }

    private static String relayKey(Lease.Direction direction, String messageId) {
        return direction.wire() + " " + messageId;
    }

    private void tick(Instant now, List<HostingOutput> out) {
        List<ExchangeKey> expired = new ArrayList<>();
        exchanges.forEach((key, e) -> {
            if (!now.isBefore(e.expiresAt)) {
                expired.add(key);
            }
        });
        for (ExchangeKey key : expired) {
            Exchange e = exchanges.get(key);
            List<String> missing = new ArrayList<>();
            if (!e.matrixProven) {
                missing.add("the Matrix proof");
            }
            if (!e.remoteProven) {
                missing.add("the remote proof");
            }
            if (e.answer == null) {
                missing.add("the answer");
            }
            fail(key, e, CancelCode.TIMEOUT, "the challenge expired without " + String.join(", ", missing), now, out);
        }
        while (!wakes.isEmpty() && !wakes.firstKey().isAfter(now)) {
            for (TrustKey key : wakes.pollFirstEntry().getValue()) {
                LeaseState lease = leases.get(key);
                if (lease == null) {
                    continue;
                }
                lease.wakeAt = null;
                wake(lease, now, out);
                reschedule(lease);
            }
        }
        drain(now, out);
        replies.values().removeIf(r -> now.isAfter(r.keepUntil()));
        perVb.prune(now);
        perUser.prune(now);
    }

    private void wake(LeaseState lease, Instant now, List<HostingOutput> out) {
        // The grace covers a relay the visiting bridge sent just before its lease ended but that we
        // have not observed yet: filling that in would duplicate it.
        if (!lease.lapsed && !now.isBefore(lease.expiresAt.plus(policy.fillInGrace()))) {
            lease.lapsed = true;
            out.add(new HostingOutput.FillInStarted(lease.record));
            for (Pending p : lease.pending.values()) {
                fillIn(lease, p, now, out);
            }
            lease.pending.keySet().forEach(k -> pendingIndex.remove(indexKey(lease.record.key().network(), k)));
            lease.pending.clear();
            lease.texted = null;
        } else if (!lease.lapsed) {
            // A live VB that has not relayed a message for a whole lease is not going to (T9).
            for (Iterator<Pending> it = lease.pending.values().iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (now.isBefore(staleAt(p))) {
                    break;
                }
                it.remove();
                pendingIndex.remove(indexKey(lease.record.key().network(), relayKey(p.direction(), p.messageId())));
                fillIn(lease, p, now, out);
            }
        }
    }

    // ---- helpers ----

    private void fail(ExchangeKey key, Exchange e, CancelCode code, String reason, Instant now,
                      List<HostingOutput> out) {
        exchanges.remove(key);
        ObjectNode cancel = MessageCodec.encode(new Cancel(key.txnId(), code, bounded(reason)));
        // A resend of this exchange's request or answer gets the same cancel, never a fresh exchange.
        remember(new ReplyKey(key.sender(), key.txnId(), MessageType.REQUEST), e.requestCanonical, MessageType.CANCEL,
                cancel, now);
        if (e.answer != null) {
            remember(new ReplyKey(key.sender(), key.txnId(), MessageType.ANSWER), e.answerCanonical,
                    MessageType.CANCEL, cancel, now);
        }
        out.add(new HostingOutput.Refused(key.sender(), Optional.of(key.txnId()), code, reason));
        out.add(send(key.sender(), MessageType.CANCEL, cancel, key.txnId()));
    }

    private void refuse(UserId sender, Optional<TxnId> txn, CancelCode code, String reason, List<HostingOutput> out) {
        out.add(new HostingOutput.Refused(sender, txn, code, reason));
        // Without a readable txn_id there is no exchange to cancel.
        txn.ifPresent(t -> out.add(send(sender, MessageType.CANCEL,
                MessageCodec.encode(new Cancel(t, code, bounded(reason))), t)));
    }

    /** Keeps a reply for resends until the longest an exchange can live, plus {@link #REPLY_RETENTION} (§6.2). */
    private void remember(ReplyKey key, byte[] inCanonical, MessageType outType, ObjectNode content, Instant now) {
        replies.put(key, new Reply(inCanonical, outType, content,
                now.plus(policy.challengeTtl()).plus(REPLY_RETENTION)));
    }

    private HostingOutput.Send send(UserId to, MessageType type, ObjectNode content, TxnId txn) {
        return new HostingOutput.Send(to, type, content, type.clientTxnId(txn));
    }

    /** Room left for {@code filled_in} so that a lease stays well inside the event size limit. */
    private static final int MAX_FILLED_IN_BYTES = 48 * 1024;

    /** An upper bound of one entry's canonical JSON size: field names, numbers and the ids it carries. */
    private static int encodedSizeBound(Lease.FillIn f) {
        return 160 + f.matrixEventId().map(id -> id.value().length() * 6).orElse(0)
                + f.remoteMsgid().map(id -> id.length() * 6).orElse(0)
                + f.roomId().map(id -> id.value().length() * 6).orElse(0);
    }

    /** {@code key_mismatch} when the signature is under another key id, {@code bad_signature} otherwise. */
    private static CancelCode signatureCode(DecodeException e) {
        return e.getCause() instanceof SignatureVerificationException
                && ((SignatureVerificationException) e.getCause()).reason()
                        == SignatureVerificationException.Reason.NO_SIGNATURE_FOR_KEY
                ? CancelCode.KEY_MISMATCH : CancelCode.BAD_SIGNATURE;
    }

    private static String bounded(String reason) {
        return reason.length() > 1024 ? reason.substring(0, 1024) : reason;
    }

    private static byte[] canonical(JsonNode content) {
        try {
            return CanonicalJson.encode(content);
        } catch (CanonicalJsonException e) {
            throw new IllegalStateException("decoded content is canonical", e); // decode already checked
        }
    }

    private static Optional<TxnId> txnOf(JsonNode content) {
        JsonNode txn = content == null ? null : content.get("txn_id");
        if (txn == null || !txn.isTextual()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new TxnId(txn.textValue()));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
