package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.irc.LineWithdrawnException;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.kit.matrix.SyncRequest;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.CancelCode;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslPlain;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingEngine;
import dev.byob.protocol.visiting.VisitingEngineOutput;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.IrcNetworkConfig;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.store.RelayLog;
import dev.byob.visiting.store.StateStore;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
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
 * SASL-logged-in connection, renews leases at the engine's deadlines, and persists trust receipts in the
 * {@link StateStore} so that a restart resumes with heartbeats, without a new handshake.
 *
 * <p>While trust with a hosting bridge is in force, the user's IRC connection joins the channels of that bridge's
 * rooms and the core relays the user's own messages (§11.2, §12.5): the user's Matrix messages to the channel from
 * that connection, tagged {@code +byob.dev/origin=<event id>}, and the lines of the user's other IRC clients
 * (logged in to the same account) to the room as the user, with {@code org.matrix.msc3647.source} and the
 * transaction id {@code byob.relay.<msgid>}. Each message is recorded in the {@link RelayLog} when observed,
 * marked as being sent before it is handed to the network, and done once confirmed (by the homeserver, or by
 * the IRC server's {@code echo-message}); failed sends are retried with back-off while the lease lasts. After a
 * crash, Matrix relays in doubt are sent again under the same transaction id (the homeserver deduplicates),
 * while IRC lines in doubt are left to the hosting bridge, which saw whether they went out (§12.3) and fills in
 * those that did not. Relays observed (by anyone) and fill-ins reported are recorded and never repeated.
 *
 * <p>With a bot account, the bot's DM with the user takes commands ({@code help}, {@code status},
 * {@code logout}, {@code login}, {@code portal}, the last handled by {@link Portals}; only the user's) and carries notices: trust established, trust ended (another
 * visiting bridge took over, or a logout completed), a hosting bridge not answering.
 */
