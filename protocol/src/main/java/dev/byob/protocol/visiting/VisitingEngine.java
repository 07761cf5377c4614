package dev.byob.protocol.visiting;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.Transition;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * A visiting bridge for one user, sans-IO: one {@link VisitingHandshake} per hosting bridge and network
 * it meets, started when a bridged room of a new hosting bridge turns up (§2.3), and the relay decisions
 * of §12.5: relay while the lease is live, hold a backlog while it is not, and on return relay the
 * backlog except what the hosting bridge filled in. At acceptance it takes over the user's messages
 * observed from {@link #HANDOVER_WINDOW} before its answer on, once the hosting bridge has had that long to
 * relay the ones it still counted as its own. Not thread-safe: call it from one thread.
 */
public final class VisitingEngine {

    /**
     * The grace <i>G</i> of the handover at acceptance (§12.5): messages observed up to this long before the
     * answer left may be the visiting bridge's, and the hosting bridge's relays of its own are awaited this
     * long after the accept arrived. The spec's recommended grace, which a hosting bridge's relay takes at most.
     */
    public static final Duration HANDOVER_WINDOW = Duration.ofSeconds(10);

    /**
     * The longest the handover may be kept open by the hosting bridge's own relays still arriving (its flood
     * control can hold them): well inside the 60 s in which a relay must start (§12.7).
     */
    public static final Duration HANDOVER_MAX = Duration.ofSeconds(40);

    /** A network this bridge serves for its user: the user's account there and how it is proven. */
    public record ServedNetwork(Network network, RemoteAccount account, List<String> remoteProofMethods) {
        public ServedNetwork {
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(account, "account");
            remoteProofMethods = List.copyOf(remoteProofMethods);
        }
    }

    private static final class Relation {
        final VisitingHandshake machine;
        VisitingState state;
        final LinkedHashMap<String, Backlogged> backlog = new LinkedHashMap<>();
        final Set<String> filled = new HashSet<>();
        /** Messages observed during the handshake, each possibly the visiting bridge's once it is accepted. */
        final LinkedHashMap<String, Backlogged> handshaking = new LinkedHashMap<>();
        /** Messages of the handover at acceptance, in observation order, until {@link #handoverUntil}. */
        final LinkedHashMap<String, Backlogged> handover = new LinkedHashMap<>();
        Instant handoverUntil;
        Instant handoverCap;

        Relation(VisitingHandshake machine, VisitingState state) {
            this.machine = machine;
            this.state = state;
        }

        boolean relaying() {
            return state instanceof VisitingState.Trusted && !((VisitingState.Trusted) state).lapsed();
        }

        boolean holding() {
            return state instanceof VisitingState.Trusted && ((VisitingState.Trusted) state).lapsed();
        }

        boolean handshaking() {
            return state instanceof VisitingState.Requested || state instanceof VisitingState.Proving
                    || state instanceof VisitingState.Answered;
        }
    }

    private record Backlogged(RoomId room, Lease.Direction direction, String messageId, Instant observedAt) {
        String key() {
            return direction.wire() + " " + messageId;
        }
    }

    private final UserId user;
    private final UserId vbBot;
    private final SigningKey signingKey;
    private final Map<Network, ServedNetwork> networks = new HashMap<>();
    private final List<String> matrixMethods;
    private final Random random;
    private final Map<TrustKey, Relation> relations = new LinkedHashMap<>();
    private final Map<RoomId, TrustKey> rooms = new HashMap<>();
    private final RemoteTargetPins pins = new RemoteTargetPins();

    /**
     * @param vbBot the account that speaks for this bridge in DMs (its bot, or the user's own account)
     * @param matrixMethods the Matrix proofs this bridge can make, in preference order
     * @param random source of transaction ids: a {@link java.security.SecureRandom} outside simulations
     */
    public VisitingEngine(UserId user, UserId vbBot, SigningKey key, List<ServedNetwork> served,
                          List<String> matrixMethods, Random random) {
        this.user = Objects.requireNonNull(user, "user");
        this.vbBot = Objects.requireNonNull(vbBot, "vbBot");
        this.signingKey = Objects.requireNonNull(key, "key");
        served.forEach(n -> networks.put(n.network(), n));
        this.matrixMethods = List.copyOf(matrixMethods);
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Restores trust granted before a restart: lapsed until the hosting bridge's first lease reply, with
     * a heartbeat due at once. {@code fillAck} is the highest fill-in recorded durably for it.
     */
    public List<VisitingEngineOutput> resume(TrustReceipt receipt, long fillAck, Instant now) {
        Relation r = relation(receipt.key());
        r.state = VisitingHandshake.resume(receipt, fillAck, now);
        return step(receipt.key(), r, new VisitingInput.Tick(), now);
    }

    /**
     * Restores a remote-proof target pinned before a restart (recorded on {@link VisitingEngineOutput.TargetPinned}),
     * so that a challenge from another hosting bridge naming it is still refused (§2.3).
     */
    public void restorePin(RemoteTargetPins.Pin pin) {
        pins.restore(pin);
    }

    /** The pinned remote-proof target of {@code hbBot} on {@code network}, if any. */
    public Optional<RemoteTargetPins.Pin> pinOf(UserId hbBot, Network network) {
        return pins.pinOf(hbBot, network);
    }

    /** The state of the relation with a hosting bridge, if it exists. */
    public Optional<VisitingState> state(TrustKey key) {
        Relation r = relations.get(key);
        return r == null ? Optional.empty() : Optional.of(r.state);
    }

    /** Every relation this bridge has, with its state. */
    public Map<TrustKey, VisitingState> relations() {
        Map<TrustKey, VisitingState> out = new LinkedHashMap<>();
        relations.forEach((k, r) -> out.put(k, r.state));
        return out;
    }

    /**
     * An MSC2346 bridge event in one of the user's rooms ({@link BridgeInfo#read} VALID only). The room is
     * remembered as bridged by that hosting bridge; a hosting bridge met for the first time on a network
     * this bridge serves gets a handshake. Trust already held covers every room of that hosting bridge.
     */
    public List<VisitingEngineOutput> bridgeSeen(RoomId room, BridgeInfo info, Instant now) {
        ServedNetwork served = networks.get(info.network());
        if (served == null || !info.active()) {
            return List.of();
        }
        TrustKey key = new TrustKey(info.hbBot(), user, info.network());
        rooms.put(room, key);
        if (relations.containsKey(key)) {
            return List.of();
        }
        return step(key, relation(key), new VisitingInput.Start(), now);
    }

    /** The rooms known to be bridged by the hosting bridge of {@code key}. */
    public List<RoomId> roomsOf(TrustKey key) {
        List<RoomId> out = new ArrayList<>();
        rooms.forEach((room, k) -> {
            if (k.equals(key)) {
                out.add(room);
            }
        });
        return out;
    }

    /** Starts a handshake again after one failed or ended, at the user's request (never on its own). */
    public List<VisitingEngineOutput> retry(TrustKey key, Instant now) {
        Relation r = relations.get(key);
        return r == null ? List.of() : step(key, r, new VisitingInput.Start(), now);
    }

    /**
     * An event in a DM with a hosting bridge's bot. It goes to the relation it belongs to: by its
     * {@code txn_id} (a handshake's, or a heartbeat's or release's awaiting an answer), else by its
     * {@code user_id} and {@code network}; with one relation for that bot, to that one.
     */
    public List<VisitingEngineOutput> received(UserId sender, String eventType, JsonNode content,
                                               Optional<Instant> originServerTs, Instant now) {
        Optional<TrustKey> key = route(sender, content);
        if (key.isEmpty()) {
            return List.of();
        }
        return step(key.get(), relations.get(key.get()),
                new VisitingInput.Received(sender, eventType, content, originServerTs), now);
    }

    /**
     * The DM with {@code hbBot} changed (a duplicate was resolved, §3.2): the messages of its relations still
     * waiting for a reply, to send again as they were (same {@code txn_id}) in the kept DM. Changes nothing.
     */
    public List<VisitingEngineOutput> outstanding(UserId hbBot) {
        List<VisitingEngineOutput> out = new ArrayList<>();
        relations.forEach((k, r) -> {
            if (k.hbBot().equals(hbBot)) {
                r.machine.outstanding(r.state).ifPresent(s -> out.add(new VisitingEngineOutput.ForRelation(k, s)));
            }
        });
        return out;
    }

    /** The transport made (or could not make) a proof for {@code key}. */
    public List<VisitingEngineOutput> proof(TrustKey key, VisitingInput input, Instant now) {
        if (!(input instanceof VisitingInput.MatrixProofMade || input instanceof VisitingInput.RemoteProofMade
                || input instanceof VisitingInput.ProofFailed)) {
            throw new IllegalArgumentException("not a proof input: " + input);
        }
        Relation r = relations.get(key);
        return r == null ? List.of() : step(key, r, input, now);
    }

    /** The user logs out of this bridge: every hosting bridge is asked to step back in. */
    public List<VisitingEngineOutput> logout(String reason, Instant now) {
        List<VisitingEngineOutput> out = new ArrayList<>();
        relations.forEach((k, r) -> out.addAll(step(k, r, new VisitingInput.Logout(reason), now)));
        return out;
    }

    /** When {@link #tick} is next needed, if ever. */
    public Optional<Instant> deadline() {
        Instant next = null;
        for (Relation r : relations.values()) {
            Optional<Instant> d = deadline(r);
            if (d.isPresent() && (next == null || d.get().isBefore(next))) {
                next = d.get();
            }
        }
        return Optional.ofNullable(next);
    }

    private static Optional<Instant> deadline(Relation r) {
        Optional<Instant> d = r.machine.deadline(r.state);
        if (r.handoverUntil != null && (d.isEmpty() || r.handoverUntil.isBefore(d.get()))) {
            return Optional.of(r.handoverUntil);
        }
        return d;
    }

    /** Time passed: resends, timeouts, heartbeats and lease ends of every relation. */
    public List<VisitingEngineOutput> tick(Instant now) {
        List<VisitingEngineOutput> out = new ArrayList<>();
        relations.forEach((k, r) -> {
            Optional<Instant> d = r.machine.deadline(r.state);
            if (d.isPresent() && !now.isBefore(d.get())) {
                out.addAll(step(k, r, new VisitingInput.Tick(), now));
            }
            if (r.handoverUntil != null && !now.isBefore(r.handoverUntil)) {
                out.addAll(endHandover(k, r));
            }
        });
        return out;
    }

    /**
     * The user's own message, observed at {@code now}: a Matrix event in {@code room} ({@code TO_REMOTE}, its
     * event id) or an IRC line from another client of theirs in the channel bridged to {@code room}
     * ({@code TO_MATRIX}, its msgid). Relayed now while the lease is live, held while it is not; in rooms of
     * hosting bridges without trust, left to them. During a handshake it is kept until the outcome: a
     * {@link VisitingEngineOutput.RelayNow} if it falls in the handover window after acceptance, else a
     * {@link VisitingEngineOutput.LeftToHost}. Record it durably before calling this.
     */
    public List<VisitingEngineOutput> userMessage(RoomId room, Lease.Direction direction, String messageId,
                                                  Instant now) {
        TrustKey key = rooms.get(room);
        Relation r = key == null ? null : relations.get(key);
        if (r == null) {
            return List.of();
        }
        Backlogged m = new Backlogged(room, direction, messageId, now);
        if (r.handshaking()) {
            // The answer leaves at the earliest now (or left at firstSent): what is older than G before that is the
            // hosting bridge's in any case.
            Instant answeredAt = r.state instanceof VisitingState.Answered a ? a.firstSent() : now;
            List<VisitingEngineOutput> out = forgetBefore(key, r, answeredAt.minus(HANDOVER_WINDOW));
            r.handshaking.put(m.key(), m);
            return out;
        }
        if (r.handoverUntil != null) {
            r.handover.put(m.key(), m); // behind the handover's messages, so each room keeps its order
            return List.of();
        }
        if (r.relaying()) {
            return List.of(new VisitingEngineOutput.RelayNow(key, room, direction, messageId));
        }
        if (r.holding()) {
            r.backlog.put(m.key(), m);
        }
        return List.of();
    }

    /** A relay of one of the user's messages, observed (by anyone): it is no longer this bridge's to relay. */
    public void relaySeen(Lease.Direction direction, String messageId) {
        String k = direction.wire() + " " + messageId;
        for (Relation r : relations.values()) {
            r.backlog.remove(k);
            r.handshaking.remove(k);
            r.handover.remove(k);
        }
    }

    /**
     * Someone other than this bridge was just seen relaying one of the user's messages. During a handover that
     * is the hosting bridge still relaying what it counted as its own (its flood control may hold lines for a
     * while), so the window stays open {@link #HANDOVER_WINDOW} longer, up to {@link #HANDOVER_MAX} in all.
     */
    public void othersRelaySeen(Instant now) {
        for (Relation r : relations.values()) {
            if (r.handoverUntil != null) {
                Instant later = now.plus(HANDOVER_WINDOW);
                r.handoverUntil = later.isAfter(r.handoverCap) ? r.handoverCap
                        : later.isAfter(r.handoverUntil) ? later : r.handoverUntil;
            }
        }
    }

    // ---- internals ----

    private Relation relation(TrustKey key) {
        return relations.computeIfAbsent(key, k -> {
            ServedNetwork served = networks.get(k.network());
            if (served == null) {
                throw new IllegalArgumentException("this bridge does not serve " + k.network());
            }
            VisitingConfig config = VisitingConfig.of(k, served.account(), vbBot, signingKey, matrixMethods,
                    served.remoteProofMethods());
            return new Relation(new VisitingHandshake(config, random), VisitingHandshake.initial());
        });
    }

    private Optional<TrustKey> route(UserId sender, JsonNode content) {
        List<TrustKey> ofBot = new ArrayList<>();
        relations.forEach((k, r) -> {
            if (k.hbBot().equals(sender)) {
                ofBot.add(k);
            }
        });
        if (ofBot.isEmpty()) {
            return Optional.empty();
        }
        String txn = content != null && content.path("txn_id").isTextual() ? content.get("txn_id").textValue() : null;
        if (txn != null) {
            for (TrustKey k : ofBot) {
                if (awaits(relations.get(k).state, txn)) {
                    return Optional.of(k);
                }
            }
        }
        if (content != null && content.path("user_id").isTextual() && content.path("network").isObject()) {
            for (TrustKey k : ofBot) {
                if (k.userId().value().equals(content.get("user_id").textValue())
                        && k.network().protocol().equals(content.path("network").path("protocol").asText())
                        && k.network().id().equals(content.path("network").path("id").asText())) {
                    return Optional.of(k);
                }
            }
        }
        return ofBot.size() == 1 ? Optional.of(ofBot.get(0)) : Optional.empty();
    }

    private static boolean awaits(VisitingState state, String txn) {
        if (state instanceof VisitingState.Requested) {
            return ((VisitingState.Requested) state).request().txnId().value().equals(txn);
        }
        if (state instanceof VisitingState.Proving) {
            return ((VisitingState.Proving) state).request().txnId().value().equals(txn);
        }
        if (state instanceof VisitingState.Answered) {
            return ((VisitingState.Answered) state).request().txnId().value().equals(txn);
        }
        if (state instanceof VisitingState.Trusted) {
            VisitingState.Trusted t = (VisitingState.Trusted) state;
            return t.receipt().txnId().value().equals(txn)
                    || t.pending().map(p -> p.txnId().value().equals(txn)).orElse(false);
        }
        if (state instanceof VisitingState.Releasing) {
            return ((VisitingState.Releasing) state).content().path("txn_id").asText().equals(txn);
        }
        return false;
    }

    private List<VisitingEngineOutput> step(TrustKey key, Relation r, VisitingInput input, Instant now) {
        VisitingState before = r.state;
        Transition<VisitingState, VisitingOutput> t = r.machine.step(r.state, input, now);
        r.state = t.state();
        List<VisitingEngineOutput> out = new ArrayList<>();
        for (VisitingOutput o : t.outputs()) {
            if (o instanceof VisitingOutput.MakeRemoteProof) {
                // A challenge: its target is judged against the pins before any proof is made (§2.3).
                String target = ((VisitingOutput.MakeRemoteProof) o).target();
                RemoteTargetPins.Verdict verdict = pins.check(key.hbBot(), key.network(), target);
                if (verdict instanceof RemoteTargetPins.Verdict.PinnedToOther) {
                    UserId owner = ((RemoteTargetPins.Verdict.PinnedToOther) verdict).owner();
                    return step(key, r, new VisitingInput.Refuse(CancelCode.INVALID_MESSAGE, "the remote proof"
                            + " target " + target + " belongs to " + owner + ", not to " + key.hbBot()), now);
                }
                if (verdict instanceof RemoteTargetPins.Verdict.NewPin) {
                    out.add(new VisitingEngineOutput.TargetPinned(((RemoteTargetPins.Verdict.NewPin) verdict).pin()));
                }
            }
        }
        for (VisitingOutput o : t.outputs()) {
            out.add(new VisitingEngineOutput.ForRelation(key, o));
            if (o instanceof VisitingOutput.TrustEstablished && before instanceof VisitingState.Answered) {
                out.addAll(beginHandover(key, r, ((VisitingState.Answered) before).firstSent(), now));
            } else if (o instanceof VisitingOutput.HandshakeFailed) {
                out.addAll(forgetBefore(key, r, Instant.MAX)); // the hosting bridge relays them, as before
            }
            if (o instanceof VisitingOutput.LeaseRenewed) {
                VisitingOutput.LeaseRenewed renewed = (VisitingOutput.LeaseRenewed) o;
                for (Lease.FillIn f : renewed.filledIn()) {
                    f.matrixEventId().ifPresent(id -> r.filled.add(Lease.Direction.TO_REMOTE.wire() + " " + id.value()));
                    f.remoteMsgid().ifPresent(id -> r.filled.add(Lease.Direction.TO_MATRIX.wire() + " " + id));
                }
                if (!renewed.more()) {
                    // Only now is the list of what the hosting bridge sent for us complete (§12.5).
                    for (Map.Entry<String, Backlogged> e : r.backlog.entrySet()) {
                        if (!r.filled.contains(e.getKey())) {
                            Backlogged b = e.getValue();
                            out.add(new VisitingEngineOutput.RelayNow(key, b.room(), b.direction(), b.messageId()));
                        }
                    }
                    r.backlog.clear();
                    r.filled.clear();
                }
            } else if (o instanceof VisitingOutput.TrustEnded) {
                // The hosting bridge relays them again, as for any unlinked user.
                r.backlog.clear();
                r.handover.clear();
                r.handoverUntil = null;
            }
        }
        return out;
    }

    /**
     * Acceptance (§12.5): what the user wrote from {@code G} before the answer left on may have been observed
     * by the hosting bridge after it recorded the trust, so it is this bridge's unless observed relayed within
     * {@code G} from now. Older messages were the hosting bridge's.
     */
    private List<VisitingEngineOutput> beginHandover(TrustKey key, Relation r, Instant answeredAt, Instant now) {
        List<VisitingEngineOutput> out = forgetBefore(key, r, answeredAt.minus(HANDOVER_WINDOW));
        if (!r.handshaking.isEmpty()) {
            r.handover.putAll(r.handshaking);
            r.handshaking.clear();
            r.handoverUntil = now.plus(HANDOVER_WINDOW);
            r.handoverCap = now.plus(HANDOVER_MAX);
        }
        return out;
    }

    /** The handover window closed: what was not observed relayed is relayed now, or held if the lease lapsed. */
    private List<VisitingEngineOutput> endHandover(TrustKey key, Relation r) {
        List<VisitingEngineOutput> out = new ArrayList<>();
        for (Backlogged b : r.handover.values()) {
            if (r.relaying()) {
                out.add(new VisitingEngineOutput.RelayNow(key, b.room(), b.direction(), b.messageId()));
            } else if (r.holding()) {
                r.backlog.put(b.key(), b);
            }
        }
        r.handover.clear();
        r.handoverUntil = null;
        return out;
    }

    /** Hands the messages observed during the handshake before {@code cutoff} back to the hosting bridge. */
    private static List<VisitingEngineOutput> forgetBefore(TrustKey key, Relation r, Instant cutoff) {
        List<VisitingEngineOutput> out = new ArrayList<>();
        for (Iterator<Backlogged> it = r.handshaking.values().iterator(); it.hasNext(); ) {
            Backlogged b = it.next();
            if (b.observedAt().isBefore(cutoff)) {
                out.add(new VisitingEngineOutput.LeftToHost(key, b.room(), b.direction(), b.messageId()));
                it.remove();
            }
        }
        return out;
    }

}
