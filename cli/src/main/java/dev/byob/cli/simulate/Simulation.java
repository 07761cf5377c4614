package dev.byob.cli.simulate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.Transition;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A hosting bridge and visiting bridges running the real protocol state machines in one process, on a
 * simulated homeserver and IRC network with virtual time: every message takes {@code latency} to
 * arrive, timers fire when virtual time reaches them, and a run with the same seed is the same run.
 */
public final class Simulation {
    static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
    static final Network NETWORK = Network.irc("libera");
    static final UserId HB_BOT = UserId.parse("@hb:hosting.example");
    static final String HB_IRC_BOT = "HBBot";
    static final UserId USER = UserId.parse("@alice:home.example");
    static final RemoteAccount ACCOUNT = new RemoteAccount("alice");

    private record Pending(Instant at, long seq, Runnable action) {}

    /** One visiting bridge and the user-side pieces it drives. */
    private final class Vb {
        final String name;
        final UserId bot;
        final SigningKey key;
        final VisitingHandshake machine;
        final String ircAccount;
        VisitingState state = VisitingHandshake.initial();
        boolean online = true;
        long fillAck;
        Instant wake;
        /** The user's messages this VB saw while it could not relay them, in order. */
        final List<EventId> backlog = new ArrayList<>();
        /** Whether its answer was altered on the way: then it must never gain trust. */
        boolean tamperedWith;
        /** Messages the HB reported as filled in: never relayed by this VB. */
        final java.util.Set<String> filled = new java.util.HashSet<>();

        Vb(String name, UserId bot, String keyVersion, String ircAccount) {
            this.name = name;
            this.bot = bot;
            byte[] seed = new byte[32];
            random.nextBytes(seed);
            this.key = SigningKey.fromSeed(KeyId.ed25519(keyVersion), seed);
            this.ircAccount = ircAccount;
            VisitingConfig config = VisitingConfig.of(new TrustKey(HB_BOT, USER, NETWORK), ACCOUNT, bot, key,
                    List.of(ProofMethods.MATRIX_DM), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
            this.machine = new VisitingHandshake(config, random);
        }
    }

    private final Scenario scenario;
    private final Faults faults;
    private long steps;
    private final Random random;
    private final Duration latency;
    private final Transcript transcript;
    private final VirtualClock clock = new VirtualClock(START);
    private final PriorityQueue<Pending> queue = new PriorityQueue<>(
            (a, b) -> a.at.equals(b.at) ? Long.compare(a.seq, b.seq) : a.at.compareTo(b.at));
    private final InMemoryTrustStore store = new InMemoryTrustStore();
    private final InMemoryFillInLog fillInLog = new InMemoryFillInLog();
    private final HostingEngine hb;
    private final List<Vb> vbs = new ArrayList<>();
    private final List<String> skipped = new ArrayList<>();
    /** How many times each of the user's messages reached IRC: exactly once is the point. */
    private final Map<String, Integer> deliveries = new java.util.LinkedHashMap<>();
    private long seq;
    private long eventIds;
    private Instant hbWake;

    public Simulation(Scenario scenario, long seed, Duration latency, Transcript transcript) {
        this(scenario, seed, latency, Faults.NONE, transcript);
    }

