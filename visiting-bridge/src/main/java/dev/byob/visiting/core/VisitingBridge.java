package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslPlain;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.protocol.visiting.VisitingEngine;
import dev.byob.protocol.visiting.VisitingEngineOutput;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.kit.matrix.SyncRequest;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.IrcNetworkConfig;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.store.StateFile;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running visiting bridge for one user. Everything that touches the {@link VisitingEngine} and the state runs
 * on one core thread; the {@code /sync} long polls of the user (and of the bridge's bot, when it has one) run on
 * their own threads and hand each answer to the core, and the IRC connections report to it.
 *
 * <p>The core finds bridged rooms from MSC2346 state events sent by their bridge bot, runs one handshake per
 * hosting bridge and network, keeps one canonical DM per hosting bridge bot (created with {@code is_direct},
 * remembered, reused), makes the Matrix proof ({@code dm}) as the user and the IRC proof from the user's own
 * SASL-logged-in connection, renews leases at the engine's deadlines, and persists trust receipts so that a
 * restart resumes with heartbeats, without a new handshake.
 *
 * <p>While trust with a hosting bridge is in force, the user's IRC connection joins the channels of that bridge's
 * rooms and the core relays the user's own messages (§11.2, §12.5): the user's Matrix messages to the channel from
 * that connection, tagged {@code +byob.dev/origin=<event id>}, and the lines of the user's other IRC clients
 * (logged in to the same account) to the room as the user, with {@code org.matrix.msc3647.source} and the
 * transaction id {@code byob.relay.<msgid>}. Relays observed (by anyone) are reported to the engine; its own
 * echoes and relays are never relayed back, nor other people's messages.
 */
public final class VisitingBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisitingBridge.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String STATE_FILE = "state.json";
    private static final Duration LONG_POLL = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** The IRCv3 client-only tag naming the Matrix event a line relays (§12.1). */
    static final String ORIGIN_TAG = "+byob.dev/origin";
    /** The content field naming the IRC line a Matrix event relays (§4.14). */
    static final String SOURCE_FIELD = "org.matrix.msc3647.source";
    /** How many observed user messages are kept for relaying (now, or from the backlog later). */
    private static final int MAX_PENDING = 10_000;

    /** One Matrix account the bridge acts as, and its DMs with hosting bridges' bots. */
    /** A user message waiting for the engine's {@code RelayNow}. */
    private record Pending(RoomId room, Formatting.Message message) {}

    private final class Account {
        final String name;
        final UserId id;
        final MatrixClient client;
        final Map<UserId, Dm> dms = new LinkedHashMap<>();
        volatile String since;
        Thread poller;

        Account(String name, UserId id, MatrixClient client) {
            this.name = name;
            this.id = id;
            this.client = client;
        }
    }

    /** A DM with one hosting bridge bot; actions wait until the bot has joined it. */
    private static final class Dm {
        final RoomId room;
        boolean ready;
        final List<Runnable> waiting = new ArrayList<>();

        Dm(RoomId room, boolean ready) {
            this.room = room;
            this.ready = ready;
        }
    }

    private final VisitingBridgeConfig config;
    private final Account user;
    private final Account bot;
    private final Map<String, IrcConnection> irc = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<IrcOutput.Registered>> ircStarted = new LinkedHashMap<>();
    private final VisitingEngine engine;
    private final StateFile state;
    private final ScheduledExecutorService core;
    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    /** The rooms with a valid MSC2346 event, and what they are bridged to. */
    private final Map<RoomId, BridgeInfo> bridged = new HashMap<>();
    /** The user's messages observed and not relayed yet, by direction and message id, oldest first. */
    private final Map<String, Pending> pending = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Pending> eldest) {
            return size() > MAX_PENDING;
        }
    };
    /** Per network id, the channels (case-folded) a JOIN was sent for on the current connection. */
    private final Map<String, Set<String>> joined = new HashMap<>();
    private final List<String> relayed = Collections.synchronizedList(new ArrayList<>());
    private ScheduledFuture<?> tick;
    private volatile boolean running;

    private VisitingBridge(VisitingBridgeConfig config, Credentials credentials, StateFile state) {
        this.config = config;
        this.state = state;
        this.user = new Account("user", config.user(),
                MatrixClient.builder(config.homeserver(), credentials.userToken().reveal()).build());
        this.bot = config.bot().isEmpty() ? user : new Account("bot", config.bot().get(),
                MatrixClient.builder(config.homeserver(), credentials.botToken().orElseThrow().reveal()).build());
        List<VisitingEngine.ServedNetwork> served = new ArrayList<>();
        for (IrcNetworkConfig n : config.ircNetworks()) {
            served.add(new VisitingEngine.ServedNetwork(n.network(), new RemoteAccount(n.account()),
                    List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)));
            IrcSessionConfig session = IrcSessionConfig.of(n.nick())
                    .withSasl(SaslPlain.of(n.account(), credentials.ircPasswords().get(n.id()).reveal()));
            IrcConnection.Builder b = IrcConnection.builder(n.host(), n.port(), session).listener(ircListener(n));
            if (n.tls()) {
                b.tls();
            }
            irc.put(n.id(), b.build());
        }
        this.engine = new VisitingEngine(config.user(), config.vbBot(), credentials.signingKey(), served,
                List.of(ProofMethods.MATRIX_DM), new SecureRandom());
        this.core = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vb-core");
            t.setDaemon(true);
            return t;
        });
    }

    /** A bridge for {@code config}, its state in the data directory. Nothing is started yet. */
    public static VisitingBridge create(VisitingBridgeConfig config, Credentials credentials) throws IOException {
        Credentials.createDataDir(config.dataDir());
        return new VisitingBridge(config, credentials, StateFile.open(config.dataDir().resolve(STATE_FILE)));
    }

    /** Resumes the trust held before, connects to IRC and starts the long polls. */
    public VisitingBridge start() {
        running = true;
        call(() -> {
            user.since = state.userNextBatch().orElse(null);
            if (bot != user) {
                bot.since = state.botNextBatch().orElse(null);
            }
            state.pairDms().forEach((hb, room) -> bot.dms.put(hb, new Dm(room, true)));
            if (bot != user) {
                state.userDms().forEach((hb, room) -> user.dms.put(hb, new Dm(room, true)));
            }
            Instant now = Instant.now();
            for (StateFile.StoredTrust st : state.trust().values()) {
                TrustReceipt r = st.receipt();
                if (!r.key().userId().equals(config.user())
                        || config.ircNetworks().stream().noneMatch(n -> n.network().equals(r.key().network()))) {
                    continue;
                }
                LOG.info("resuming trust with {} (epoch {}) without a new handshake", r.key(), r.epoch());
                handle(engine.resume(r, st.fillAck(), now));
            }
            return null;
        });
        irc.forEach((id, conn) -> ircStarted.put(id, conn.start()));
        startPoller(user);
        if (bot != user) {
            startPoller(bot);
        }
        return this;
    }

    /** Stops the long polls, the IRC connections and the core. The state stays for the next start. */
    public void stop() {
        running = false;
        for (Account a : bot == user ? List.of(user) : List.of(user, bot)) {
            if (a.poller != null) {
                a.poller.interrupt();
            }
            a.client.close();
        }
        irc.values().forEach(IrcConnection::close);
        core.shutdownNow();
        try {
            for (Account a : bot == user ? List.of(user) : List.of(user, bot)) {
                if (a.poller != null) {
                    a.poller.join(5_000);
                }
            }
            core.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** The state of every relation with a hosting bridge. */
    public Map<TrustKey, VisitingState> relations() {
        return call(engine::relations);
    }

    /** The byob event types sent in DMs with hosting bridges' bots so far, in order. */
    public List<String> sentTypes() {
        synchronized (sent) {
            return List.copyOf(sent);
        }
    }

    /** The relays made so far, in order: {@code to_remote <event id>} and {@code to_matrix <msgid>}. */
    public List<String> relayed() {
        synchronized (relayed) {
            return List.copyOf(relayed);
        }
    }

    // ---- sync ----

    private void startPoller(Account a) {
        String filter = filter(a);
        a.poller = new Thread(() -> poll(a, filter), "vb-sync-" + a.name);
        a.poller.setDaemon(true);
        a.poller.start();
    }

    private String filter(Account a) {
        ObjectNode f = JSON.createObjectNode();
        f.putObject("presence").putArray("types");
        f.putObject("account_data").putArray("types").add("m.direct");
        ObjectNode room = f.putObject("room");
        ArrayNode stateTypes = room.putObject("state").putArray("types");
        if (a == user) {
            stateTypes.add(BridgeInfo.M_BRIDGE).add(BridgeInfo.HALF_SHOT_BRIDGE);
        }
        room.putObject("timeline").put("limit", 50);
        room.putObject("ephemeral").putArray("types");
        room.putObject("account_data").putArray("types");
        return f.toString();
    }

    private void poll(Account a, String filter) {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try {
                SyncRequest request = new SyncRequest(Optional.of(filter), Optional.ofNullable(a.since),
                        a.since == null ? Duration.ZERO : LONG_POLL, false);
                JsonNode answer = a.client.sync(request);
                core.submit(() -> onSync(a, answer)).get();
                backoff = Duration.ofSeconds(1);
            } catch (MatrixRequestException e) {
                if (!running) {
                    return;
                }
                LOG.warn("/sync of the {} failed, trying again in {} s: {}", a.name, backoff.toSeconds(),
                        e.getMessage());
                try {
                    Thread.sleep(backoff.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | java.util.concurrent.RejectedExecutionException e) {
                if (running) {
                    LOG.error("handling the {}'s /sync failed", a.name, e.getCause() == null ? e : e.getCause());
                }
                return;
            }
        }
    }

    private void onSync(Account a, JsonNode answer) {
        Instant now = Instant.now();
        boolean initial = a.since == null;
        JsonNode join = answer.path("rooms").path("join");
        for (var it = join.fields(); it.hasNext(); ) {
            var entry = it.next();
            RoomId room = RoomId.parse(entry.getKey());
            if (a == user) {
                for (JsonNode e : entry.getValue().path("state").path("events")) {
                    bridgeEvent(room, e, now);
                }
            }
            for (JsonNode e : entry.getValue().path("timeline").path("events")) {
                if (a == user && e.has("state_key")) {
                    bridgeEvent(room, e, now);
                }
                dmEvent(a, room, e, now);
                if (a == user && !e.has("state_key")) {
                    matrixMessage(room, e, initial);
                }
            }
        }
        String next = answer.path("next_batch").asText(null);
        if (next != null) {
            a.since = next;
            if (a == user) {
                state.userNextBatch(next);
            } else {
                state.botNextBatch(next);
            }
        }
        if (initial) {
            // The readiness signal operators (and the benchmark) look for.
            LOG.info("first /sync of the {} handled: {} joined rooms, {} bridged", a.name, join.size(), bridged.size());
        }
    }

    private void bridgeEvent(RoomId room, JsonNode e, Instant now) {
        String type = e.path("type").asText();
        if (!BridgeInfo.isBridgeEventType(type) || !e.path("sender").isTextual()) {
            return;
        }
        BridgeInfo.Reading reading = BridgeInfo.read(type, e.path("state_key").asText(),
                UserId.parse(e.get("sender").textValue()), e.path("content"));
        switch (reading.verdict()) {
            case VALID -> {
                BridgeInfo info = reading.info().orElseThrow();
                LOG.debug("{} is bridged to {} {} by {}", room, info.network(), info.channel(), info.hbBot());
                bridged.put(room, info);
                handle(engine.bridgeSeen(room, info, now));
            }
            case FORGED -> LOG.warn("ignoring a bridge event in {}: {}", room, reading.reason());
            case MALFORMED -> LOG.debug("ignoring a bridge event in {}: {}", room, reading.reason());
            default -> { }
        }
    }

    private void dmEvent(Account a, RoomId room, JsonNode e, Instant now) {
        UserId hbBot = null;
        Dm dm = null;
        for (Map.Entry<UserId, Dm> d : a.dms.entrySet()) {
            if (d.getValue().room.equals(room)) {
                hbBot = d.getKey();
                dm = d.getValue();
            }
        }
        if (dm == null || !hbBot.value().equals(e.path("sender").asText())) {
            return;
        }
        String type = e.path("type").asText();
        if ("m.room.member".equals(type) && hbBot.value().equals(e.path("state_key").asText())
                && "join".equals(e.path("content").path("membership").asText())) {
            ready(dm);
        } else if (a == bot && type.startsWith(MessageType.PREFIX)) {
            ready(dm);
            JsonNode ts = e.get("origin_server_ts");
            handle(engine.received(hbBot, type, e.path("content"),
                    ts == null || !ts.canConvertToLong() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ts.asLong())),
                    now));
        }
    }

    private void ready(Dm dm) {
        if (dm.ready) {
            return;
        }
        dm.ready = true;
        List<Runnable> waiting = new ArrayList<>(dm.waiting);
        dm.waiting.clear();
        waiting.forEach(Runnable::run);
    }

    // ---- outputs ----

    private void handle(List<VisitingEngineOutput> outputs) {
        for (VisitingEngineOutput o : outputs) {
            if (o instanceof VisitingEngineOutput.ForRelation fr) {
                relationOutput(fr.key(), fr.output());
            } else if (o instanceof VisitingEngineOutput.RelayNow relay) {
                relay(relay);
            }
        }
        joinChannels();
        reschedule();
    }

    private void relationOutput(TrustKey key, VisitingOutput o) {
        if (o instanceof VisitingOutput.Send s) {
            withDm(bot, s.to(), room -> {
                bot.client.sendMessageEvent(room, s.type().eventType(), s.content(), s.clientTxnId());
                sent.add(s.type().eventType());
                if (s.type() == MessageType.HEARTBEAT) {
                    LOG.debug("sent {} to {}", s.type().eventType(), s.to());
                } else {
                    LOG.info("sent {} to {}", s.type().eventType(), s.to());
                }
            });
        } else if (o instanceof VisitingOutput.MakeMatrixProof m) {
            if (!ProofMethods.MATRIX_DM.equals(m.method())) {
                handle(engine.proof(key, new VisitingInput.ProofFailed(true, m.method() + " is not supported"),
                        Instant.now()));
                return;
            }
            withDm(user, m.hbBot(), room -> {
                String txn = "byob.matrix_proof." + m.content().path("txn_id").asText();
                EventId id = user.client.sendMessageEvent(room, MessageType.MATRIX_PROOF.eventType(), m.content(), txn);
                LOG.info("made the Matrix proof for {} in {}", key, room);
                handle(engine.proof(key, new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(m.method(),
                        Optional.of(id), Optional.of(room), Optional.empty())), Instant.now()));
            });
        } else if (o instanceof VisitingOutput.MakeRemoteProof r) {
            remoteProof(key, r);
        } else if (o instanceof VisitingOutput.TrustEstablished t) {
            state.trust(t.receipt(), 0);
            LOG.info("trust established with {} (epoch {}): the hosting bridge steps aside", key, t.receipt().epoch());
        } else if (o instanceof VisitingOutput.LeaseRenewed renewed) {
            engine.state(key).ifPresent(s -> {
                if (s instanceof VisitingState.Trusted t) {
                    state.trust(t.receipt(), t.fillAck());
                }
            });
            LOG.debug("lease with {} renewed until {}", key, renewed.until());
        } else if (o instanceof VisitingOutput.LeaseLapsed) {
            LOG.warn("the lease with {} lapsed: the hosting bridge fills in until it is renewed", key);
        } else if (o instanceof VisitingOutput.TrustEnded ended) {
            state.forget(key);
            LOG.info("trust with {} ended ({}): {}", key, ended.code(), ended.reason());
        } else if (o instanceof VisitingOutput.HandshakeFailed failed) {
            LOG.warn("the handshake with {} failed ({}{}): {}", key, failed.code(), failed.byPeer() ? ", by the hosting"
                    + " bridge" : "", failed.reason());
        } else if (o instanceof VisitingOutput.Ignored ignored) {
            LOG.debug("{}: ignored: {}", key, ignored.reason());
        }
    }

    private void remoteProof(TrustKey key, VisitingOutput.MakeRemoteProof r) {
        String id = key.network().id();
        IrcConnection conn = irc.get(id);
        CompletableFuture<IrcOutput.Registered> started = ircStarted.get(id);
        if (conn == null || started == null) {
            handle(engine.proof(key, new VisitingInput.ProofFailed(false, "no IRC connection to " + id),
                    Instant.now()));
            return;
        }
        started.thenCompose(reg -> conn.send(IrcMessage.of("PRIVMSG", r.target(), r.text())))
                .whenComplete((v, e) -> core.execute(() -> {
                    if (e == null) {
                        LOG.info("made the IRC proof for {} to {}", key, r.target());
                    } else {
                        LOG.warn("could not make the IRC proof for {}: {}", key, e.getMessage());
                    }
                    handle(engine.proof(key, e == null ? new VisitingInput.RemoteProofMade()
                            : new VisitingInput.ProofFailed(false, String.valueOf(e.getMessage())), Instant.now()));
                }));
    }

    /** Runs {@code action} in {@code a}'s DM with {@code hbBot} once the bot is in it, creating the DM if needed. */
    private void withDm(Account a, UserId hbBot, RoomAction action) {
        Runnable run = () -> {
            try {
                action.run(a.dms.get(hbBot).room);
            } catch (MatrixRequestException e) {
                LOG.warn("acting in the DM of the {} with {} failed (the handshake resends): {}", a.name, hbBot,
                        e.getMessage());
            }
        };
        Dm dm = a.dms.get(hbBot);
        if (dm != null) {
            if (dm.ready) {
                run.run();
            } else {
                dm.waiting.add(run);
            }
            return;
        }
        RoomId room;
        try {
            room = a.client.createRoom(CreateRoomOptions.builder().direct(true).preset(RoomPreset.TRUSTED_PRIVATE_CHAT)
                    .invite(hbBot).build());
        } catch (MatrixRequestException e) {
            LOG.warn("could not create a DM of the {} with {} (tried again on the next resend): {}", a.name, hbBot,
                    e.getMessage());
            return;
        }
        LOG.info("created the DM {} of the {} with {}", room, a.name, hbBot);
        dm = new Dm(room, false);
        dm.waiting.add(run);
        a.dms.put(hbBot, dm);
        if (a == bot) {
            state.pairDm(hbBot, room);
        } else {
            state.userDm(hbBot, room);
        }
        recordDirect(a, hbBot, room);
    }

    private void recordDirect(Account a, UserId hbBot, RoomId room) {
        try {
            ObjectNode direct = a.client.getAccountData(a.id, "m.direct")
                    .filter(JsonNode::isObject).map(n -> (ObjectNode) n.deepCopy()).orElseGet(JSON::createObjectNode);
            JsonNode rooms = direct.get(hbBot.value());
            ArrayNode list = rooms instanceof ArrayNode arr ? arr : direct.putArray(hbBot.value());
            list.add(room.value());
            a.client.putAccountData(a.id, "m.direct", direct);
        } catch (MatrixRequestException e) {
            LOG.warn("could not record {} in the m.direct of the {}: {}", room, a.name, e.getMessage());
        }
    }

    @FunctionalInterface
    private interface RoomAction {
        void run(RoomId room);
    }

    // ---- relaying ----

    /** An event in one of the user's rooms: a relay observed, or the user's own message to relay. */
    private void matrixMessage(RoomId room, JsonNode e, boolean initial) {
        if (!"m.room.message".equals(e.path("type").asText())) {
            return;
        }
        JsonNode content = e.path("content");
        JsonNode source = content.get(SOURCE_FIELD);
        if (source != null) {
            String msgid = source.path("msgid").asText("");
            if (!msgid.isEmpty()) {
                engine.relaySeen(Lease.Direction.TO_MATRIX, msgid);
            }
            return;
        }
        String eventId = e.path("event_id").asText("");
        if (initial || eventId.isEmpty() || !user.id.value().equals(e.path("sender").asText())
                || !bridged.containsKey(room)) {
            return;
        }
        Optional<Formatting.Message> message = RelayText.fromMatrix(content);
        if (message.isEmpty()) {
            return;
        }
        pending.put(pendingKey(Lease.Direction.TO_REMOTE, eventId), new Pending(room, message.get()));
        handle(engine.userMessage(room, Lease.Direction.TO_REMOTE, eventId));
    }

    /** A line in a channel the user's connection is in: a relay observed, or a line of the user's other clients. */
    private void ircMessage(IrcNetworkConfig n, IrcMessage line) {
        if (!line.is("PRIVMSG") && !line.is("NOTICE")) {
            return;
        }
        Optional<String> origin = line.tag(ORIGIN_TAG).filter(o -> !o.isEmpty());
        if (origin.isPresent()) {
            engine.relaySeen(Lease.Direction.TO_REMOTE, origin.get());
            return;
        }
        IrcConnection conn = irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        String target = line.param(0).orElse("");
        if (session.isEmpty() || session.get().isMe(line.nick().orElse(null)) || session.get().isMe(target)) {
            return;
        }
        IrcSession s = session.get();
        Optional<String> account = line.account().filter(a -> !a.isEmpty() && !"*".equals(a));
        if (account.isEmpty() || !s.caseMapping().fold(account.get()).equals(s.caseMapping().fold(n.account()))) {
            return;
        }
        RoomId room = roomOf(n.network(), target, s);
        if (room == null) {
            return;
        }
        Optional<Formatting.Message> message = Formatting.fromIrc(line);
        if (message.isEmpty()) {
            return;
        }
        Optional<String> msgid = line.msgid().filter(m -> !m.isEmpty());
        if (msgid.isEmpty()) {
            LOG.warn("a line of {} in {} has no msgid: not relayed (matching without message ids is not supported)",
                    n.account(), target);
            return;
        }
        pending.put(pendingKey(Lease.Direction.TO_MATRIX, msgid.get()), new Pending(room, message.get()));
        handle(engine.userMessage(room, Lease.Direction.TO_MATRIX, msgid.get()));
    }

    private RoomId roomOf(Network network, String channel, IrcSession s) {
        String folded = s.caseMapping().fold(channel);
        for (Map.Entry<RoomId, BridgeInfo> b : bridged.entrySet()) {
            if (b.getValue().network().equals(network) && s.caseMapping().fold(b.getValue().channel()).equals(folded)) {
                return b.getKey();
            }
        }
        return null;
    }

    private static String pendingKey(Lease.Direction direction, String messageId) {
        return direction.wire() + " " + messageId;
    }

    private void relay(VisitingEngineOutput.RelayNow relay) {
        Pending p = pending.remove(pendingKey(relay.direction(), relay.messageId()));
        if (p == null) {
            LOG.warn("cannot relay {} {}: its content is no longer held", relay.direction().wire(), relay.messageId());
            return;
        }
        BridgeInfo info = bridged.get(p.room());
        if (info == null) {
            return;
        }
        if (relay.direction() == Lease.Direction.TO_REMOTE) {
            relayToIrc(info, relay.messageId(), p.message());
        } else {
            relayToMatrix(info, p.room(), relay.messageId(), p.message());
        }
    }

    private void relayToIrc(BridgeInfo info, String eventId, Formatting.Message message) {
        IrcNetworkConfig n = networkConfig(info.network());
        IrcConnection conn = n == null ? null : irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        if (session.isEmpty() || !session.get().isRegistered()) {
            LOG.warn("cannot relay {} to {}: the IRC connection is not registered", eventId, info.channel());
            return;
        }
        joinChannels();
        boolean tags = session.get().capabilities().contains("message-tags");
        if (!tags) {
            LOG.warn("relaying {} to {} without the origin tag: the connection has no message-tags", eventId,
                    info.channel());
        }
        for (IrcMessage line : Formatting.toIrc(message, info.channel(), session.get().nick(), null)) {
            conn.send(tags ? line.withTag(ORIGIN_TAG, eventId) : line).whenComplete((v, e) -> {
                if (e != null) {
                    LOG.warn("relaying {} to {} failed: {}", eventId, info.channel(), e.getMessage());
                }
            });
        }
        relayed.add(Lease.Direction.TO_REMOTE.wire() + " " + eventId);
        LOG.debug("relayed {} to {}", eventId, info.channel());
    }

    private void relayToMatrix(BridgeInfo info, RoomId room, String msgid, Formatting.Message message) {
        ObjectNode content = Formatting.toMatrix(message);
        ObjectNode source = content.putObject(SOURCE_FIELD);
        source.putObject("network").put("protocol", info.network().protocol()).put("id", info.network().id());
        source.put("msgid", msgid);
        try {
            user.client.sendMessageEvent(room, "m.room.message", content, "byob.relay." + msgid);
            relayed.add(Lease.Direction.TO_MATRIX.wire() + " " + msgid);
            LOG.debug("relayed {} to {}", msgid, room);
        } catch (MatrixRequestException e) {
            LOG.warn("relaying {} to {} failed: {}", msgid, room, e.getMessage());
        }
    }

    private IrcNetworkConfig networkConfig(Network network) {
        return config.ircNetworks().stream().filter(n -> n.network().equals(network)).findFirst().orElse(null);
    }

    /** Joins the user's connections to the channels of the rooms of every hosting bridge with trust in force. */
    private void joinChannels() {
        for (Map.Entry<RoomId, BridgeInfo> b : bridged.entrySet()) {
            BridgeInfo info = b.getValue();
            TrustKey key = new TrustKey(info.hbBot(), config.user(), info.network());
            if (!(engine.state(key).orElse(null) instanceof VisitingState.Trusted)) {
                continue;
            }
            IrcNetworkConfig n = networkConfig(info.network());
            IrcConnection conn = n == null ? null : irc.get(n.id());
            Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
            if (session.isEmpty() || !session.get().isRegistered()) {
                continue;
            }
            if (joined.computeIfAbsent(n.id(), id -> new HashSet<>()).add(session.get().caseMapping()
                    .fold(info.channel()))) {
                LOG.info("joining {} on {} for {}", info.channel(), n.id(), b.getKey());
                conn.send(IrcMessage.of("JOIN", info.channel())).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("could not join {} on {}: {}", info.channel(), n.id(), e.getMessage());
                    }
                });
            }
        }
    }

    // ---- time ----

    private void reschedule() {
        if (tick != null) {
            tick.cancel(false);
            tick = null;
        }
        Optional<Instant> deadline = engine.deadline();
        if (deadline.isPresent() && running) {
            long delay = Math.max(0, Duration.between(Instant.now(), deadline.get()).toMillis());
            tick = core.schedule(() -> handle(engine.tick(Instant.now())), delay, TimeUnit.MILLISECONDS);
        }
    }

    // ---- IRC ----

    private IrcConnection.Listener ircListener(IrcNetworkConfig n) {
        return new IrcConnection.Listener() {
            @Override
            public void onRegistered(IrcOutput.Registered registered) {
                LOG.info("connected to IRC network {} as {}, account {}", n.id(), registered.nick(),
                        registered.account().orElse("(none)"));
                onCore(() -> {
                    joined.remove(n.id());
                    joinChannels();
                });
            }

            @Override
            public void onEvent(IrcMessage message) {
                if (message.is("PRIVMSG") || message.is("NOTICE")) {
                    onCore(() -> ircMessage(n, message));
                }
            }

            @Override
            public void onSaslFailed(IrcOutput.SaslFailed failure) {
                LOG.error("logging in to the IRC account {} on {} failed: {}; run visiting-bridge login again with"
                        + " the right password", n.account(), n.id(), failure.describe());
            }
        };
    }

    private void onCore(Runnable task) {
        if (!running) {
            return;
        }
        try {
            core.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("handling an IRC event failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("the core has stopped; an IRC event is dropped");
        }
    }

    private <T> T call(java.util.concurrent.Callable<T> task) {
        try {
            return core.submit(task).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(e.getCause() == null ? e : e.getCause());
        }
    }
}
