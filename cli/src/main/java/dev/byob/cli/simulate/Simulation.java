package dev.byob.cli.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.cli.simulate.Transcript.Tone;
import dev.byob.protocol.Transition;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.visiting.PortalRooms;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;

/**
 * Hosting bridges and visiting bridges running the real protocol state machines in one process, on a
 * simulated homeserver and IRC network with virtual time: every message takes {@code latency} to
 * arrive, timers fire when virtual time reaches them, and a run with the same seed is the same run.
 */
public final class Simulation {
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final Network NETWORK = Network.irc("libera");
    static final UserId USER = UserId.parse("@alice:home.example");
    static final UserId MALLORY = UserId.parse("@mallory:home.example");
    static final RemoteAccount ACCOUNT = new RemoteAccount("alice");
    static final String OTHER_ACCOUNT = "mallory";
    /** How long the IRC proof takes to reach the hosting bridge in the replay story: longer than two answers. */
    private static final Duration SLOW_IRC = Duration.ofSeconds(5);

    private record Pending(Instant at, long seq, Runnable action) {}

    /** A hosting bridge: its bot, its engine, and what it keeps (trust store, fill-in log). */
    private final class Hb {
        final String name;
        final UserId bot;
        final String ircBot;
        final String channel;
        final RoomId room;
        final HostingPolicy policy;
        final InMemoryTrustStore store = new InMemoryTrustStore();
        final InMemoryFillInLog fillInLog = new InMemoryFillInLog();
        HostingEngine engine;
        Instant wake;

        Hb(String name, UserId bot, String ircBot, String channel, RoomId room) {
            this.name = name;
            this.bot = bot;
            this.ircBot = ircBot;
            this.channel = channel;
            this.room = room;
            this.policy = HostingPolicy.defaults(bot, Map.of(NETWORK, ircBot),
                    Map.of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL);
            this.engine = new HostingEngine(policy, store, fillInLog, random, START);
        }

        /** A restart: exchanges in flight are in memory only and are lost; trust records and fill-ins are kept. */
        void restart() {
            engine = new HostingEngine(policy, store, fillInLog, random, clock.now());
            wake = null;
        }
    }

    /** One visiting bridge's relation with one hosting bridge, and the user-side pieces it drives. */
    private final class Vb {
        final String name;
        final UserId bot;
        final SigningKey key;
        final Hb hb;
        final VisitingHandshake machine;
        final String ircAccount;
        VisitingState state = VisitingHandshake.initial();
        boolean online = true;
        long fillAck;
        Instant wake;
        /** The user's messages this VB saw while it could not relay them, in order. */
        final List<EventId> backlog = new ArrayList<>();
        /** Why a proof or answer of this VB was forged or spoilt on the way: then it must never gain trust. */
        String spoilt;
        /** Heartbeats sent so far. */
        int heartbeats;
        /** Messages the HB reported as filled in: never relayed by this VB. */
        final Set<String> filled = new HashSet<>();
        /** Handshakes that failed for this VB (a cancel heard, or given up): none may ever bring it trust. */
        final Set<TxnId> failed = new HashSet<>();

        Vb(String name, UserId bot, SigningKey key, Hb hb, TrustKey trustKey, List<String> remoteMethods) {
            this.name = name;
            this.bot = bot;
            this.key = key;
            this.hb = hb;
            this.ircAccount = faults.wrongRemoteAccount() || scenario == Scenario.REFUSED_WRONG_REMOTE_ACCOUNT
                    ? OTHER_ACCOUNT : ACCOUNT.name();
            if (!ircAccount.equals(ACCOUNT.name())) {
                spoilt = "proved account " + ircAccount;
            }
            VisitingConfig config = VisitingConfig.of(trustKey, ACCOUNT, bot, key, List.of(ProofMethods.MATRIX_DM),
                    remoteMethods);
            this.machine = new VisitingHandshake(config, random);
        }
    }

    /** A room a hosting bridge bridges, as the VB learnt it from the HB bot's MSC2346 state event. */
    private record HbRoom(BridgeInfo info, RoomId room) {}

    private final Scenario scenario;
    private final Faults faults;
    private long steps;
    private final Random random;
    private final Duration latency;
    private final Transcript transcript;
    private final VirtualClock clock = new VirtualClock(START);
    private final PriorityQueue<Pending> queue = new PriorityQueue<>(
            (a, b) -> a.at.equals(b.at) ? Long.compare(a.seq, b.seq) : a.at.compareTo(b.at));
    private final List<Hb> hbs = new ArrayList<>();
    private final List<Vb> vbs = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    private final List<CancelCode> refusals = new ArrayList<>();
    /** How many times each of the user's messages reached IRC: exactly once is the point. */
    private final Map<String, Integer> deliveries = new LinkedHashMap<>();
    private final Map<String, String> texts = new HashMap<>();
    /** The portal rooms the VB created, with who is joined: only these may be tombstoned. */
    private final Map<RoomId, Set<UserId>> createdPortals = new LinkedHashMap<>();
    private final List<RoomId> tombstoned = new ArrayList<>();
    private final List<HbRoom> hbRooms = new ArrayList<>();
    private PortalRooms portals;
    private boolean restarted;
    private long seq;
    private long eventIds;

    public Simulation(Scenario scenario, long seed, Duration latency, Transcript transcript) {
        this(scenario, seed, latency, Faults.NONE, transcript);
    }

    /** A run with {@code faults}. */
    public Simulation(Scenario scenario, long seed, Duration latency, Faults faults, Transcript transcript) {
        this.faults = faults;
        this.scenario = scenario;
        this.random = new Random(seed);
        this.latency = latency;
        this.transcript = transcript;
    }