public final class VisitingBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisitingBridge.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LONG_POLL = Duration.ofSeconds(30);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);
    /** The IRCv3 client-only tag naming the Matrix event a line relays (§12.1). */
    static final String ORIGIN_TAG = "+byob.dev/origin";
    /** The content field naming the IRC line a Matrix event relays (§4.14). */
    static final String SOURCE_FIELD = "org.matrix.msc3647.source";
    /** The transaction id prefix of relays to Matrix: {@code byob.relay.<msgid>}. */
    static final String RELAY_TXN_PREFIX = "byob.relay.";
    /** The log's id of a line that came without a {@code msgid}: this prefix and random hex (§12.6). */
    static final String NO_MSGID_PREFIX = "nomsgid.";
    /** The window of degraded matching by text (§12.6). */
    private static final Duration MATCH_WINDOW = Duration.ofSeconds(30);
    /** How far the homeserver's clock may be behind this machine's for the handover at acceptance (§12.5). */
    private static final Duration CLOCK_MARGIN = Duration.ofSeconds(1);
    /** How long a request waits for the connection to be in the hosting bridge's channels before it goes anyway. */
    private static final Duration WATCH_WAIT = Duration.ofSeconds(15);
    /** How long an IRC line waits for its echo before it is taken as in doubt. */
    private static final Duration ECHO_WAIT = Duration.ofSeconds(30);
    private static final Duration MAX_SEND_BACKOFF = Duration.ofSeconds(30);
    /** Finished relay log entries are kept this long, then pruned at start. */
    private static final Duration LOG_KEPT = Duration.ofDays(7);
    private static final int MAX_SEEN_EARLY = 10_000;
    /** How the engine's reason begins when a release was never answered ({@code VisitingHandshake}). */
    private static final String RELEASE_UNCONFIRMED = "the hosting bridge did not confirm";

    private final class Account {
        final String name;
        final UserId id;
        final MatrixClient client;
        /** Its DMs with hosting bridge bots (§3). */
        PairDms dms;
        volatile String since;
        /** Whether this process has handled a /sync of this account yet; the first one asks for full state. */
        volatile boolean synced;
        Thread poller;

        Account(String name, UserId id, MatrixClient client) {
            this.name = name;
            this.id = id;
            this.client = client;
        }
    }

    private final VisitingBridgeConfig config;
    private final Account user;
    private final Account bot;
    private final Map<String, IrcConnection> irc = new LinkedHashMap<>();
    private final Map<String, CompletableFuture<IrcOutput.Registered>> ircStarted = new LinkedHashMap<>();
    private final VisitingEngine engine;
    private final StateStore store;
    private final RelayLog log;
    private final ScheduledExecutorService core;
    private final SecureRandom random = new SecureRandom();
    private final List<String> sent = Collections.synchronizedList(new ArrayList<>());
    private final List<String> relayed = Collections.synchronizedList(new ArrayList<>());
    /** The rooms with a valid MSC2346 event, and what they are bridged to. */
    private final Map<RoomId, BridgeInfo> bridged = new LinkedHashMap<>();
    /** Per network id, the channels (case-folded) a JOIN was sent for on the current connection. */
    private final Map<String, Set<String>> joined = new HashMap<>();
    /** When this bridge's connection joined each channel ("network folded-channel"), as its JOIN came back. */
    private final Map<String, Instant> inChannelSince = new HashMap<>();
    /** Pending retries and echo waits, by direction and message id. */
    private final Map<String, ScheduledFuture<?>> retries = new HashMap<>();
    private final Map<String, ScheduledFuture<?>> echoWaits = new HashMap<>();
    /** Retries scheduled so far per relay, for the back-off; the most recent relays only. */
    private final Map<String, Integer> retryCounts = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Integer> eldest) {
            return size() > MAX_SEEN_EARLY;
        }
    };
    /** Relays observed before their message, by direction and id: the most recent ones, in memory only. */
    private final Set<String> seenEarly = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > MAX_SEEN_EARLY;
        }
    });
    /** Relations that ended and wait for the user's {@code login} (§10.5), with how they ended. */
    private final Map<TrustKey, String> ended = new LinkedHashMap<>();
    /** Each live lease's end, for the IRC event loop to withdraw lines that wait past it. */
    private final Map<TrustKey, Instant> leaseEnds = new ConcurrentHashMap<>();
    /** Relations whose lapse the user was told about. */
    private final Set<TrustKey> lapseNotified = new HashSet<>();
    private final UserDm userDm;
    private final Portals portals;
    private boolean loggedOut;
    private boolean loggingOut;
    private ScheduledFuture<?> tick;
    private volatile boolean running;

    private VisitingBridge(VisitingBridgeConfig config, Credentials credentials, StateStore store, DmTimings timings) {
        this.config = config;
        this.store = store;
        this.log = store.relays();
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
        this.userDm = new UserDm(bot == user ? Optional.empty() : Optional.of(bot.client), bot.id, config.user(),
                store);
        this.engine = new VisitingEngine(config.user(), config.vbBot(), credentials.signingKey(), served,
                List.of(ProofMethods.MATRIX_DM), new SecureRandom());
        this.core = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "vb-core");
            t.setDaemon(true);
            return t;
        });
        this.portals = new Portals(config, user.client, bot.client, bot.id, store, userDm, irc, core,
                this::joinChannels);
        for (Account a : bot == user ? List.of(user) : List.of(user, bot)) {
            boolean pair = a == bot;
            a.dms = new PairDms(a.name, a.id, pair ? StateStore.DmOwner.PAIR : StateStore.DmOwner.USER,
                    pair && bot != user, PairDms.Matrix.of(a.client, a.id), store, timings, Clock.systemUTC(),
                    this::later, this::isHostingBot, pair ? dmListener() : PairDms.Listener.NONE);
        }
    }

    /**
     * A bridge for {@code config}, its state in the data directory ({@code state.db}; a {@code state.json} of an
     * earlier version is imported once). Nothing is started yet.
     *
     * @throws IOException when the data directory or the state database cannot be opened
     */
    public static VisitingBridge create(VisitingBridgeConfig config, Credentials credentials) throws IOException {
        return create(config, credentials, DmTimings.DEFAULT);
    }

    /**
     * {@link #create(VisitingBridgeConfig, Credentials)} with other timings for the DMs with hosting bridge bots
     * than the spec's recommendation (§3.3).
     *
     * @throws IOException when the data directory or the state database cannot be opened
     */
    public static VisitingBridge create(VisitingBridgeConfig config, Credentials credentials, DmTimings timings)
            throws IOException {
        Credentials.createDataDir(config.dataDir());
        return new VisitingBridge(config, credentials, StateStore.open(config.dataDir()), timings);
    }

    /** Resumes the trust held before, connects to IRC and starts the long polls. */
    public VisitingBridge start() {
        running = true;
        call(() -> {
            user.since = store.nextBatch(user.name).orElse(null);
            if (bot != user) {
                bot.since = store.nextBatch(bot.name).orElse(null);
            }
            bot.dms.load();
            if (bot != user) {
                user.dms.load();
            }
            store.pins().forEach(engine::restorePin);
            loggedOut = store.loggedOut();
            portals.load();
            store.ends().forEach((k, e) -> ended.put(k, e.code() + ": " + e.reason()));
            int pruned = log.prune(Instant.now().minus(LOG_KEPT));
            if (pruned > 0) {
                LOG.debug("pruned {} finished relay log entries", pruned);
            }
            Instant now = Instant.now();
            for (StateStore.StoredTrust st : store.trust().values()) {
                TrustKey key = st.receipt().key();
                if (!key.userId().equals(config.user())
                        || config.ircNetworks().stream().noneMatch(n -> n.network().equals(key.network()))) {
                    continue;
                }
                LOG.info("resuming trust with {} (epoch {}) without a new handshake", key, st.receipt().epoch());
                handle(engine.resume(st.receipt(), st.fillAck(), now));
            }
            if (loggedOut && !store.trust().isEmpty()) {
                // Stopped while logging out: ask again.
                loggingOut = true;
                handle(engine.logout("the user logged out of the visiting bridge", now));
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
        store.close();
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

    /** The notices sent to the user so far (in the bot's DM with them, or only logged without a bot). */
    public List<String> notices() {
        return userDm.told();
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
                // The first /sync of a process asks for the full (filtered) state: the bridge events of rooms
                // that did not change while the bridge was away are known again.
                boolean first = !a.synced;
                SyncRequest request = new SyncRequest(Optional.of(filter), Optional.ofNullable(a.since),
                        a.since == null || first ? Duration.ZERO : LONG_POLL, first && a.since != null);
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
        boolean first = !a.synced;
        JsonNode join = answer.path("rooms").path("join");
        if (a == user) {
            for (var it = join.fields(); it.hasNext(); ) {
                var entry = it.next();
                RoomId room = RoomId.parse(entry.getKey());
                for (JsonNode e : entry.getValue().path("state").path("events")) {
                    bridgeEvent(room, e, now);
                }
                for (JsonNode e : entry.getValue().path("timeline").path("events")) {
                    if (e.has("state_key")) {
                        bridgeEvent(room, e, now);
                    }
                }
            }
            if (first) {
                restoreUnfinished();
            }
        }
        if (a == bot && bot != user) {
            for (var it = answer.path("rooms").path("invite").fields(); it.hasNext(); ) {
                var entry = it.next();
                RoomId room = RoomId.parse(entry.getKey());
                JsonNode inviteState = entry.getValue().path("invite_state").path("events");
                userDm.invited(room, inviteState);
                directInvite(room, inviteState);
            }
        }
        for (var it = join.fields(); it.hasNext(); ) {
            var entry = it.next();
            RoomId room = RoomId.parse(entry.getKey());
            for (JsonNode e : entry.getValue().path("timeline").path("events")) {
                dmEvent(a, room, e, now);
                if (a == user && !e.has("state_key")) {
                    matrixMessage(room, e, initial);
                }
                if (a == user) {
                    portals.userEvent(room, e, initial);
                }
                if (a == bot && bot != user && userDm.is(room) && !initial) {
                    controlEvent(e);
                }
            }
        }
        if (a == user) {
            portals.review(bridged, this::trustLive);
        }
        a.synced = true;
        String next = answer.path("next_batch").asText(null);
        if (next != null) {
            a.since = next;
            store.nextBatch(a.name, next);
        }
        if (first) {
            // The readiness signal operators (and the benchmark) look for, after every start.
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
                if (portals.isOwn(info) || Portals.isPortalEvent(e.path("content"))) {
                    return; // a visiting bridge's portal room (this one's or another's): not a hosting bridge
                }
                LOG.debug("{} is bridged to {} {} by {}", room, info.network(), info.channel(), info.hbBot());
                bridged.put(room, info);
                TrustKey key = new TrustKey(info.hbBot(), config.user(), info.network());
                if (loggedOut || ended.containsKey(key)) {
                    // §10.5: no new handshake until the user asks; the room is remembered for status and login.
                    LOG.debug("not starting a handshake with {}: waiting for the user's login", key);
                    return;
                }
                handle(engine.bridgeSeen(room, info, now));
            }
            case FORGED -> LOG.warn("ignoring a bridge event in {}: {}", room, reading.reason());
            case MALFORMED -> LOG.debug("ignoring a bridge event in {}: {}", room, reading.reason());
            default -> { }
        }
    }

    private void dmEvent(Account a, RoomId room, JsonNode e, Instant now) {
        String type = e.path("type").asText();
        if ("m.room.member".equals(type)) {
            a.dms.membership(room, e);
            return;
        }
        if (a != bot || !type.startsWith(MessageType.PREFIX) || MessageType.MATRIX_PROOF.eventType().equals(type)) {
            return;
        }
        UserId sender;
        try {
            sender = UserId.parse(e.path("sender").asText());
        } catch (IllegalArgumentException ex) {
            return;
        }
        Optional<UserId> peer = a.dms.peerOf(room);
        if (peer.isPresent() ? !peer.get().equals(sender) : !a.dms.strayMessage(room, sender)) {
            return; // §3.4: only the pair's DM counts
        }
        a.dms.heardFrom(sender);
        JsonNode ts = e.get("origin_server_ts");
        handle(engine.received(sender, type, e.path("content"),
                ts == null || !ts.canConvertToLong() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ts.asLong())),
                now));
    }

    /** An invite of the bot: a direct one from a hosting bridge bot may be a (second) DM with it (§3.2). */
    private void directInvite(RoomId room, JsonNode inviteState) {
        for (JsonNode e : inviteState) {
            if ("m.room.member".equals(e.path("type").asText()) && bot.id.value().equals(e.path("state_key").asText())
                    && "invite".equals(e.path("content").path("membership").asText()) && e.path("sender").isTextual()) {
                UserId inviter;
                try {
                    inviter = UserId.parse(e.get("sender").textValue());
                } catch (IllegalArgumentException ex) {
                    return;
                }
                bot.dms.invited(room, inviter, e.path("content").path("is_direct").asBoolean(false));
                return;
            }
        }
    }

    /** Whether {@code user} is the bot of a hosting bridge this bridge knows (a bridged room or a relation). */
    private boolean isHostingBot(UserId user) {
        return bridged.values().stream().anyMatch(i -> i.hbBot().equals(user))
                || engine.relations().keySet().stream().anyMatch(k -> k.hbBot().equals(user));
    }

    private PairDms.Listener dmListener() {
        return new PairDms.Listener() {
            @Override
            public void moved(UserId peer) {
                // §3.2: an exchange in flight continues in the kept room; the hosting bridge knows resends (§6.2).
                handle(engine.outstanding(peer));
            }

            @Override
            public void retryDue(UserId peer) {
                // §3.3: what waits for a reply makes the new DM; a handshake that timed out without one starts again.
                handle(engine.outstanding(peer));
                Instant now = Instant.now();
                engine.relations().forEach((key, state) -> {
                    if (key.hbBot().equals(peer) && state instanceof VisitingState.Failed f && !f.byPeer()
                            && CancelCode.TIMEOUT.equals(f.code()) && !loggedOut && !ended.containsKey(key)) {
                        LOG.info("starting the handshake with {} again", key);
                        handle(engine.retry(key, now));
                    }
                });
            }
        };
    }

    /** Runs {@code task} on the core after {@code delay}; the result cancels it. */
    private Runnable later(Duration delay, Runnable task) {
        ScheduledFuture<?> f = core.schedule(() -> {
            if (!running) {
                return; // stopping: the clients may be closed already
            }
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("a scheduled task failed", e);
            }
        }, delay.toMillis(), TimeUnit.MILLISECONDS);
        return () -> f.cancel(false);
    }

    // ---- outputs ----

    private void handle(List<VisitingEngineOutput> outputs) {
        engine.relations().forEach((k, state) -> {
            if (state instanceof VisitingState.Trusted t && !t.lapsed()) {
                leaseEnds.put(k, t.leaseUntil());
            } else {
                leaseEnds.remove(k);
            }
        });
        for (VisitingEngineOutput o : outputs) {
            if (o instanceof VisitingEngineOutput.ForRelation fr) {
                relationOutput(fr.key(), fr.output());
            } else if (o instanceof VisitingEngineOutput.RelayNow relay) {
                relay(relay);
            } else if (o instanceof VisitingEngineOutput.LeftToHost left) {
                log.left(left.direction(), left.messageId(), "the hosting bridge's: observed before the handover",
                        Instant.now());
                LOG.debug("{} {} is left to {} (§12.5)", left.direction().wire(), left.messageId(), left.key().hbBot());
            } else if (o instanceof VisitingEngineOutput.TargetPinned pinned) {
                store.pin(pinned.pin()); // durable before the proofs it allows (§2.3)
                LOG.info("pinned {} as the remote-proof target of {} on {}", pinned.pin().target(),
                        pinned.pin().hbBot(), pinned.pin().network().id());
            }
        }
        joinChannels();
        reschedule();
    }

    private void relationOutput(TrustKey key, VisitingOutput o) {
        if (o instanceof VisitingOutput.Send s) {
            Runnable send = () -> withDm(bot, s.to(), room -> {
                bot.client.sendMessageEvent(room, s.type().eventType(), s.content(), s.clientTxnId());
                sent.add(s.type().eventType());
                if (s.type() == MessageType.HEARTBEAT) {
                    LOG.debug("sent {} to {}", s.type().eventType(), s.to());
                } else {
                    LOG.info("sent {} to {}", s.type().eventType(), s.to());
                }
            });
            if (s.type() == MessageType.REQUEST) {
                whenWatching(key, Instant.now().plus(WATCH_WAIT), send);
            } else {
                send.run();
            }
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
            store.trust(t.receipt(), 0);
            ended.remove(key);
            LOG.info("trust established with {} (epoch {}): the hosting bridge steps aside", key, t.receipt().epoch());
            userDm.tell("Trust established with " + key.hbBot() + " on " + key.network().id() + " (epoch "
                    + t.receipt().epoch() + "): this bridge now relays you there as " + accountOn(key.network())
                    + ", and the hosting bridge steps aside.");
            portals.review(bridged, this::trustLive);
        } else if (o instanceof VisitingOutput.LeaseRenewed renewed) {
            leaseRenewed(key, renewed);
        } else if (o instanceof VisitingOutput.LeaseLapsed) {
            LOG.warn("the lease with {} lapsed: the hosting bridge fills in until it is renewed", key);
            if (lapseNotified.add(key)) {
                userDm.tell(key.hbBot() + " has not renewed the lease on " + key.network().id() + ": it is not"
                        + " answering, or its answers are late. It relays your messages meanwhile; this bridge holds"
                        + " them and takes over again when it answers.");
            }
        } else if (o instanceof VisitingOutput.TrustEnded te) {
            trustEnded(key, te);
        } else if (o instanceof VisitingOutput.HandshakeFailed failed) {
            LOG.warn("the handshake with {} failed ({}{}): {}", key, failed.code(), failed.byPeer() ? ", by the hosting"
                    + " bridge" : "", failed.reason());
            partChannels(key);
            if (!loggingOut) {
                userDm.tell("The handshake with " + key.hbBot() + " on " + key.network().id() + " failed ("
                        + failed.code().value() + "): " + failed.reason());
            }
        } else if (o instanceof VisitingOutput.Ignored ignored) {
            LOG.debug("{}: ignored: {}", key, ignored.reason());
        }
    }

    private void leaseRenewed(TrustKey key, VisitingOutput.LeaseRenewed renewed) {
        Instant now = Instant.now();
        // §10.6: each filled-in entry is durable before fill_ack (persisted next) acknowledges it.
        for (Lease.FillIn f : renewed.filledIn()) {
            if (f.direction() == Lease.Direction.TO_REMOTE && f.matrixEventId().isPresent()) {
                log.relayedBy(RelayLog.Status.FILLED, f.direction(), f.matrixEventId().get().value(), now);
            } else if (f.direction() == Lease.Direction.TO_MATRIX && f.remoteMsgid().isPresent()) {
                log.relayedBy(RelayLog.Status.FILLED, f.direction(), f.remoteMsgid().get(), now);
            } else {
                LOG.info("{} filled in a message without an id (fill_seq {}): matched by text when seen", key,
                        f.fillSeq());
            }
        }
        if (engine.state(key).orElse(null) instanceof VisitingState.Trusted t) {
            store.trust(t.receipt(), t.fillAck());
        }
        LOG.debug("lease with {} renewed until {}", key, renewed.until());
        if (!renewed.more() && lapseNotified.remove(key)) {
            userDm.tell(key.hbBot() + " answers again: this bridge relays you on " + key.network().id() + " again.");
        }
    }

    private void trustEnded(TrustKey key, VisitingOutput.TrustEnded te) {
        Instant now = Instant.now();
        store.ended(key, te.code().value(), te.reason(), now);
        ended.put(key, te.code().value() + ": " + te.reason());
        lapseNotified.remove(key);
        LOG.info("trust with {} ended ({}): {}", key, te.code(), te.reason());
        // The hosting bridge relays what is still pending (§6.5, §11.3).
        for (RelayLog.Entry e : log.unfinished()) {
            if (e.room().map(r -> key.equals(keyOf(r))).orElse(false)) {
                log.left(e.direction(), e.messageId(), "trust ended", now);
            }
        }
        partChannels(key);
        String where = key.hbBot() + " on " + key.network().id();
        if (RevokeCode.SUPERSEDED.equals(te.code())) {
            userDm.tell("Another visiting bridge logged in for you with " + where + ": this bridge has stopped"
                    + " bridging you there. If that was not you, check your bridges; send \"login\" to take over"
                    + " again.");
        } else if (RevokeCode.RELEASED.equals(te.code()) && te.reason().startsWith(RELEASE_UNCONFIRMED)) {
            // The engine gave up waiting for revoked: the hosting bridge steps back in when the lease runs out.
            userDm.tell(where + " did not confirm the release: it relays you again once the lease has run out.");
        } else if (RevokeCode.RELEASED.equals(te.code())) {
            userDm.tell(where + " confirmed the release: it relays you again as it did before.");
        } else if (RevokeCode.USER_REVOKED.equals(te.code())) {
            userDm.tell("You revoked this bridge at " + where + ": it has stopped bridging you there. Send \"login\""
                    + " to link again.");
        } else {
            userDm.tell(where + " ended the trust (" + te.code() + "): " + te.reason() + ". This bridge has stopped"
                    + " bridging you there; send \"login\" to try again.");
        }
        if (loggingOut && engine.relations().values().stream().noneMatch(s -> s instanceof VisitingState.Releasing)) {
            loggingOut = false;
            userDm.tell("Logged out: every hosting bridge relays you again, and this bridge has stopped bridging."
                    + " Send \"login\" to bridge again.");
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
                .whenComplete((v, e) -> onCore(() -> {
                    if (e == null) {
                        LOG.info("made the IRC proof for {} to {}", key, r.target());
                    } else {
                        LOG.warn("could not make the IRC proof for {}: {}", key, e.getMessage());
                    }
                    handle(engine.proof(key, e == null ? new VisitingInput.RemoteProofMade()
                            : new VisitingInput.ProofFailed(false, String.valueOf(e.getMessage())), Instant.now()));
                }));
    }

    /**
     * Runs {@code action} in {@code a}'s DM with {@code hbBot} once the bot is in it, creating the DM if needed
     * ({@link PairDms}); a failure is logged, and the handshake resends.
     */
    private void withDm(Account a, UserId hbBot, PairDms.RoomAction action) {
        a.dms.withDm(hbBot, room -> {
            try {
                action.run(room);
            } catch (MatrixRequestException e) {
                LOG.warn("acting in the DM of the {} with {} failed (the handshake resends): {}", a.name, hbBot,
                        e.getMessage());
            }
        });
    }

    // ---- the user's DM with the bot: commands and notices ----

    /** An event in the user's DM with the bot: a command when the user sent it, ignored from anyone else. */
    private void controlEvent(JsonNode e) {
        Optional<Commands.Command> parsed = userDm.command(e);
        if (parsed.isEmpty()) {
            return;
        }
        Commands.Command command = parsed.get();
        LOG.info("the user's command: {}", command);
        Instant now = Instant.now();
        if (command instanceof Commands.Command.Help) {
            userDm.say(Commands.HELP);
        } else if (command instanceof Commands.Command.Status) {
            userDm.say(Commands.status(statuses(), portals.all(), loggedOut, now));
        } else if (command instanceof Commands.Command.Portal p) {
            portals.command(p, bridged);
        } else if (command instanceof Commands.Command.BadUsage b) {
            userDm.say(b.message());
        } else if (command instanceof Commands.Command.Logout) {
            logout(now);
        } else if (command instanceof Commands.Command.Login) {
            login(now);
        } else if (command instanceof Commands.Command.Unknown u) {
            userDm.say(Commands.unknown(u));
        }
    }

    private List<Commands.RelationStatus> statuses() {
        Map<TrustKey, List<Commands.RoomStatus>> rooms = new LinkedHashMap<>();
        bridged.forEach((room, info) -> {
            if (networkConfig(info.network()) != null) {
                rooms.computeIfAbsent(new TrustKey(info.hbBot(), config.user(), info.network()), k -> new ArrayList<>())
                        .add(new Commands.RoomStatus(room, info.channel()));
            }
        });
        Set<TrustKey> keys = new LinkedHashSet<>(engine.relations().keySet());
        keys.addAll(rooms.keySet());
        keys.addAll(ended.keySet());
        List<Commands.RelationStatus> out = new ArrayList<>();
        for (TrustKey k : keys) {
            out.add(new Commands.RelationStatus(k, engine.state(k), rooms.getOrDefault(k, List.of()),
                    Optional.ofNullable(ended.get(k))));
        }
        return out;
    }

    private void logout(Instant now) {
        loggedOut = true;
        store.loggedOut(true);
        List<VisitingEngineOutput> outputs = engine.logout("the user logged out of the visiting bridge", now);
        long releasing = engine.relations().values().stream().filter(s -> s instanceof VisitingState.Releasing).count();
        if (releasing == 0) {
            userDm.say("Logged out: nothing was bridged. Send \"login\" to bridge again.");
        } else {
            loggingOut = true;
            userDm.say("Logging out: asked " + releasing + " hosting bridge(s) to relay you again; waiting for them to"
                    + " confirm.");
        }
        handle(outputs);
    }

    private void login(Instant now) {
        boolean was = loggedOut || !ended.isEmpty();
        loggedOut = false;
        store.loggedOut(false);
        store.clearEnds();
        ended.clear();
        Set<TrustKey> started = new HashSet<>();
        for (Map.Entry<RoomId, BridgeInfo> b : new ArrayList<>(bridged.entrySet())) {
            BridgeInfo info = b.getValue();
            TrustKey key = new TrustKey(info.hbBot(), config.user(), info.network());
            Optional<VisitingState> state = engine.state(key);
            if (state.isEmpty()) {
                handle(engine.bridgeSeen(b.getKey(), info, now));
                started.add(key);
            } else if ((state.get() instanceof VisitingState.Ended || state.get() instanceof VisitingState.Failed)
                    && started.add(key)) {
                handle(engine.bridgeSeen(b.getKey(), info, now)); // the room goes back to the relation
                handle(engine.retry(key, now));
            } else {
                handle(engine.bridgeSeen(b.getKey(), info, now));
            }
        }
        userDm.say(started.isEmpty() ? (was ? "Logged in again; nothing to start a handshake with yet."
                : "Already logged in.") : "Logging in: starting a handshake with " + started.size()
                + " hosting bridge(s). I will tell you when trust is established.");
    }

    private String accountOn(Network network) {
        IrcNetworkConfig n = networkConfig(network);
        return n == null ? "you" : n.account();
    }

    // ---- relaying ----

    /** An event in one of the user's rooms: a relay observed, or the user's own message to relay. */
    private void matrixMessage(RoomId room, JsonNode e, boolean initial) {
        if (!"m.room.message".equals(e.path("type").asText())) {
            return;
        }
        JsonNode content = e.path("content");
        String sender = e.path("sender").asText();
        String txn = e.path("unsigned").path("transaction_id").asText("");
        if (user.id.value().equals(sender) && txn.startsWith(RELAY_TXN_PREFIX)) {
            return; // this bridge's own relay, seen through its own /sync (with or without source)
        }
        JsonNode source = content.get(SOURCE_FIELD);
        if (source != null) {
            String msgid = source.path("msgid").asText("");
            if (!msgid.isEmpty()) {
                relaySeen(Lease.Direction.TO_MATRIX, msgid, false);
            }
            return;
        }
        Optional<Formatting.Message> message = RelayText.fromMatrix(content);
        if (message.isEmpty()) {
            return;
        }
        if (!user.id.value().equals(sender)) {
            // Without msgids, the hosting bridge's fill-in of the user's line is known by its text (§12.6).
            matchByText(room, Lease.Direction.TO_MATRIX, message.get().text(), true);
            return;
        }
        String eventId = e.path("event_id").asText("");
        if (initial || eventId.isEmpty() || !bridged.containsKey(room)) {
            return;
        }
        Optional<Instant> sentAt = e.path("origin_server_ts").canConvertToLong()
                ? Optional.of(Instant.ofEpochMilli(e.path("origin_server_ts").asLong())) : Optional.empty();
        observe(room, Lease.Direction.TO_REMOTE, eventId, message.get(), sentAt);
    }

    /** A line in a channel the user's connection is in: a relay observed, or a line of the user's other clients. */
    private void ircMessage(IrcNetworkConfig n, IrcMessage line) {
        if (!line.is("PRIVMSG") && !line.is("NOTICE")) {
            return;
        }
        IrcConnection conn = irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        if (session.isEmpty()) {
            return;
        }
        IrcSession s = session.get();
        boolean mine = s.isMe(line.nick().orElse(null));
        Optional<String> origin = line.tag(ORIGIN_TAG).filter(o -> !o.isEmpty());
        if (origin.isPresent()) {
            relaySeen(Lease.Direction.TO_REMOTE, origin.get(), mine);
            return;
        }
        String target = line.param(0).orElse("");
        if (s.isMe(target)) {
            return;
        }
        RoomId room = roomOf(n.network(), target, s);
        Optional<Formatting.Message> message = Formatting.fromIrc(line);
        if (room == null || message.isEmpty()) {
            return;
        }
        Optional<String> account = line.account().filter(a -> !a.isEmpty() && !"*".equals(a));
        boolean ofUser = account.isPresent()
                && s.caseMapping().fold(account.get()).equals(s.caseMapping().fold(n.account()));
        if (mine || !ofUser) {
            // An untagged echo of this bridge's own line, or (without tags) someone's relay of the user's event.
            if (mine || !s.capabilities().contains("message-tags")) {
                matchByText(room, Lease.Direction.TO_REMOTE, message.get().text(), !mine);
            }
            return;
        }
        Optional<String> msgid = line.msgid().filter(m -> !m.isEmpty());
        String id;
        if (msgid.isPresent()) {
            id = msgid.get();
        } else {
            id = NO_MSGID_PREFIX + randomHex();
            LOG.warn("a line of {} in {} has no msgid: relayed without {}, and the hosting bridge matches it by text"
                    + " (§12.6)", n.account(), target, SOURCE_FIELD);
        }
        observe(room, Lease.Direction.TO_MATRIX, id, message.get(), Optional.empty());
    }

    /**
     * The user's message, observed: recorded, then relayed now or held, as the engine decides. {@code sentAt} is
     * when a Matrix event was sent (its origin_server_ts).
     */
    private void observe(RoomId room, Lease.Direction direction, String id, Formatting.Message message,
                         Optional<Instant> sentAt) {
        TrustKey key = keyOf(room);
        VisitingState state = key == null ? null : engine.state(key).orElse(null);
        boolean handshaking = key != null && handshaking(key);
        if (!(state instanceof VisitingState.Trusted) && !handshaking) {
            return; // the hosting bridge relays it, as for any user without a visiting bridge
        }
        if (handshaking && direction == Lease.Direction.TO_REMOTE && relayMayBeUnseen(room, sentAt)) {
            // The hosting bridge may have relayed it before this bridge was in the channel to see that: a relay of
            // its own would double it. Left to the hosting bridge, which relays it or, had it already recorded the
            // trust, fills it in by its stuck rule (§12.7).
            LOG.debug("{} was sent before this bridge was in its channel: left to {}", id, key.hbBot());
            return;
        }
        Instant now = Instant.now();
        if (seenEarly.remove(relayKey(direction, id))) {
            log.relayedBy(RelayLog.Status.SEEN, direction, id, now);
            LOG.debug("{} {} was relayed before it reached this bridge", direction.wire(), id);
            return;
        }
        // During the handshake it may become this bridge's at acceptance (§12.5): recorded like a live one.
        boolean live = handshaking || !((VisitingState.Trusted) state).lapsed();
        if (!log.observed(direction, id, room, message, now, live)) {
            LOG.debug("{} {} is known already", direction.wire(), id);
            return;
        }
        handle(engine.userMessage(room, direction, id, now));
    }

    /** A relay of a user message observed: by this bridge's own connection (its echo) or by someone else. */
    private void relaySeen(Lease.Direction direction, String id, boolean mine) {
        engine.relaySeen(direction, id);
        Instant now = Instant.now();
        if (!mine) {
            engine.othersRelaySeen(now);
        }
        Optional<RelayLog.Entry> entry = log.get(direction, id);
        if (mine && entry.isPresent() && entry.get().status() == RelayLog.Status.SENDING) {
            cancel(echoWaits, relayKey(direction, id));
            log.done(direction, id, "echo", now);
            LOG.debug("{} {}: the echo confirms it", direction.wire(), id);
        } else if (!mine && entry.isPresent()) {
            log.relayedBy(RelayLog.Status.SEEN, direction, id, now);
        } else if (!mine) {
            // Most relays observed are of other people's messages: remembered for a while, not written to disk.
            seenEarly.add(relayKey(direction, id));
        }
    }

    /**
     * Degraded matching (§12.6): an untagged line or an event without {@code source} equal in text to an
     * unfinished message of the user in the same room, observed within the window, is its relay.
     */
    private void matchByText(RoomId room, Lease.Direction direction, String text, boolean bySomeoneElse) {
        for (RelayLog.Entry e : log.unfinished(room, direction, Instant.now().minus(MATCH_WINDOW))) {
            boolean same = RelayText.sameText(e.message().map(Formatting.Message::text).orElse(""), text,
                    bySomeoneElse);
            boolean candidate = bySomeoneElse ? e.status() == RelayLog.Status.OBSERVED || e.status()
                    == RelayLog.Status.SENDING : e.status() == RelayLog.Status.SENDING;
            if (!same || !candidate || (direction == Lease.Direction.TO_MATRIX
                    && !e.messageId().startsWith(NO_MSGID_PREFIX))) {
                continue;
            }
            LOG.info("{} {} matched by text (no message tags or msgid)", direction.wire(), e.messageId());
            relaySeen(direction, e.messageId(), !bySomeoneElse);
            return;
        }
    }

    /** Puts back what the log holds unfinished after a restart: held until the hosting bridge's first reply. */
    private void restoreUnfinished() {
        Instant now = Instant.now();
        for (RelayLog.Entry e : log.unfinished()) {
            if (portals.restore(e)) {
                continue;
            }
            if (e.status() == RelayLog.Status.SENDING && e.direction() == Lease.Direction.TO_REMOTE) {
                // It may have gone out. The hosting bridge saw whether it did and fills it in if not (§12.3, §12.7).
                log.left(e.direction(), e.messageId(), "in doubt after a restart", now);
                LOG.info("{} {} was being sent when the bridge stopped: left to the hosting bridge",
                        e.direction().wire(), e.messageId());
                continue;
            }
            TrustKey key = e.room().map(this::keyOf).orElse(null);
            if (key == null || e.message().isEmpty()
                    || !(engine.state(key).orElse(null) instanceof VisitingState.Trusted)) {
                log.left(e.direction(), e.messageId(), "no trust for its room after the restart", now);
                continue;
            }
            LOG.info("{} {} is still to relay after the restart", e.direction().wire(), e.messageId());
            handle(engine.userMessage(e.room().get(), e.direction(), e.messageId(), now));
        }
    }

    private boolean handshaking(TrustKey key) {
        VisitingState state = engine.state(key).orElse(null);
        return state instanceof VisitingState.Requested || state instanceof VisitingState.Proving
                || state instanceof VisitingState.Answered;
    }

    /** Whether the trust with the hosting bridge of {@code info} is live: established, its lease not lapsed. */
    private boolean trustLive(BridgeInfo info) {
        return engine.state(new TrustKey(info.hbBot(), config.user(), info.network())).orElse(null)
                instanceof VisitingState.Trusted t && !t.lapsed();
    }

    private TrustKey keyOf(RoomId room) {
        BridgeInfo info = bridged.get(room);
        return info == null ? null : new TrustKey(info.hbBot(), config.user(), info.network());
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

    private static String relayKey(Lease.Direction direction, String messageId) {
        return direction.wire() + " " + messageId;
    }

    private void relay(VisitingEngineOutput.RelayNow relay) {
        Optional<RelayLog.Entry> entry = log.get(relay.direction(), relay.messageId());
        if (entry.isEmpty() || entry.get().status().finished()) {
            LOG.debug("not relaying {} {}: {}", relay.direction().wire(), relay.messageId(),
                    entry.map(e -> "it is " + e.status()).orElse("it is not in the log"));
            return;
        }
        attempt(relay.key(), entry.get());
    }

    /** Starts (or retries) one relay, if the lease allows it now (§12.2) and it is not too old (§12.7). */
    private void attempt(TrustKey key, RelayLog.Entry e) {
        cancel(retries, relayKey(e.direction(), e.messageId()));
        Instant now = Instant.now();
        if (!(engine.state(key).orElse(null) instanceof VisitingState.Trusted t)) {
            log.left(e.direction(), e.messageId(), "trust ended", now);
            return;
        }
        RoomId room = e.room().orElse(null);
        if (t.lapsed() || !now.isBefore(t.leaseUntil())) {
            log.reopen(e.direction(), e.messageId(), now);
            handle(engine.userMessage(room, e.direction(), e.messageId(), now)); // back to the backlog
            return;
        }
        Duration limit = Duration.ofMillis(t.receipt().lease().leaseMs() - t.receipt().lease().heartbeatIntervalMs());
        if (e.observedLive() && now.isAfter(e.observedAt().plus(limit))) {
            log.left(e.direction(), e.messageId(), "not started within " + limit.toSeconds() + " s", now);
            LOG.warn("{} {} was not relayed within {} s: left to the hosting bridge (§12.7)", e.direction().wire(),
                    e.messageId(), limit.toSeconds());
            return;
        }
        BridgeInfo info = room == null ? null : bridged.get(room);
        if (info == null || e.message().isEmpty()) {
            log.left(e.direction(), e.messageId(), "its room is no longer bridged", now);
            return;
        }
        if (e.direction() == Lease.Direction.TO_MATRIX) {
            relayToMatrix(key, info, room, e);
        } else {
            relayToIrc(key, info, e);
        }
    }

    private void retryLater(TrustKey key, RelayLog.Entry e, Optional<Duration> after, String why) {
        // Counted here, not from the log: a wait for the IRC connection sends nothing and records no attempt.
        int attempts = retryCounts.merge(relayKey(e.direction(), e.messageId()), 1, Integer::sum);
        Duration delay = after.orElseGet(() -> {
            Duration d = Duration.ofSeconds(1L << Math.min(5, Math.max(0, attempts - 1)));
            return d.compareTo(MAX_SEND_BACKOFF) > 0 ? MAX_SEND_BACKOFF : d;
        });
        LOG.warn("relaying {} {} failed, trying again in {} ms: {}", e.direction().wire(), e.messageId(),
                delay.toMillis(), why);
        String rk = relayKey(e.direction(), e.messageId());
        cancel(retries, rk);
        retries.put(rk, core.schedule(() -> {
            retries.remove(rk);
            log.get(e.direction(), e.messageId()).filter(x -> !x.status().finished()).ifPresent(x -> attempt(key, x));
        }, delay.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void relayToMatrix(TrustKey key, BridgeInfo info, RoomId room, RelayLog.Entry e) {
        String msgid = e.messageId();
        ObjectNode content = Formatting.toMatrix(e.message().get());
        if (!msgid.startsWith(NO_MSGID_PREFIX)) {
            ObjectNode source = content.putObject(SOURCE_FIELD);
            source.putObject("network").put("protocol", info.network().protocol()).put("id", info.network().id());
            source.put("msgid", msgid);
        }
        Instant now = Instant.now();
        log.sending(e.direction(), msgid, now);
        try {
            // The same transaction id on every attempt, before and after a restart: the homeserver keeps one event.
            EventId id = user.client.sendMessageEvent(room, "m.room.message", content, RELAY_TXN_PREFIX + msgid);
            log.done(e.direction(), msgid, id.value(), Instant.now());
            relayed.add(relayKey(e.direction(), msgid));
            LOG.debug("relayed {} to {} as {}", msgid, room, id);
        } catch (MatrixException ex) {
            if (ex.isRateLimited() || ex.status() >= 500) {
                retryLater(key, e, ex.retryAfter(), ex.getMessage());
            } else {
                log.left(e.direction(), msgid, "refused: " + ex.getMessage(), Instant.now());
                LOG.warn("the homeserver refused the relay of {} to {}: {}; left to the hosting bridge", msgid, room,
                        ex.getMessage());
            }
        } catch (MatrixNetworkException ex) {
            retryLater(key, e, Optional.empty(), ex.getMessage());
        }
    }

    private void relayToIrc(TrustKey key, BridgeInfo info, RelayLog.Entry e) {
        String eventId = e.messageId();
        IrcNetworkConfig n = networkConfig(info.network());
        IrcConnection conn = n == null ? null : irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        if (session.isEmpty() || !session.get().isRegistered()) {
            // Nothing was written: trying again later cannot duplicate it.
            retryLater(key, e, Optional.empty(), "the IRC connection is not registered");
            return;
        }
        joinChannels();
        Set<String> caps = session.get().capabilities();
        boolean tags = caps.contains("message-tags");
        boolean echo = caps.contains("echo-message");
        if (!tags) {
            LOG.warn("relaying {} to {} without the origin tag: the connection has no message-tags; the hosting"
                    + " bridge matches it by text (§12.6)", eventId, info.channel());
        }
        List<IrcMessage> lines = Formatting.toIrc(e.message().get(), info.channel(), session.get().nick(), null);
        log.sending(e.direction(), eventId, Instant.now());
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        // A line still waiting for flood control when the lease ends must not start (§12.2): it is withdrawn.
        BooleanSupplier leaseLive = () -> Instant.now().isBefore(leaseEnds.getOrDefault(key, Instant.MIN));
        for (IrcMessage line : lines) {
            writes.add(conn.send(tags ? line.withTag(ORIGIN_TAG, eventId) : line, leaseLive));
        }
        relayed.add(relayKey(e.direction(), eventId));
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((v, err) -> onCore(() -> {
            Instant now = Instant.now();
            if (err != null) {
                long written = writes.stream().filter(w -> w.isDone() && !w.isCompletedExceptionally()).count();
                Throwable cause = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
                if (written == 0 && cause instanceof LineWithdrawnException) {
                    log.reopen(e.direction(), eventId, now);
                    LOG.info("{} waited for flood control past the lease end: back to the backlog", eventId);
                    log.get(e.direction(), eventId).ifPresent(x -> attempt(key, x));
                } else if (written == 0) {
                    log.reopen(e.direction(), eventId, now);
                    retryLater(key, e, Optional.empty(), String.valueOf(err.getMessage()));
                } else {
                    log.left(e.direction(), eventId, "only part of it was written", now);
                    LOG.warn("only {} of {} lines of {} were written: left to the hosting bridge", written,
                            writes.size(), eventId);
                }
                return;
            }
            if (!echo) {
                log.done(e.direction(), eventId, "written", now);
                return;
            }
            String rk = relayKey(e.direction(), eventId);
            if (log.get(e.direction(), eventId).map(x -> x.status() == RelayLog.Status.SENDING).orElse(false)) {
                echoWaits.put(rk, core.schedule(() -> {
                    echoWaits.remove(rk);
                    if (log.get(e.direction(), eventId).map(x -> x.status() == RelayLog.Status.SENDING).orElse(false)) {
                        log.left(e.direction(), eventId, "no echo", Instant.now());
                        LOG.warn("no echo of {} within {} s: whether it arrived is left to the hosting bridge",
                                eventId, ECHO_WAIT.toSeconds());
                    }
                }, ECHO_WAIT.toMillis(), TimeUnit.MILLISECONDS));
            }
        }));
        LOG.debug("relayed {} to {}", eventId, info.channel());
    }

    private static void cancel(Map<String, ScheduledFuture<?>> futures, String key) {
        ScheduledFuture<?> f = futures.remove(key);
        if (f != null) {
            f.cancel(false);
        }
    }

    private IrcNetworkConfig networkConfig(Network network) {
        return config.ircNetworks().stream().filter(n -> n.network().equals(network)).findFirst().orElse(null);
    }

    /**
     * Joins the user's connections to the channels of the rooms of every hosting bridge with trust in force, and
     * of the live portal rooms.
     */
    private void joinChannels() {
        List<NeededChannel> needed = new ArrayList<>();
        for (Map.Entry<RoomId, BridgeInfo> b : bridged.entrySet()) {
            BridgeInfo info = b.getValue();
            TrustKey key = new TrustKey(info.hbBot(), config.user(), info.network());
            // Joined from the request on: the handover at acceptance needs the lines written meanwhile (§12.5).
            if (engine.state(key).orElse(null) instanceof VisitingState.Trusted || handshaking(key)) {
                needed.add(new NeededChannel(b.getKey(), info.network(), info.channel()));
            }
        }
        portals.live().forEach(p -> needed.add(new NeededChannel(p.room(), p.network(), p.channel())));
        for (NeededChannel c : needed) {
            IrcNetworkConfig n = networkConfig(c.network());
            IrcConnection conn = n == null ? null : irc.get(n.id());
            Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
            if (session.isEmpty() || !session.get().isRegistered()) {
                continue;
            }
            if (joined.computeIfAbsent(n.id(), id -> new HashSet<>()).add(session.get().caseMapping()
                    .fold(c.channel()))) {
                LOG.info("joining {} on {} for {}", c.channel(), n.id(), c.room());
                conn.send(IrcMessage.of("JOIN", c.channel())).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("could not join {} on {}: {}", c.channel(), n.id(), e.getMessage());
                    }
                });
            }
        }
    }

    /** A channel the user's connection is to be in, for {@code room}. */
    private record NeededChannel(RoomId room, Network network, String channel) {}

    /** This bridge's own connection joined or left a channel: from when it can see the relays there. */
    private void membership(IrcNetworkConfig n, IrcMessage line, Instant at) {
        IrcConnection conn = irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        if (session.isEmpty()) {
            return;
        }
        IrcSession s = session.get();
        boolean me = line.is("KICK") ? s.isMe(line.param(1).orElse(null)) : s.isMe(line.nick().orElse(null));
        String channel = line.param(0).orElse("");
        if (!me || channel.isEmpty()) {
            return;
        }
        String k = n.id() + " " + s.caseMapping().fold(channel);
        if (line.is("JOIN")) {
            inChannelSince.putIfAbsent(k, at);
        } else {
            inChannelSince.remove(k);
        }
    }

    /**
     * Runs {@code action}, the sending of a request, once this bridge's connection has been in every channel of
     * {@code key}'s rooms for {@link #CLOCK_MARGIN} (or at {@code giveUpAt}). The hosting bridge cannot record
     * trust before it has the request, so whatever of the user's it relays from then on is seen here, and the
     * messages sent before are the hosting bridge's (§12.5).
     */
    private void whenWatching(TrustKey key, Instant giveUpAt, Runnable action) {
        Instant now = Instant.now();
        if (watching(key, now.minus(CLOCK_MARGIN)) || !now.isBefore(giveUpAt)) {
            action.run();
            return;
        }
        core.schedule(() -> whenWatching(key, giveUpAt, action), 200, TimeUnit.MILLISECONDS);
    }

    /** Whether this bridge's connection has been in the channel of each of {@code key}'s rooms since {@code by}. */
    private boolean watching(TrustKey key, Instant by) {
        for (RoomId room : engine.roomsOf(key)) {
            Optional<Instant> since = inChannelSince(room);
            if (since.isEmpty() || since.get().isAfter(by)) {
                return false;
            }
        }
        return true;
    }

    /** Since when this bridge's connection has been in the channel bridged to {@code room}, if it is. */
    private Optional<Instant> inChannelSince(RoomId room) {
        BridgeInfo info = bridged.get(room);
        IrcNetworkConfig n = info == null ? null : networkConfig(info.network());
        IrcConnection conn = n == null ? null : irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        return session.map(s -> inChannelSince.get(n.id() + " " + s.caseMapping().fold(info.channel())));
    }

    /**
     * Whether a relay of a message the user sent at {@code sentAt} in {@code room} could have escaped this bridge:
     * its connection was not yet in the bridged channel then (with a second's margin for the clocks).
     */
    private boolean relayMayBeUnseen(RoomId room, Optional<Instant> sentAt) {
        Optional<Instant> since = inChannelSince(room);
        return since.isEmpty() || sentAt.isEmpty() || sentAt.get().isBefore(since.get().plus(CLOCK_MARGIN));
    }

    /** Parts the channels of {@code key}'s rooms: the hosting bridge relays the user there again (§11.3). */
    private void partChannels(TrustKey key) {
        IrcNetworkConfig n = networkConfig(key.network());
        IrcConnection conn = n == null ? null : irc.get(n.id());
        Optional<IrcSession> session = conn == null ? Optional.empty() : conn.session();
        if (session.isEmpty()) {
            return;
        }
        for (BridgeInfo info : bridged.values()) {
            if (!info.hbBot().equals(key.hbBot()) || !info.network().equals(key.network())
                    || portals.needs(info.network(), info.channel())) {
                continue; // another relation's, or a live portal still needs the channel
            }
            if (joined.getOrDefault(n.id(), Set.of()).remove(session.get().caseMapping().fold(info.channel()))) {
                LOG.info("parting {} on {}: no trust with {}", info.channel(), n.id(), key.hbBot());
                conn.send(IrcMessage.of("PART", info.channel(), "bridging stopped")).whenComplete((v, e) -> {
                    if (e != null) {
                        LOG.warn("could not part {} on {}: {}", info.channel(), n.id(), e.getMessage());
                    }
                });
            }
        }
    }

    private String randomHex() {
        byte[] b = new byte[8];
        random.nextBytes(b);
        return HexFormat.of().formatHex(b);
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
                    inChannelSince.keySet().removeIf(k -> k.startsWith(n.id() + " "));
                    joinChannels();
                });
            }

            @Override
            public void onEvent(IrcMessage message) {
                if (message.is("PRIVMSG") || message.is("NOTICE")) {
                    onCore(() -> {
                        ircMessage(n, message);
                        portals.ircLine(n, message);
                    });
                } else if (message.is("JOIN") || message.is("PART") || message.is("KICK")) {
                    Instant at = Instant.now();
                    onCore(() -> membership(n, message, at));
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
                    LOG.error("handling an event failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            LOG.debug("the core has stopped; an event is dropped");
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