    /** A run with {@code faults} on the DM between the bridges' bots. */
    public Simulation(Scenario scenario, long seed, Duration latency, Faults faults, Transcript transcript) {
        this.faults = faults;
        this.scenario = scenario;
        this.random = new Random(seed);
        this.latency = latency;
        this.transcript = transcript;
        HostingPolicy policy = HostingPolicy.defaults(HB_BOT, Map.of(NETWORK, HB_IRC_BOT),
                Map.of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)), ProofMethods.MATRIX_ALL);
        this.hb = new HostingEngine(policy, store, fillInLog, random, START);
    }

    /** Runs the scenario to its end and returns the trust records the hosting bridge holds. */
    public List<TrustRecord> run() {
        Vb first = new Vb("VB", UserId.parse("@vb:home.example"), "vb1", ACCOUNT.name());
        vbs.add(first);
        transcript.text("byob simulate: " + scenario.id() + " (" + scenario.description() + ")");
        transcript.text("  hosting bridge   " + HB_BOT + ", IRC bot " + HB_IRC_BOT + " on " + NETWORK);
        transcript.text("  visiting bridge  " + first.bot + ", key " + first.key.keyId() + " "
                + first.key.verifyKey().publicKeyBase64());
        transcript.text("  user             " + USER + ", IRC services account " + ACCOUNT);
        transcript.text("  every message takes " + latency.toMillis() + " ms (virtual time)");
        transcript.text("");
        switch (scenario) {
            case HAPPY_PATH:
                at(Duration.ZERO, () -> stepVb(first, new VisitingInput.Start()));
                runUntil(Duration.ofSeconds(45));
                break;
            case WRONG_ACCOUNT:
                Vb wrong = new Vb("VB", UserId.parse("@vb:home.example"), "vb1", "mallory");
                vbs.set(0, wrong);
                at(Duration.ZERO, () -> stepVb(wrong, new VisitingInput.Start()));
                runUntil(Duration.ofSeconds(5));
                break;
            case OVERRIDE: {
                Vb second = new Vb("VB2", UserId.parse("@vb2:home.example"), "vb2", ACCOUNT.name());
                vbs.add(second);
                at(Duration.ZERO, () -> stepVb(first, new VisitingInput.Start()));
                at(Duration.ofSeconds(10), () -> {
                    transcript.event(clock.elapsed(), "VB2", "a second visiting bridge starts for the same user");
                    stepVb(second, new VisitingInput.Start());
                });
                runUntil(Duration.ofSeconds(45));
                break;
            }
            case RACE: {
                Vb second = new Vb("VB2", UserId.parse("@vb2:home.example"), "vb2", ACCOUNT.name());
                vbs.add(second);
                at(Duration.ZERO, () -> stepVb(first, new VisitingInput.Start()));
                at(Duration.ofMillis(5), () -> stepVb(second, new VisitingInput.Start()));
                runUntil(Duration.ofSeconds(45));
                break;
            }
            case REVOKE:
                at(Duration.ZERO, () -> stepVb(first, new VisitingInput.Start()));
                at(Duration.ofSeconds(10), () -> {
                    transcript.message(clock.elapsed(), "alice (Matrix)", "HB", "revoke", "typed in a DM with " + HB_BOT);
                    hbInput(new HostingInput.UserRevoke(USER, Optional.empty()));
                });
                runUntil(Duration.ofSeconds(45));
                break;
            case LEASE_LAPSE:
                at(Duration.ZERO, () -> stepVb(first, new VisitingInput.Start()));
                at(Duration.ofSeconds(3), () -> userWrites("hello from my own bridge"));
                at(Duration.ofSeconds(5), () -> {
                    first.online = false;
                    transcript.event(clock.elapsed(), "VB", "goes down (power cut)");
                });
                at(Duration.ofSeconds(120), () -> userWrites("hello, anyone?"));
                at(Duration.ofSeconds(149), () -> userWrites("still there?"));
                at(Duration.ofMillis(150_030), () -> userWrites("are you back?"));
                at(Duration.ofSeconds(160), () -> userWrites("welcome back"));
                at(Duration.ofSeconds(150), () -> {
                    first.online = true;
                    Optional<TrustReceipt> receipt = receiptOf(first);
                    transcript.event(clock.elapsed(), "VB", "comes back and resumes from its stored receipt");
                    receipt.ifPresent(r -> {
                        first.state = VisitingHandshake.resume(r, first.fillAck, clock.now());
                        stepVb(first, new VisitingInput.Tick());
                    });
                });
                runUntil(Duration.ofSeconds(200));
                break;
            default:
                throw new AssertionError(scenario);
        }
        if (faults.any()) {
            // Lost messages are recovered by resends, heartbeats and stale fill-ins, which take minutes of
            // virtual time: let the run settle before its outcome is judged.
            runUntil(clock.elapsed().plusMinutes(15));
        }
        List<TrustRecord> records = store.all();
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

    /** A message in the DM between the bots: subject to the run's faults. */
    private void overDm(String what, Runnable delivery) {
        if (faults.drop() > 0 && random.nextDouble() < faults.drop()) {
            transcript.event(clock.elapsed(), "network", "loses the " + what);
            return;
        }
        schedule(clock.now().plus(latency).plusMillis(jitter()), delivery);
        if (faults.duplicate() > 0 && random.nextDouble() < faults.duplicate()) {
            transcript.event(clock.elapsed(), "network", "delivers the " + what + " twice");
            schedule(clock.now().plus(latency).plusMillis(jitter()), delivery);
        }
        if (faults.replayMs() > 0) {
            schedule(clock.now().plus(latency).plusMillis(faults.replayMs()), () -> {
                transcript.event(clock.elapsed(), "network", "replays an old " + what);
                delivery.run();
            });
        }
    }

    /** A signed answer with one character of its signature changed, as an attacker on the way would. */
    private ObjectNode tampered(ObjectNode content) {
        ObjectNode copy = content.deepCopy();
        JsonNode sigs = copy.path("signatures");
        String entity = sigs.fieldNames().next();
        ObjectNode byEntity = (ObjectNode) sigs.get(entity);
        String keyId = byEntity.fieldNames().next();
        String sig = byEntity.get(keyId).asText();
        byEntity.put(keyId, (sig.charAt(0) == 'A' ? 'B' : 'A') + sig.substring(1));
        return copy;
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
     * The rules no run may break, whatever the faults: one trust record in force per user, network and
     * hosting bridge; no message reaches IRC twice; a visiting bridge that proved another account never
     * gains trust; a visiting bridge believes it holds trust only at the epoch the hosting bridge granted.
     */
    private void checkInvariants() {
        java.util.Map<TrustKey, Long> active = new java.util.HashMap<>();
        for (TrustRecord r : store.all()) {
            if (r.active()) {
                active.merge(r.key(), 1L, Long::sum);
            }
        }
        active.forEach((k, n) -> {
            if (n > 1) {
                throw new InvariantViolation("one-record-in-force", steps, n + " records in force for " + k);
            }
        });
        deliveries.forEach((id, n) -> {
            if (n > 1) {
                throw new InvariantViolation("no-duplicate-delivery", steps, id + " reached IRC " + n + " times");
            }
        });
        for (Vb vb : vbs) {
            boolean wrongAccount = !vb.ircAccount.equals(ACCOUNT.name()) || vb.tamperedWith;
            if (vb.state instanceof VisitingState.Trusted) {
                long epoch = ((VisitingState.Trusted) vb.state).receipt().epoch();
                if (wrongAccount) {
                    throw new InvariantViolation("refused-never-trusted", steps, vb.name
                            + (vb.tamperedWith ? "'s answer was altered" : " proved account " + vb.ircAccount)
                            + " yet it holds trust");
                }
                boolean granted = store.find(new TrustKey(HB_BOT, USER, NETWORK), epoch)
                        .map(r -> r.vb().bot().equals(vb.bot)).orElse(false);
                if (!granted) {
                    throw new InvariantViolation("trust-only-as-granted", steps, vb.name + " believes it holds epoch "
                            + epoch + ", which the hosting bridge never granted it");
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

    private void stepVb(Vb vb, VisitingInput input) {
        if (!vb.online) {
            return;
        }
        Transition<VisitingState, VisitingOutput> t = vb.machine.step(vb.state, input, clock.now());
        VisitingState before = vb.state;
        vb.state = t.state();
        if (!before.getClass().equals(vb.state.getClass())) {
            transcript.event(clock.elapsed(), vb.name, "state " + name(before) + " → " + name(vb.state));
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
            VisitingOutput.Send s = (VisitingOutput.Send) o;
            transcript.message(clock.elapsed(), vb.name, "HB", s.type().suffix(), Describe.message(s.type(), s.content()));
            RoomId dm = dmOf(vb);
            ObjectNode content = s.content();
            if (faults.tamperAnswers() && s.type() == MessageType.ANSWER) {
                vb.tamperedWith = true;
                content = tampered(content);
                transcript.event(clock.elapsed(), "network", "alters the signature of " + vb.name + "'s answer");
            }
            ObjectNode delivered = content;
            overDm(s.type().suffix(), () -> hbInput(new HostingInput.RoomMessage(dm, true, vb.bot, s.type().eventType(),
                    delivered)));
        } else if (o instanceof VisitingOutput.MakeMatrixProof) {
            VisitingOutput.MakeMatrixProof m = (VisitingOutput.MakeMatrixProof) o;
            RoomId userDm = RoomId.parse("!alice-hb:home.example");
            EventId eventId = EventId.parse("$proof" + (++eventIds));
            transcript.message(clock.elapsed(), "alice (Matrix)", "HB", "matrix_proof",
                    "sent by the VB as " + USER + " in the DM " + userDm + " with " + HB_BOT);
            after(() -> {
                hbInput(new HostingInput.MatrixProofSeen(m.method(), USER, Optional.of(userDm), Optional.of(eventId),
                        true, false, m.content()));
                stepVb(vb, new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(m.method(), Optional.of(eventId),
                        Optional.of(userDm), Optional.empty())));
            });
        } else if (o instanceof VisitingOutput.MakeRemoteProof) {
            VisitingOutput.MakeRemoteProof r = (VisitingOutput.MakeRemoteProof) o;
            transcript.message(clock.elapsed(), "alice (IRC)", r.target(), "PRIVMSG",
                    "\"" + Describe.shortNonceText(r.text()) + "\" from a connection logged in to account " + vb.ircAccount);
            after(() -> {
                hbInput(new HostingInput.RemoteMessageSeen(NETWORK, "alice", Optional.of(vb.ircAccount), r.text()));
                stepVb(vb, new VisitingInput.RemoteProofMade());
            });
        } else if (o instanceof VisitingOutput.TrustEstablished) {
            transcript.event(clock.elapsed(), vb.name, "trust established at epoch "
                    + ((VisitingOutput.TrustEstablished) o).receipt().epoch() + "; double-puppets alice from now on");
        } else if (o instanceof VisitingOutput.LeaseRenewed) {
            VisitingOutput.LeaseRenewed l = (VisitingOutput.LeaseRenewed) o;
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
        } else if (o instanceof VisitingOutput.LeaseLapsed) {
            transcript.event(clock.elapsed(), vb.name, "lease ran out by its own clock: stops relaying");
        } else if (o instanceof VisitingOutput.TrustEnded) {
            VisitingOutput.TrustEnded e = (VisitingOutput.TrustEnded) o;
            transcript.event(clock.elapsed(), vb.name, "trust ended (" + e.code() + "): " + e.reason());
        } else if (o instanceof VisitingOutput.HandshakeFailed) {
            VisitingOutput.HandshakeFailed f = (VisitingOutput.HandshakeFailed) o;
            transcript.event(clock.elapsed(), vb.name, "handshake failed (" + f.code() + "): " + f.reason());
        } else if (o instanceof VisitingOutput.Ignored) {
            transcript.event(clock.elapsed(), vb.name, "ignored: " + ((VisitingOutput.Ignored) o).reason());
        }
    }

    // ---- the hosting bridge side ----

    private void hbInput(HostingInput input) {
        for (HostingOutput o : hb.handle(input, clock.now())) {
            hbOutput(o);
        }
        hb.deadline().ifPresent(d -> {
            if (hbWake == null || d.isBefore(hbWake) || !hbWake.isAfter(clock.now())) {
                hbWake = d;
                schedule(d, () -> {
                    if (!clock.now().isBefore(d)) {
                        hbInput(new HostingInput.Tick());
                    }
                });
            }
        });
    }

    private void hbOutput(HostingOutput o) {
        if (o instanceof HostingOutput.Send) {
            HostingOutput.Send s = (HostingOutput.Send) o;
            Optional<Vb> to = vbs.stream().filter(v -> v.bot.equals(s.to())).findFirst();
            String name = to.map(v -> v.name).orElse(s.to().value());
            transcript.message(clock.elapsed(), "HB", name, s.type().suffix(), Describe.message(s.type(), s.content()));
            to.ifPresent(vb -> overDm(s.type().suffix(), () -> {
                if (vb.online) {
                    stepVb(vb, new VisitingInput.Received(HB_BOT, s.type().eventType(), s.content()));
                } else {
                    transcript.event(clock.elapsed(), vb.name, "is down: the " + s.type().suffix() + " waits unread");
                }
            }));
        } else if (o instanceof HostingOutput.StepAside) {
            TrustRecord r = ((HostingOutput.StepAside) o).record();
            transcript.event(clock.elapsed(), "HB", "steps aside for " + r.key().userId() + " on " + r.key().network()
                    + ": alice[m] leaves IRC, the @irc_alice ghost leaves Matrix (epoch " + r.epoch() + ")");
        } else if (o instanceof HostingOutput.StepBackIn) {
            TrustRecord r = ((HostingOutput.StepBackIn) o).ended();
            transcript.event(clock.elapsed(), "HB", "steps back in for " + r.key().userId() + ": relays as before ("
                    + r.ended().map(e -> e.code().value()).orElse("") + ")");
        } else if (o instanceof HostingOutput.FillInStarted) {
            transcript.event(clock.elapsed(), "HB", "lease lapsed: fills in for " + ((HostingOutput.FillInStarted) o).record().key().userId());
        } else if (o instanceof HostingOutput.FillInStopped) {
            transcript.event(clock.elapsed(), "HB", "the visiting bridge is back: stops filling in");
        } else if (o instanceof HostingOutput.NotifyUser) {
            HostingOutput.NotifyUser n = (HostingOutput.NotifyUser) o;
            transcript.message(clock.elapsed(), "HB", "alice (Matrix)", "notice", "\"" + n.text() + "\"");
        } else if (o instanceof HostingOutput.Refused) {
            HostingOutput.Refused r = (HostingOutput.Refused) o;
            transcript.event(clock.elapsed(), "HB", "refuses (" + r.code() + "): " + r.reason());
        } else if (o instanceof HostingOutput.Ignored) {
            transcript.event(clock.elapsed(), "HB", "ignored: " + ((HostingOutput.Ignored) o).reason());
        } else if (o instanceof HostingOutput.Relay) {
            HostingOutput.Relay r = (HostingOutput.Relay) o;
            deliver(r.messageId());
            transcript.message(clock.elapsed(), "HB", "#libera-room", "PRIVMSG", "<alice[m]> " + texts.get(r.messageId())
                    + (r.fillSeq().isPresent() ? "  (filled in for the absent visiting bridge, fill_seq "
                    + r.fillSeq().getAsLong() + ")" : ""));
        }
    }

    private final Map<String, String> texts = new java.util.HashMap<>();

    private void deliver(String eventId) {
        deliveries.merge(eventId, 1, Integer::sum);
    }

    /** The visiting bridge relays the user's message from alice's own IRC connection, tagged with its origin. */
    private void vbRelays(Vb vb, EventId id, String why) {
        deliver(id.value());
        transcript.message(clock.elapsed(), vb.name, "#libera-room", "PRIVMSG",
                "<alice> " + texts.get(id.value()) + "  (+byob.dev/origin=" + id + ", " + why + ")");
        after(() -> hbInput(new HostingInput.RelaySeen(NETWORK, Lease.Direction.TO_REMOTE, id.value(), vb.ircAccount)));
    }

    /** The user writes on Matrix; whoever relays for them right now carries it to IRC, once. */
    private void userWrites(String text) {
        EventId id = EventId.parse("$msg" + (++eventIds));
        texts.put(id.value(), text);
        transcript.message(clock.elapsed(), "alice (Matrix)", "#room", "m.text", "\"" + text + "\" (" + id + ")");
        // Both bridges see the event: the HB through its appservice, the VB through alice's /sync.
        hbInput(new HostingInput.UserMessageSeen(USER, NETWORK, Lease.Direction.TO_REMOTE, id.value(),
                RoomId.parse("!room:hosting.example")));
        for (Vb vb : vbs) {
            if (!(vb.state instanceof VisitingState.Trusted)) {
                continue;
            }
            if (vb.online && !((VisitingState.Trusted) vb.state).lapsed()) {
                vbRelays(vb, id, "its lease is live");
            } else {
                vb.backlog.add(id); // seen in /sync when it can, relayed once its lease says what was filled in
            }
        }
    }

    // ---- helpers ----

    private static RoomId dmOf(Vb vb) {
        return RoomId.parse("!dm-" + vb.bot.localpart() + ":home.example");
    }

    private static Optional<TrustReceipt> receiptOf(Vb vb) {
        if (vb.state instanceof VisitingState.Trusted) {
            return Optional.of(((VisitingState.Trusted) vb.state).receipt());
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
        if (records.isEmpty()) {
            transcript.text("No trust record: " + HB_BOT + " relays for " + USER + " as before.");
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

    /** The event type's short name, for JSON consumers that look up a message in the spec. */
    static String shortType(JsonNode node) {
        return MessageType.fromEventType(node.asText()).map(MessageType::suffix).orElse(node.asText());
    }
}