    /** Runs the scenario to its end and returns the trust records the hosting bridges hold. */
    public List<TrustRecord> run() {
        boolean several = scenario == Scenario.SEVERAL_HBS;
        Hb hb = new Hb(several ? "HB1" : "HB", UserId.parse(several ? "@hb1:hosting.example" : "@hb:hosting.example"),
                several ? "HBBot1" : "HBBot", "#chat", RoomId.parse("!chat:hosting.example"));
        hbs.add(hb);
        if (several) {
            hbs.add(new Hb("HB2", UserId.parse("@hb2:other.example"), "HBBot2", "#rust",
                    RoomId.parse("!rust:other.example")));
        }
        SigningKey vbKey = newKey("vb1");
        UserId vbBot = UserId.parse("@vb:home.example");
        Vb first = relation("VB", vbBot, vbKey, hb);
        vbs.add(first);
        transcript.text("byob simulate: " + scenario.id() + " (" + scenario.description() + ")");
        for (Hb h : hbs) {
            transcript.text(String.format("  %-16s %s, IRC bot %s on %s, bridges %s to %s", hostingLabel(h), h.bot,
                    h.ircBot, NETWORK, h.channel, h.room));
        }
        transcript.text("  visiting bridge  " + first.bot + ", key " + first.key.keyId() + " "
                + first.key.verifyKey().publicKeyBase64());
        transcript.text("  user             " + USER + ", IRC services account " + ACCOUNT);
        transcript.text("  every message takes " + latency.toMillis() + " ms (virtual time)");
        transcript.text("");
        Duration horizon = Duration.ofSeconds(45);
        switch (scenario) {
            case OVERRIDE: {
                Vb second = relation("VB2", UserId.parse("@vb2:home.example"), newKey("vb2"), hb);
                vbs.add(second);
                start(first, Duration.ZERO);
                at(Duration.ofSeconds(10), () -> {
                    transcript.event(clock.elapsed(), "VB2", "a second visiting bridge starts for the same user");
                    stepVb(second, new VisitingInput.Start());
                });
                break;
            }
            case RACE: {
                Vb second = relation("VB2", UserId.parse("@vb2:home.example"), newKey("vb2"), hb);
                vbs.add(second);
                start(first, Duration.ZERO);
                start(second, Duration.ofMillis(5));
                break;
            }
            case REVOKE:
                start(first, Duration.ZERO);
                at(Duration.ofSeconds(10), () -> userRevokes(hb));
                break;
            case LEASE_LAPSE:
                leaseLapse(first);
                horizon = Duration.ofSeconds(200);
                break;
            case SEVERAL_HBS: {
                Hb hb2 = hbs.get(1);
                Vb withHb2 = relation("VB", vbBot, vbKey, hb2);
                vbs.add(withHb2);
                start(first, Duration.ZERO);
                at(Duration.ofSeconds(2), () -> {
                    transcript.event(clock.elapsed(), "VB", "finds " + hb2.bot + "'s room " + hb2.room
                            + ": a second hosting bridge, verified on its own");
                    stepVb(withHb2, new VisitingInput.Start());
                });
                at(Duration.ofSeconds(5), () -> userWrites(hb, "hi #chat"));
                at(Duration.ofSeconds(6), () -> userWrites(hb2, "hi #rust"));
                at(Duration.ofSeconds(10), () -> userRevokes(hb2));
                at(Duration.ofSeconds(12), () -> userWrites(hb, "still relayed by my own bridge"));
                // Once the VB's last lease with HB2 has run out: until then a VB that missed `revoked` may
                // still relay while HB2, stepped back in, relays too (spec §12.8 covers only an override).
                at(Duration.ofSeconds(120), () -> userWrites(hb2, "relayed by " + hb2.bot + " again"));
                horizon = Duration.ofSeconds(150); // past a lease: HB1's goes on by heartbeats, alone
                break;
            }
            case PORTAL_TOMBSTONE:
                portalTombstone(first, hb);
                break;
            case REFUSED_REPLAYED:
            case REFUSED_BAD_SIGNATURE:
            case REFUSED_KEY_MISMATCH:
            case REFUSED_WRONG_MATRIX_ACCOUNT:
            case REFUSED_WRONG_REMOTE_ACCOUNT:
            case REFUSED_INVALID_MESSAGE:
            case REFUSED_UNSUPPORTED_VERSION:
            case REFUSED_UNKNOWN_TRANSACTION:
            case HAPPY_PATH:
                start(first, Duration.ZERO);
                break;
            case IGNORED_OUTSIDE_DM:
                start(first, Duration.ZERO);
                horizon = Duration.ofMinutes(5); // every resend ignored alike, until the VB gives up
                break;
            case REFUSED_HEARTBEAT_SEQ:
                start(first, Duration.ZERO);
                horizon = Duration.ofSeconds(75); // past the second heartbeat and its stale copy
                break;
            case REFUSED_EXPIRED:
                start(first, Duration.ZERO);
                horizon = Duration.ofMinutes(12);
                break;
            case REFUSED_UNSUPPORTED_METHOD: {
                Vb odd = new Vb("VB", vbBot, vbKey, hb, new TrustKey(hb.bot, USER, NETWORK), List.of("irc.sasl_plain"));
                vbs.set(0, odd);
                start(odd, Duration.ZERO);
                break;
            }
            case REFUSED_NOT_BRIDGED: {
                Vb elsewhere = new Vb("VB", vbBot, vbKey, hb, new TrustKey(hb.bot, USER, Network.irc("oftc")),
                        List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
                vbs.set(0, elsewhere);
                start(elsewhere, Duration.ZERO);
                break;
            }
            case REFUSED_RATE_LIMITED:
                for (int i = 0; i <= hb.policy.requestsPerVb(); i++) {
                    int login = i + 1;
                    at(Duration.ofMinutes(i), () -> {
                        transcript.event(clock.elapsed(), "VB", "login " + login + " of the user's login loop");
                        stepVb(first, new VisitingInput.Start());
                    });
                    if (login <= hb.policy.requestsPerVb()) {
                        at(Duration.ofMinutes(i).plusSeconds(30), () -> stepVb(first, new VisitingInput.Logout("logged out")));
                    }
                }
                horizon = Duration.ofMinutes(hb.policy.requestsPerVb() + 1);
                break;
            case REFUSED_BUSY:
                for (int i = 2; i <= hb.policy.maxInFlightPerUser() + 1; i++) {
                    vbs.add(relation("VB" + i, UserId.parse("@vb" + i + ":home.example"), newKey("vb" + i), hb));
                }
                for (int i = 0; i < vbs.size(); i++) {
                    start(vbs.get(i), Duration.ofMillis(i));
                }
                break;
            default:
                throw new AssertionError(scenario);
        }
        runUntil(horizon);
        if (faults.any()) {
            // Lost messages are recovered by resends, heartbeats and stale fill-ins, which take minutes of
            // virtual time: let the run settle before its outcome is judged.
            runUntil(clock.elapsed().plusMinutes(15));
        }
        List<TrustRecord> records = new ArrayList<>();
        hbs.forEach(h -> records.addAll(h.store.all()));
        summarise(records);
        transcript.flush();
        return records;
    }

    /** Messages the returning visiting bridge was told not to relay again; for checks. */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** For each message the user wrote, how many times it reached IRC. */
    public Map<String, Integer> deliveries() {
        return Map.copyOf(deliveries);
    }

    /** The cancel codes the hosting bridges refused with, in order. */
    public List<CancelCode> refusals() {
        return List.copyOf(refusals);
    }

    /** The portal rooms the visiting bridge tombstoned, in order. */
    public List<RoomId> tombstoned() {
        return List.copyOf(tombstoned);
    }

    // ---- the stories that need more than a start ----

    private void leaseLapse(Vb vb) {
        Hb hb = vb.hb;
        start(vb, Duration.ZERO);
        at(Duration.ofSeconds(3), () -> userWrites(hb, "hello from my own bridge"));
        at(Duration.ofSeconds(5), () -> {
            vb.online = false;
            transcript.event(clock.elapsed(), "VB", "goes down (power cut)");
        });
        at(Duration.ofSeconds(120), () -> userWrites(hb, "hello, anyone?"));
        at(Duration.ofSeconds(149), () -> userWrites(hb, "still there?"));
        at(Duration.ofMillis(150_030), () -> userWrites(hb, "are you back?"));
        at(Duration.ofSeconds(160), () -> userWrites(hb, "welcome back"));
        at(Duration.ofSeconds(150), () -> {
            vb.online = true;
            Optional<TrustReceipt> receipt = receiptOf(vb);
            transcript.event(clock.elapsed(), "VB", "comes back and resumes from its stored receipt");
            receipt.ifPresent(r -> {
                vb.state = VisitingHandshake.resume(r, vb.fillAck, clock.now());
                stepVb(vb, new VisitingInput.Tick());
            });
        });
    }

    /**
     * The VB made portal rooms for #chat and #rust when no bridge had them; bob joined the #rust one. Then
     * alice joins the HB's rooms: once the VB holds trust with that HB, it tombstones its #chat portal, and
     * never the #rust one (bob is in it), nor anything on a forged bridge event, nor anything twice.
     */
    private void portalTombstone(Vb vb, Hb hb) {
        portals = new PortalRooms(Set.of(vb.bot));
        RoomId chatPortal = RoomId.parse("!portal-chat:home.example");
        RoomId rustPortal = RoomId.parse("!portal-rust:home.example");
        RoomId rustRoom = RoomId.parse("!rust:hosting.example");
        UserId bob = UserId.parse("@bob:elsewhere.example");
        at(Duration.ZERO, () -> {
            createPortal(vb, chatPortal, "#chat");
            createPortal(vb, rustPortal, "#rust");
            transcript.message(clock.elapsed(), "bob (Matrix)", rustPortal.value(), "join", "bob joins the #rust portal");
            portals.membership(rustPortal, bob, true);
            createdPortals.get(rustPortal).add(bob);
        });
        at(Duration.ofSeconds(1), () -> {
            transcript.message(clock.elapsed(), "mallory (Matrix)", "!fake:evil.example", "m.bridge",
                    "claims " + hb.bot + " bridges it to #chat");
            BridgeInfo.Reading forged = BridgeInfo.read(BridgeInfo.M_BRIDGE, stateKey("#chat"), MALLORY,
                    bridgeContent(hb, "#chat"));
            transcript.event(clock.elapsed(), "VB", "ignores the bridge event in !fake:evil.example ("
                    + forged.verdict().name().toLowerCase(java.util.Locale.ROOT) + ": " + forged.reason() + ")");
        });
        at(Duration.ofSeconds(2), () -> {
            userJoinsHbRoom(vb, hb, hb.room, "#chat");
            stepVb(vb, new VisitingInput.Start());
        });
        at(Duration.ofSeconds(8), () -> userJoinsHbRoom(vb, hb, rustRoom, "#rust"));
        at(Duration.ofSeconds(20), () -> {
            transcript.event(clock.elapsed(), "VB", "restarts its /sync and reads every bridge event again");
            for (HbRoom r : List.copyOf(hbRooms)) {
                considerPortals(vb, r);
            }
        });
    }

    private void createPortal(Vb vb, RoomId room, String channel) {
        portals.created(new PortalRooms.Portal(room, NETWORK, channel, USER));
        portals.membership(room, vb.bot, true);
        createdPortals.put(room, new HashSet<>(Set.of(USER, vb.bot)));
        transcript.event(clock.elapsed(), "VB", "creates portal room " + room + " for " + channel + " on " + NETWORK
                + " (no bridge there yet); alice joins it");
    }

    private void userJoinsHbRoom(Vb vb, Hb hb, RoomId room, String channel) {
        transcript.message(clock.elapsed(), "alice (Matrix)", room.value(), "join", "alice joins " + hb.bot
                + "'s room for " + channel);
        BridgeInfo.Reading reading = BridgeInfo.read(BridgeInfo.M_BRIDGE, stateKey(channel), hb.bot,
                bridgeContent(hb, channel));
        BridgeInfo info = reading.info().orElseThrow(() -> new IllegalStateException(reading.reason()));
        transcript.event(clock.elapsed(), "VB", "reads " + hb.bot + "'s m.bridge state in " + room + ": "
                + info.network() + " " + info.channel());
        HbRoom r = new HbRoom(info, room);
        hbRooms.add(r);
        considerPortals(vb, r);
    }

    private void considerPortals(Vb vb, HbRoom r) {
        boolean live = vb.state instanceof VisitingState.Trusted && vb.hb.bot.equals(r.info().hbBot());
        Optional<PortalRooms.Tombstone> t = portals.hbRoomFound(r.info(), r.room(), live, Set.of(USER, r.info().hbBot()));
        if (t.isEmpty()) {
            transcript.event(clock.elapsed(), "VB", "retires no room for " + r.info().channel() + (live
                    ? " (only a portal of its own, with nobody else in it, not retired before)"
                    : ": no live trust with " + r.info().hbBot() + " yet"));
            return;
        }
        RoomId portal = t.get().portal();
        Set<UserId> members = createdPortals.get(portal);
        if (members == null) {
            throw new InvariantViolation("tombstone-own-portal-only", steps, portal + " is not a room the VB created");
        }
        if (!Set.of(USER, vb.bot).containsAll(members)) {
            throw new InvariantViolation("tombstone-own-portal-only", steps, portal + " has other members: " + members);
        }
        if (tombstoned.contains(portal)) {
            throw new InvariantViolation("tombstone-at-most-once", steps, portal + " was tombstoned before");
        }
        tombstoned.add(portal);
        transcript.message(clock.elapsed(), "VB", portal.value(), "m.room.tombstone",
                "replacement_room " + t.get().replacement() + ": \"" + t.get().body() + "\"");
        transcript.event(clock.elapsed(), "VB", "stops bridging " + portal + " and leaves it", Tone.GOOD);
    }

    private static String stateKey(String channel) {
        return "org.example.irc://irc/" + NETWORK.id() + "/" + channel.replace("#", "%23");
    }

    private static ObjectNode bridgeContent(Hb hb, String channel) {
        ObjectNode content = JsonNodeFactory.instance.objectNode().put("bridgebot", hb.bot.value());
        content.putObject("protocol").put("id", NETWORK.protocol());
        content.putObject("network").put("id", NETWORK.id());
        content.putObject("channel").put("id", channel);
        return content;
    }

    // ---- the event loop ----

    private void at(Duration offset, Runnable action) {
        schedule(START.plus(offset), action);
    }

    private void schedule(Instant when, Runnable action) {
        queue.add(new Pending(when, seq++, action));
    }

    private void after(Runnable action) {
        schedule(clock.now().plus(latency), action);
    }

    private void start(Vb vb, Duration at) {
        at(at, () -> stepVb(vb, new VisitingInput.Start()));
    }

    /** A message in the DM between the bots: subject to the run's faults, held {@code hold} more. */
    private void overDm(String what, Duration hold, Runnable delivery) {
        if (faults.drop() > 0 && random.nextDouble() < faults.drop()) {
            transcript.event(clock.elapsed(), "network", "loses the " + what);
            return;
        }
        Instant arrives = clock.now().plus(latency).plus(hold);
        schedule(arrives.plusMillis(jitter()), delivery);
        if (faults.duplicate() > 0 && random.nextDouble() < faults.duplicate()) {
            transcript.event(clock.elapsed(), "network", "delivers the " + what + " twice");
            schedule(arrives.plusMillis(jitter()), delivery);
        }
        if (faults.replayMs() > 0) {
            schedule(arrives.plusMillis(faults.replayMs()), () -> {
                transcript.event(clock.elapsed(), "network", "replays an old " + what);
                delivery.run();
            });
        }
    }

    private long jitter() {
        return faults.jitterMs() == 0 ? 0 : (long) (random.nextDouble() * faults.jitterMs());
    }

    private void runUntil(Duration horizon) {
        Instant end = START.plus(horizon);
        while (!queue.isEmpty() && !queue.peek().at.isAfter(end)) {
            Pending p = queue.poll();
            clock.advanceTo(p.at);
            p.action.run();
            steps++;
            checkInvariants();
        }
        clock.advanceTo(end);
    }

    /**
     * The rules no run may break, whatever the faults, checked after every step: per hosting bridge, one
     * trust record in force per user and network; no message reaches IRC twice; a visiting bridge whose
     * proof was forged or answer spoilt never gains trust, nor one from a handshake it was refused in; a
     * visiting bridge believes it holds trust only at the epoch its hosting bridge granted it. (Tombstones are checked where they are decided.)
     */
    private void checkInvariants() {
        for (Hb hb : hbs) {
            Map<TrustKey, Long> active = new HashMap<>();
            for (TrustRecord r : hb.store.all()) {
                if (r.active()) {
                    active.merge(r.key(), 1L, Long::sum);
                    for (Vb vb : vbs) {
                        if (vb.hb == hb && vb.spoilt != null && vb.bot.equals(r.vb().bot())) {
                            throw new InvariantViolation("refused-never-trusted", steps, hb.name + " trusts " + vb.name
                                    + " at epoch " + r.epoch() + ", though it " + vb.spoilt);
                        }
                    }
                }
            }
            active.forEach((k, n) -> {
                if (n > 1) {
                    throw new InvariantViolation("one-record-in-force", steps, hb.name + " holds " + n
                            + " records in force for " + k);
                }
            });
        }
        deliveries.forEach((id, n) -> {
            if (n > 1) {
                throw new InvariantViolation("no-duplicate-delivery", steps, id + " reached IRC " + n + " times");
            }
        });
        for (Vb vb : vbs) {
            if (vb.state instanceof VisitingState.Trusted) {
                TrustReceipt receipt = ((VisitingState.Trusted) vb.state).receipt();
                boolean refused = vb.failed.contains(receipt.txnId());
                if (vb.spoilt != null || refused) {
                    throw new InvariantViolation("refused-never-trusted", steps, vb.name + " with " + vb.hb.name
                            + (refused ? " was refused in handshake " + receipt.txnId() : " " + vb.spoilt)
                            + ", yet it holds trust");
                }
                boolean granted = vb.hb.store.find(receipt.key(), receipt.epoch())
                        .map(r -> r.vb().bot().equals(vb.bot)).orElse(false);
                if (!granted) {
                    throw new InvariantViolation("trust-only-as-granted", steps, vb.name + " believes it holds epoch "
                            + receipt.epoch() + " with " + vb.hb.name + ", which it never granted it");
                }
            }
        }
    }

    /** Every message the user wrote reached IRC exactly once; checked when a run has settled. */
    public void checkNothingLost() {
        for (String id : texts.keySet()) {
            if (deliveries.getOrDefault(id, 0) == 0) {
                throw new InvariantViolation("nothing-lost", steps, id + " never reached IRC");
            }
        }
    }

    /** Steps run so far. */
    public long steps() {
        return steps;
    }

    // ---- the visiting bridge side ----

    private Vb relation(String name, UserId bot, SigningKey key, Hb hb) {
        return new Vb(name, bot, key, hb, new TrustKey(hb.bot, USER, NETWORK), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
    }

    private SigningKey newKey(String version) {
        byte[] seed = new byte[32];
        random.nextBytes(seed);
        return SigningKey.fromSeed(KeyId.ed25519(version), seed);
    }

    private void stepVb(Vb vb, VisitingInput input) {
        if (!vb.online) {
            return;
        }
        Transition<VisitingState, VisitingOutput> t = vb.machine.step(vb.state, input, clock.now());
        VisitingState before = vb.state;
        vb.state = t.state();
        if (vb.state instanceof VisitingState.Failed) {
            handshakeOf(before).ifPresent(vb.failed::add);
        }
        if (!before.getClass().equals(vb.state.getClass())) {
            transcript.event(clock.elapsed(), vb.name, "state " + name(before) + " → " + name(vb.state)
                    + (hbs.size() > 1 ? " with " + vb.hb.name : ""));
        }
        for (VisitingOutput o : t.outputs()) {
            vbOutput(vb, o);
        }
        vb.machine.deadline(vb.state).ifPresent(d -> {
            if (vb.wake == null || d.isBefore(vb.wake) || !vb.wake.isAfter(clock.now())) {
                vb.wake = d;
                schedule(d, () -> {
                    if (!clock.now().isBefore(d)) {
                        stepVb(vb, new VisitingInput.Tick());
                    }
                });
            }
        });
    }

    private void vbOutput(Vb vb, VisitingOutput o) {
        if (o instanceof VisitingOutput.Send) {
            vbSends(vb, (VisitingOutput.Send) o);
        } else if (o instanceof VisitingOutput.MakeMatrixProof) {
            VisitingOutput.MakeMatrixProof m = (VisitingOutput.MakeMatrixProof) o;
            boolean wrong = faults.wrongMatrixAccount() || scenario == Scenario.REFUSED_WRONG_MATRIX_ACCOUNT;
            UserId sender = wrong ? MALLORY : USER;
            if (wrong) {
                vb.spoilt = "had its Matrix proof sent by " + MALLORY;
            }
            RoomId userDm = RoomId.parse("!" + sender.localpart() + "-" + vb.hb.bot.localpart() + ":home.example");
            EventId eventId = EventId.parse("$proof" + (++eventIds));
            transcript.message(clock.elapsed(), (wrong ? "mallory" : "alice") + " (Matrix)", vb.hb.name, "matrix_proof",
                    "sent by the VB as " + sender + " in the DM " + userDm + " with " + vb.hb.bot);
            after(() -> {
                hbInput(vb.hb, new HostingInput.MatrixProofSeen(m.method(), sender, Optional.of(userDm),
                        Optional.of(eventId), true, false, m.content()));
                stepVb(vb, new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(m.method(), Optional.of(eventId),
                        Optional.of(userDm), Optional.empty())));
            });
        } else if (o instanceof VisitingOutput.MakeRemoteProof) {
            VisitingOutput.MakeRemoteProof r = (VisitingOutput.MakeRemoteProof) o;
            transcript.message(clock.elapsed(), "alice (IRC)", r.target(), "PRIVMSG",
                    "\"" + Describe.shortNonceText(r.text()) + "\" from a connection logged in to account " + vb.ircAccount);
            Duration ircLag = scenario == Scenario.REFUSED_REPLAYED ? SLOW_IRC : Duration.ZERO;
            if (!ircLag.isZero()) {
                transcript.event(clock.elapsed(), "network", "IRC is slow: the line reaches " + r.target() + " in "
                        + ircLag.toSeconds() + " s");
            }
            after(() -> stepVb(vb, new VisitingInput.RemoteProofMade()));
            schedule(clock.now().plus(latency).plus(ircLag), () -> hbInput(vb.hb,
                    new HostingInput.RemoteMessageSeen(NETWORK, "alice", Optional.of(vb.ircAccount), r.text())));
        } else if (o instanceof VisitingOutput.TrustEstablished) {
            transcript.event(clock.elapsed(), vb.name, "trust established at epoch "
                    + ((VisitingOutput.TrustEstablished) o).receipt().epoch() + (hbs.size() > 1 ? " with " + vb.hb.name : "")
                    + "; double-puppets alice from now on", Tone.GOOD);
            if (portals != null) {
                for (HbRoom r : List.copyOf(hbRooms)) {
                    considerPortals(vb, r);
                }
            }
        } else if (o instanceof VisitingOutput.LeaseRenewed) {
            leaseRenewed(vb, (VisitingOutput.LeaseRenewed) o);
        } else if (o instanceof VisitingOutput.LeaseLapsed) {
            transcript.event(clock.elapsed(), vb.name, "lease ran out by its own clock: stops relaying");
        } else if (o instanceof VisitingOutput.TrustEnded) {
            VisitingOutput.TrustEnded e = (VisitingOutput.TrustEnded) o;
            transcript.event(clock.elapsed(), vb.name, "trust ended (" + e.code() + "): " + e.reason());
        } else if (o instanceof VisitingOutput.HandshakeFailed) {
            VisitingOutput.HandshakeFailed f = (VisitingOutput.HandshakeFailed) o;
            transcript.event(clock.elapsed(), vb.name, "handshake failed (" + f.code() + "): " + f.reason(), Tone.BAD);
        } else if (o instanceof VisitingOutput.Ignored) {
            transcript.event(clock.elapsed(), vb.name, "ignored: " + ((VisitingOutput.Ignored) o).reason());
        }
    }

    /** A message from the VB to its HB's bot, as the story or the faults have it altered on the way. */
    private void vbSends(Vb vb, VisitingOutput.Send s) {
        Hb hb = vb.hb;
        transcript.message(clock.elapsed(), vb.name, hb.name, s.type().suffix(), Describe.message(s.type(), s.content()));
        ObjectNode content = s.content();
        boolean answer = s.type() == MessageType.ANSWER;
        boolean request = s.type() == MessageType.REQUEST;
        if (answer && (faults.tamperAnswers() || scenario == Scenario.REFUSED_BAD_SIGNATURE)) {
            vb.spoilt = "had its answer altered";
            content = tampered(content);
            transcript.event(clock.elapsed(), "network", "alters the signature of " + vb.name + "'s answer");
        }
        if (answer && scenario == Scenario.REFUSED_KEY_MISMATCH) {
            SigningKey other = newKey("vb1b");
            content = resigned(content, vb.bot, other);
            vb.spoilt = "signed its answer with " + other.keyId();
            transcript.event(clock.elapsed(), vb.name, "rotated its key mid-handshake: the answer is signed with "
                    + other.keyId() + ", not the " + vb.key.keyId() + " its request pinned");
        }
        if (request && scenario == Scenario.REFUSED_UNSUPPORTED_VERSION) {
            content = resigned(content.deepCopy().put("version", 2), vb.bot, vb.key);
            transcript.event(clock.elapsed(), vb.name, "is a newer bridge: its request says version 2");
        }
        if (request && scenario == Scenario.REFUSED_INVALID_MESSAGE) {
            ObjectNode broken = content.deepCopy();
            broken.remove("remote_account");
            content = resigned(broken, vb.bot, vb.key);
            transcript.event(clock.elapsed(), vb.name, "is broken: its request lacks remote_account");
        }
        Duration hold = Duration.ZERO;
        boolean cancel = s.type() == MessageType.CANCEL;
        if ((answer || cancel) && (faults.expireTimers() || scenario == Scenario.REFUSED_EXPIRED)) {
            // The cancel too: a VB giving up must not end the exchange before the HB's own timer does.
            vb.spoilt = "had its answer held past the challenge's expiry";
            hold = hb.policy.challengeTtl().plusSeconds(1);
            transcript.event(clock.elapsed(), "network", "holds " + vb.name + "'s " + s.type().suffix() + " for "
                    + hold.toSeconds() + " s, past the challenge's expiry");
        }
        if (s.type() == MessageType.HEARTBEAT && scenario == Scenario.REFUSED_HEARTBEAT_SEQ && ++vb.heartbeats == 2) {
            ObjectNode stale = resigned(content.deepCopy().put("seq", 1).put("txn_id", "hb-stale-" + steps),
                    vb.bot, vb.key);
            transcript.event(clock.elapsed(), "network", "replays " + vb.name + "'s first heartbeat (seq 1) under a "
                    + "new txn_id");
            RoomId dm = dmOf(vb);
            overDm("stale heartbeat", Duration.ZERO, () -> hbInput(hb, new HostingInput.RoomMessage(dm, true, vb.bot,
                    s.type().eventType(), stale)));
        }
        boolean direct = scenario != Scenario.IGNORED_OUTSIDE_DM;
        RoomId room = direct ? dmOf(vb) : hb.room;
        if (!direct) {
            transcript.event(clock.elapsed(), vb.name, "posts it in the shared room " + room + ", not in the DM");
        }
        ObjectNode delivered = content;
        overDm(s.type().suffix(), hold, () -> hbInput(hb, new HostingInput.RoomMessage(room, direct, vb.bot,
                s.type().eventType(), delivered)));
        if (answer && scenario == Scenario.REFUSED_REPLAYED) {
            ObjectNode second = content.deepCopy();
            ((ObjectNode) second.path("matrix_proof")).put("event_id", "$proof" + (++eventIds));
            ObjectNode resent = resigned(second, vb.bot, vb.key);
            transcript.message(clock.elapsed(), vb.name, hb.name, "answer", "the same txn_id again, naming another "
                    + "proof event (a VB that restarted and proved again)");
            overDm("second answer", hold, () -> hbInput(hb, new HostingInput.RoomMessage(room, direct, vb.bot,
                    s.type().eventType(), resent)));
        }
    }

    private void leaseRenewed(Vb vb, VisitingOutput.LeaseRenewed l) {
        for (Lease.FillIn f : l.filledIn()) {
            vb.fillAck = Math.max(vb.fillAck, f.fillSeq());
            String what = f.direction().wire() + " " + f.matrixEventId().map(EventId::value).orElse("")
                    + f.remoteMsgid().orElse("");
            skipped.add(what.trim());
            f.matrixEventId().ifPresent(id -> vb.filled.add(id.value()));
            transcript.event(clock.elapsed(), vb.name, "will not relay " + what.trim()
                    + ": the hosting bridge filled it in (fill_seq " + f.fillSeq() + ")");
        }
        if (!l.more()) {
            List<EventId> backlog = new ArrayList<>(vb.backlog);
            vb.backlog.clear();
            for (EventId id : backlog) {
                if (faults.vbIgnoresFillIns() || !vb.filled.contains(id.value())) {
                    vbRelays(vb, id, "from its backlog");
                }
            }
        }
    }

    /** A signed message with one character of its signature changed, as an attacker on the way would. */
    private static ObjectNode tampered(ObjectNode content) {
        ObjectNode copy = content.deepCopy();
        JsonNode sigs = copy.path("signatures");
        String entity = sigs.fieldNames().next();
        ObjectNode byEntity = (ObjectNode) sigs.get(entity);
        String keyId = byEntity.fieldNames().next();
        String sig = byEntity.get(keyId).asText();
        byEntity.put(keyId, (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1));
        return copy;
    }

    /** {@code content} signed afresh by {@code bot} with {@code key} only. */
    private static ObjectNode resigned(ObjectNode content, UserId bot, SigningKey key) {
        ObjectNode bare = content.deepCopy();
        bare.remove("signatures");
        try {
            return JsonSigning.sign(bare, bot.value(), key);
        } catch (CanonicalJsonException e) {
            throw new IllegalStateException("protocol content is canonical JSON", e);
        }
    }

    // ---- the hosting bridge side ----

    private void hbInput(Hb hb, HostingInput input) {
        for (HostingOutput o : hb.engine.handle(input, clock.now())) {
            hbOutput(hb, o);
        }
        hb.engine.deadline().ifPresent(d -> {
            if (hb.wake == null || d.isBefore(hb.wake) || !hb.wake.isAfter(clock.now())) {
                hb.wake = d;
                schedule(d, () -> {
                    if (!clock.now().isBefore(d)) {
                        hbInput(hb, new HostingInput.Tick());
                    }
                });
            }
        });
    }

    private void hbOutput(Hb hb, HostingOutput o) {
        if (o instanceof HostingOutput.Send) {
            HostingOutput.Send s = (HostingOutput.Send) o;
            Optional<Vb> to = vbs.stream().filter(v -> v.hb == hb && v.bot.equals(s.to())).findFirst();
            String name = to.map(v -> v.name).orElse(s.to().value());
            transcript.message(clock.elapsed(), hb.name, name, s.type().suffix(), Describe.message(s.type(), s.content()));
            if (s.type() == MessageType.CHALLENGE && scenario == Scenario.REFUSED_UNKNOWN_TRANSACTION && !restarted) {
                restarted = true;
                // With the challenge on its way and before any proof can arrive, the HB restarts.
                schedule(clock.now().plus(latency), () -> {
                    transcript.event(clock.elapsed(), hb.name, "restarts: the handshake in flight was in memory only",
                            Tone.BAD);
                    hb.restart();
                });
            }
            to.ifPresent(vb -> overDm(s.type().suffix(), Duration.ZERO, () -> {
                if (vb.online) {
                    stepVb(vb, new VisitingInput.Received(hb.bot, s.type().eventType(), s.content()));
                } else {
                    transcript.event(clock.elapsed(), vb.name, "is down: the " + s.type().suffix() + " waits unread");
                }
            }));
        } else if (o instanceof HostingOutput.StepAside) {
            TrustRecord r = ((HostingOutput.StepAside) o).record();
            transcript.event(clock.elapsed(), hb.name, "steps aside for " + r.key().userId() + " on " + r.key().network()
                    + ": alice[m] leaves IRC, the @irc_alice ghost leaves Matrix (epoch " + r.epoch() + ")", Tone.GOOD);
        } else if (o instanceof HostingOutput.StepBackIn) {
            TrustRecord r = ((HostingOutput.StepBackIn) o).ended();
            transcript.event(clock.elapsed(), hb.name, "steps back in for " + r.key().userId() + ": relays as before ("
                    + r.ended().map(e -> e.code().value()).orElse("") + ")");
        } else if (o instanceof HostingOutput.FillInStarted) {
            transcript.event(clock.elapsed(), hb.name, "lease lapsed: fills in for "
                    + ((HostingOutput.FillInStarted) o).record().key().userId());
        } else if (o instanceof HostingOutput.FillInStopped) {
            transcript.event(clock.elapsed(), hb.name, "the visiting bridge is back: stops filling in");
        } else if (o instanceof HostingOutput.NotifyUser) {
            HostingOutput.NotifyUser n = (HostingOutput.NotifyUser) o;
            transcript.message(clock.elapsed(), hb.name, "alice (Matrix)", "notice", "\"" + n.text() + "\"");
        } else if (o instanceof HostingOutput.Refused) {
            HostingOutput.Refused r = (HostingOutput.Refused) o;
            refusals.add(r.code());
            transcript.event(clock.elapsed(), hb.name, "refuses (" + r.code() + "): " + r.reason(), Tone.BAD);
        } else if (o instanceof HostingOutput.Ignored) {
            transcript.event(clock.elapsed(), hb.name, "ignored: " + ((HostingOutput.Ignored) o).reason());
        } else if (o instanceof HostingOutput.Relay) {
            HostingOutput.Relay r = (HostingOutput.Relay) o;
            deliver(r.messageId());
            transcript.message(clock.elapsed(), hb.name, hb.channel, "PRIVMSG", "<alice[m]> " + texts.get(r.messageId())
                    + (r.fillSeq().isPresent() ? "  (filled in for the absent visiting bridge, fill_seq "
                    + r.fillSeq().getAsLong() + ")" : ""));
        }
    }

    private void deliver(String eventId) {
        deliveries.merge(eventId, 1, Integer::sum);
    }

    /** The visiting bridge relays the user's message from alice's own IRC connection, tagged with its origin. */
    private void vbRelays(Vb vb, EventId id, String why) {
        deliver(id.value());
        transcript.message(clock.elapsed(), vb.name, vb.hb.channel, "PRIVMSG",
                "<alice> " + texts.get(id.value()) + "  (+byob.dev/origin=" + id + ", " + why + ")");
        after(() -> hbInput(vb.hb, new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, id.value(),
                vb.ircAccount)));
    }

    /** The user writes in {@code hb}'s room; whoever relays for them there right now carries it to IRC, once. */
    private void userWrites(Hb hb, String text) {
        EventId id = EventId.parse("$msg" + (++eventIds));
        texts.put(id.value(), text);
        transcript.message(clock.elapsed(), "alice (Matrix)", hb.room.value(), "m.text", "\"" + text + "\" (" + id + ")");
        // Both bridges see the event: the HB through its appservice, the VB through alice's /sync.
        hbInput(hb, new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_REMOTE, id.value(), hb.room));
        for (Vb vb : vbs) {
            if (vb.hb != hb || !(vb.state instanceof VisitingState.Trusted)) {
                continue;
            }
            if (vb.online && !((VisitingState.Trusted) vb.state).lapsed()) {
                vbRelays(vb, id, "its lease is live");
            } else {
                vb.backlog.add(id); // seen in /sync when it can, relayed once its lease says what was filled in
            }
        }
    }

    private void userRevokes(Hb hb) {
        transcript.message(clock.elapsed(), "alice (Matrix)", hb.name, "revoke", "typed in a DM with " + hb.bot);
        hbInput(hb, new HostingInput.UserRevoke(USER, Optional.empty()));
    }

    // ---- helpers ----

    private static String hostingLabel(Hb hb) {
        return "hosting bridge" + (hb.name.equals("HB") ? "" : " " + hb.name.substring(2));
    }

    private static RoomId dmOf(Vb vb) {
        return RoomId.parse("!dm-" + vb.bot.localpart() + "-" + vb.hb.bot.localpart() + ":home.example");
    }

    private static Optional<TrustReceipt> receiptOf(Vb vb) {
        if (vb.state instanceof VisitingState.Trusted) {
            return Optional.of(((VisitingState.Trusted) vb.state).receipt());
        }
        return Optional.empty();
    }

    /** The handshake {@code s} is in the middle of, if any. */
    private static Optional<TxnId> handshakeOf(VisitingState s) {
        if (s instanceof VisitingState.Requested) {
            return Optional.of(((VisitingState.Requested) s).request().txnId());
        }
        if (s instanceof VisitingState.Proving) {
            return Optional.of(((VisitingState.Proving) s).request().txnId());
        }
        if (s instanceof VisitingState.Answered) {
            return Optional.of(((VisitingState.Answered) s).request().txnId());
        }
        return Optional.empty();
    }

    private static String name(VisitingState s) {
        return s.getClass().getSimpleName();
    }

    private void summarise(List<TrustRecord> records) {
        transcript.text("");
        if (!deliveries.isEmpty()) {
            boolean once = deliveries.values().stream().allMatch(n -> n == 1);
            transcript.text((once ? "Every message reached IRC exactly once: " : "NOT exactly once: ") + deliveries);
        }
        if (!tombstoned.isEmpty()) {
            transcript.text("Portal rooms tombstoned: " + tombstoned);
        }
        if (records.isEmpty()) {
            for (Hb hb : hbs) {
                transcript.text("No trust record: " + hb.bot + " relays for " + USER + " as before.");
            }
            return;
        }
        for (TrustRecord r : records) {
            transcript.text("Trust record held by " + r.key().hbBot() + (r.active() ? " (in force)" : " (ended)") + ":");
            transcript.text("  user              " + r.key().userId());
            transcript.text("  network           " + r.key().network());
            transcript.text("  remote account    " + r.remoteAccount());
            transcript.text("  visiting bridge   " + r.vb().bot() + ", key " + r.vb().key().keyId() + " "
                    + r.vb().key().publicKeyBase64());
            transcript.text("  proofs            Matrix by " + r.matrixProofMethod() + ", IRC by " + r.remoteProofMethod());
            transcript.text("  established       " + r.establishedAt() + " (" + Transcript.time(clock.elapsed(r.establishedAt())) + ")");
            transcript.text("  epoch             " + r.epoch());
            transcript.text("  handshake         " + r.txnId());
            r.ended().ifPresent(e -> transcript.text("  ended             " + e.code() + " at "
                    + Transcript.time(clock.elapsed(e.at()))));
            ObjectNode json = JsonNodeFactory.instance.objectNode()
                    .put("hb_bot", r.key().hbBot().value())
                    .put("user_id", r.key().userId().value())
                    .put("network", r.key().network().toString())
                    .put("remote_account", r.remoteAccount().name())
                    .put("vb_bot", r.vb().bot().value())
                    .put("vb_key", r.vb().key().keyId() + " " + r.vb().key().publicKeyBase64())
                    .put("matrix_proof", r.matrixProofMethod())
                    .put("remote_proof", r.remoteProofMethod())
                    .put("established_at", r.establishedAt().toString())
                    .put("epoch", r.epoch())
                    .put("active", r.active());
            transcript.record("trust_record", json);
        }
    }
}
