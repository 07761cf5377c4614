package dev.byob.hosting.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.hosting.byob.BridgedRoomDirectory;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.hosting.config.IrcNetworkConfig;
import dev.byob.hosting.config.RoomConfig;
import dev.byob.hosting.metrics.Counter;
import dev.byob.hosting.metrics.MetricsRegistry;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.hosting.store.SqlBridgedRooms;
import dev.byob.hosting.store.SqlTransactionSink;
import dev.byob.hosting.store.SqlTransactionSink.PendingEvent;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge between Matrix rooms and IRC channels. Everything it does runs on one thread, in order: the
 * events the homeserver sent (read back from the {@link SqlTransactionSink}, each deleted once handled), the
 * lines its IRC connections receive, and the calls of the byob side through {@link BridgeActions}. Before
 * relaying anything it asks the {@link RelayGate}.
 *
 * <p>Matrix users speak on IRC through a connection of their own (a puppet, nick from the network's nick
 * template) or, on a network configured with {@code relaybot}, through the bot's connection as
 * {@code <alice> text}. IRC people appear on Matrix as ghosts ({@link GhostIds}). The bot's IRC connection
 * sees every line of the bridged channels; lines from the bot and the puppets are the bridge's own echoes, and
 * so are Matrix events from the bot and the ghosts: none is relayed back.
 */
public final class BridgeCore implements BridgeActions, BridgedRoomDirectory, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BridgeCore.class);

    /** How long the core waits for a new puppet connection to register before giving up on a message. */
    static final Duration PUPPET_REGISTRATION_TIMEOUT = Duration.ofSeconds(30);
    /** How many recent IRC lines are kept by msgid for {@link #relayToMatrixNow}. */
    static final int RECENT_LINES = 1000;
    private static final int RECENT_RELAYED = 1000;
    private static final int BATCH = 100;
    private static final CaseMapping FOLD = CaseMapping.RFC1459;
    private static final List<String> BOT_CAPABILITIES = List.of("message-tags", "account-tag", "server-time",
            "echo-message", "extended-join", "account-notify");
    private static final List<String> PUPPET_CAPABILITIES = List.of("message-tags", "server-time");

    /** A bridged room. */
    private record Bridged(RoomId room, NetworkState network, String channel) {
    }

    /** A recent IRC line, kept for {@link #relayToMatrixNow}. */
    private record RecentLine(NetworkState network, String channel, IrcMessage line) {
    }

    /** One network: its bot connection, its bridged channels, its puppets and who is where. */
    private final class NetworkState {
        final IrcNetworkConfig config;
        final Network network;
        IrcConnection bot;
        final Map<String, Bridged> channels = new LinkedHashMap<>(); // by folded channel
        final Map<UserId, Puppet> puppets = new HashMap<>();
        final Map<String, Set<String>> members = new HashMap<>(); // folded channel -> nicks (as seen)
        final Map<String, String> accounts = new HashMap<>(); // folded nick -> account

        NetworkState(IrcNetworkConfig config) {
            this.config = config;
            this.network = Network.irc(config.id());
        }

        boolean isOwn(String nick) {
            String folded = FOLD.fold(nick);
            if (bot != null && bot.session().map(s -> FOLD.fold(s.nick()).equals(folded)).orElse(false)) {
                return true;
            }
            if (FOLD.fold(config.botNick()).equals(folded)) {
                return true;
            }
            for (Puppet puppet : puppets.values()) {
                if (puppet.connection.session().map(s -> FOLD.fold(s.nick()).equals(folded)).orElse(false)) {
                    return true;
                }
            }
            return false;
        }

        Optional<String> account(String nick) {
            return Optional.ofNullable(accounts.get(FOLD.fold(nick)));
        }
    }

    /**
     * A Matrix user's own connection to a network, and the channels it is in (folded). A temporary one relays
     * for a user whose puppet the gate does not want (a fill-in) and quits at the next refresh of their presence.
     */
    private static final class Puppet {
        final UserId user;
        final IrcConnection connection;
        final Set<String> channels = new LinkedHashSet<>();
        boolean temporary;

        Puppet(UserId user, IrcConnection connection) {
            this.user = user;
            this.connection = connection;
        }
    }

    private final BridgeConfig config;
    private final MatrixClient matrix;
    private final SqlTransactionSink sink;
    private final SqlBridgedRooms rooms;
    private RelayGate gate;
    private ByobHooks byob;
    private final ScheduledExecutorService timer;
    private ScheduledFuture<?> tickTask;
    private Instant tickAt;
    private final UserId bot;
    private final GhostNamespace ghosts;
    private final ExecutorService core;
    private final EventLoopGroup group;
    private final Map<String, NetworkState> networks = new LinkedHashMap<>();
    private final Map<RoomId, Bridged> bridged = new HashMap<>();
    private final Map<RoomId, Set<UserId>> matrixMembers = new HashMap<>();
    /** The joined members of every room the bot has seen an event of (the bot and ghosts included). */
    private final Map<RoomId, Set<UserId>> joinedMembers = new HashMap<>();
    private final Map<UserId, Set<RoomId>> ghostRooms = new HashMap<>();
    private final Set<UserId> ghostsMade = new HashSet<>();
    private final Map<String, RecentLine> recentLines = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, RecentLine> eldest) {
            return size() > RECENT_LINES;
        }
    };
    private final Set<EventId> relayed = Collections.newSetFromMap(new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<EventId, Boolean> eldest) {
            return size() > RECENT_RELAYED;
        }
    });
    private final AtomicLong lineCounter = new AtomicLong();
    private final EventRetry retry = new EventRetry();
    /** While a failed event waits for its retry, events are not handled before this time (in order). */
    private Instant drainPausedUntil;
    private final Counter eventFailures;
    private volatile boolean closed;

    /**
     * A core for {@code config}, acting on Matrix through {@code matrix} (the appservice's client, the bot when
     * not masquerading), reading events from {@code sink} and recording rooms in {@code rooms}.
     */
    public BridgeCore(BridgeConfig config, MatrixClient matrix, SqlTransactionSink sink, SqlBridgedRooms rooms,
                      RelayGate gate) {
        this(config, matrix, sink, rooms, gate, new MetricsRegistry());
    }

    /**
     * A core as {@link #BridgeCore(BridgeConfig, MatrixClient, SqlTransactionSink, SqlBridgedRooms, RelayGate)}
     * describes, registering its metrics ({@code hosting_bridge_events_failed_total{outcome}}) in {@code metrics}.
     */
    public BridgeCore(BridgeConfig config, MatrixClient matrix, SqlTransactionSink sink, SqlBridgedRooms rooms,
                      RelayGate gate, MetricsRegistry metrics) {
        this.eventFailures = metrics.counter("hosting_bridge_events_failed_total",
                "Stored events whose handling failed: retried later, or dropped after the last attempt", "outcome");
        this.config = Objects.requireNonNull(config, "config");
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.rooms = Objects.requireNonNull(rooms, "rooms");
        this.gate = Objects.requireNonNull(gate, "gate");
        this.bot = UserId.parse(config.botUserId());
        this.ghosts = config.ghosts();
        this.core = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "bridge-core");
            t.setDaemon(true);
            return t;
        });
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "bridge-core-timer");
            t.setDaemon(true);
            return t;
        });
        for (IrcNetworkConfig network : config.ircNetworks()) {
            networks.put(network.id(), new NetworkState(network));
        }
    }

    /**
     * Hands the byob side to this core before {@link #start()}: it becomes the {@link RelayGate}, sees every
     * event in the bot's rooms, the to-device events, the private messages to the bot on IRC and each network's
     * case mapping, and its timer runs on the core thread.
     */
    public void useByob(ByobHooks hooks) {
        Objects.requireNonNull(hooks, "hooks");
        this.gate = hooks;
        this.byob = hooks;
    }

    /** Runs tasks on the core thread, each queued behind what is there already (never inline). */
    public Executor executor() {
        return this::execute;
    }

    /**
     * Joins the configured rooms and marks them bridged, connects the bot to each network, and handles the
     * events stored before; returns once the rooms are set up (the IRC connections register in the background).
     */
    public void start() throws InterruptedException, ExecutionException {
        sink.onStored(() -> execute(this::drain));
        core.submit(() -> {
            setUpRooms();
            for (NetworkState network : networks.values()) {
                connectBot(network);
            }
            drain();
            scheduleTick();
            return null;
        }).get();
    }

    /** Runs {@code task} on the core thread, after what is queued; dropped once closed. */
    void execute(Runnable task) {
        if (closed) {
            return;
        }
        core.execute(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("bridge core task failed", e);
            }
            try {
                scheduleTick();
            } catch (RuntimeException e) {
                LOG.error("cannot schedule the byob timer", e);
            }
        });
    }

    /** (Re)schedules the byob timer at its deadline, if that changed; on the core thread. */
    private void scheduleTick() {
        if (byob == null || closed) {
            return;
        }
        Instant next = byob.nextDeadline().orElse(null);
        if (Objects.equals(next, tickAt) && (tickTask == null || !tickTask.isDone())) {
            return;
        }
        if (tickTask != null) {
            tickTask.cancel(false);
            tickTask = null;
        }
        tickAt = next;
        if (next == null) {
            return;
        }
        long delay = Math.max(0, Duration.between(Clock.systemUTC().instant(), next).toMillis());
        try {
            tickTask = timer.schedule(() -> execute(() -> {
                tickAt = null;
                tickTask = null;
                byob.tick();
            }), delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("the timer has stopped");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Rooms

    private void setUpRooms() {
        for (RoomConfig room : config.rooms()) {
            NetworkState network = networks.get(room.network());
            RoomId id;
            try {
                id = matrix.join(room.room(), List.of());
            } catch (MatrixException e) {
                LOG.error("cannot join {} (bridged to {} on {}): {}", room.room(), room.channel(), room.network(),
                        e.getMessage());
                continue;
            }
            String channel = FOLD.fold(room.channel());
            rooms.put(new SqlBridgedRooms.BridgedRoom(id, network.network, channel, bot));
            Bridged b = new Bridged(id, network, room.channel());
            network.channels.put(channel, b);
            bridged.put(id, b);
            members(id, true);
            markBridged(b);
        }
    }

    /** Sends the MSC2346 state events the room lacks (or that name another bot or channel). */
    private void markBridged(Bridged b) {
        String key = BridgeState.stateKey(config.appservice().id(), b.network.network, b.channel);
        ObjectNode content = BridgeState.content(bot, null, b.network.network, b.channel);
        for (String type : BridgeState.EVENT_TYPES) {
            try {
                Optional<JsonNode> current = matrix.getStateEvent(b.room, type, key);
                if (current.isPresent() && bot.value().equals(current.get().path("bridgebot").asText())
                        && b.channel.equals(current.get().path("channel").path("id").asText())) {
                    continue;
                }
                matrix.sendStateEvent(b.room, type, key, content);
            } catch (MatrixException e) {
                LOG.warn("cannot mark {} as bridged with {}: {}", b.room, type, e.getMessage());
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Matrix -> IRC

    /**
     * Handles the stored events in order, deleting each once handled. One whose handling fails stays stored and
     * is tried again after a growing delay ({@link EventRetry}), holding back those behind it; after the last
     * attempt it is logged as an error, counted and deleted.
     */
    private void drain() {
        if (drainPausedUntil != null && Clock.systemUTC().instant().isBefore(drainPausedUntil)) {
            return; // a retry is scheduled
        }
        drainPausedUntil = null;
        while (!closed) {
            List<PendingEvent> pending = sink.pending(BATCH);
            if (pending.isEmpty()) {
                return;
            }
            for (PendingEvent p : pending) {
                if (closed) {
                    return;
                }
                try {
                    Optional<JsonNode> toDevice = SqlTransactionSink.toDevice(p.event());
                    if (toDevice.isPresent()) {
                        if (byob != null) {
                            byob.onToDevice(toDevice.get());
                        }
                    } else {
                        handle(p.event());
                    }
                    retry.succeeded(p.seq());
                } catch (RuntimeException e) {
                    String id = p.event().path("event_id").asText("(no event id)");
                    EventRetry.Decision decision = retry.failed(p.seq());
                    if (decision instanceof EventRetry.Retry again) {
                        LOG.warn("event {} of transaction {} failed; attempt {} in {} ms: {}", id, p.txnId(),
                                again.attempt(), again.delay().toMillis(), e.toString());
                        eventFailures.labels("retried").inc();
                        pauseDrain(again.delay());
                        return;
                    }
                    LOG.error("event {} of transaction {} failed {} times; giving up on it", id, p.txnId(),
                            ((EventRetry.GiveUp) decision).attempts(), e);
                    eventFailures.labels("dropped").inc();
                }
                sink.done(p.seq());
            }
        }
    }

    /** Stops handling events for {@code delay}, then drains again. */
    private void pauseDrain(Duration delay) {
        drainPausedUntil = Clock.systemUTC().instant().plus(delay);
        try {
            timer.schedule(() -> execute(() -> {
                drainPausedUntil = null;
                drain();
            }), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("the timer has stopped");
        }
    }

    private void handle(JsonNode event) {
        if (byob != null) {
            toByob(event);
        }
        MatrixEvents.Decision decision = MatrixEvents.decide(event, bot, ghosts, bridged::containsKey);
        if (decision instanceof MatrixEvents.Relay relay) {
            matrixMembers.computeIfAbsent(relay.room(), r -> new HashSet<>()).add(relay.sender());
            Bridged b = bridged.get(relay.room());
            if (gate.relayToRemote(relay.sender(), b.network.network, relay.room(), event)) {
                relayToIrc(b, relay);
            } else {
                LOG.debug("not relaying {}: the gate holds it back", relay.event());
            }
        } else if (decision instanceof MatrixEvents.Joined joined) {
            matrixMembers.computeIfAbsent(joined.room(), r -> new HashSet<>()).add(joined.user());
            Bridged b = bridged.get(joined.room());
            if (!b.network.config.relaybot() && gate.puppetWanted(joined.user(), b.network.network)) {
                puppetIn(b, joined.user());
            }
        } else if (decision instanceof MatrixEvents.Left left) {
            Set<UserId> members = matrixMembers.get(left.room());
            if (members != null) {
                members.remove(left.user());
            }
            puppetOut(bridged.get(left.room()), left.user());
        } else if (decision instanceof MatrixEvents.BotInvited invited) {
            LOG.debug("invited to {} by {}; rooms are bridged by the configuration, DMs are byob's",
                    invited.room(), invited.inviter());
        }
    }

    /**
     * Hands {@code event} to byob if it is in a room the bot is in or invites the bot, keeping the room's joined
     * members up to date to tell whether it is a DM between the bot and the sender.
     */
    private void toByob(JsonNode event) {
        RoomId room;
        UserId sender;
        try {
            room = RoomId.parse(event.path("room_id").asText(""));
            sender = UserId.parse(event.path("sender").asText(""));
        } catch (IllegalArgumentException e) {
            return;
        }
        if ("m.room.member".equals(event.path("type").asText())) {
            String target = event.path("state_key").asText("");
            String membership = event.path("content").path("membership").asText("");
            if (target.equals(bot.value())) {
                if ("invite".equals(membership)) {
                    byob.onRoomEvent(room, event, false);
                    return;
                }
                if ("join".equals(membership)) {
                    members(room, true);
                } else {
                    joinedMembers.remove(room);
                }
            } else {
                Set<UserId> members = members(room, false);
                try {
                    UserId user = UserId.parse(target);
                    if ("join".equals(membership)) {
                        members.add(user);
                    } else {
                        members.remove(user);
                    }
                } catch (IllegalArgumentException e) {
                    return;
                }
            }
        }
        Set<UserId> members = members(room, false);
        if (!members.contains(bot)) {
            return;
        }
        boolean direct = members.size() == 2 && members.contains(sender) && !sender.equals(bot);
        byob.onRoomEvent(room, event, direct);
    }

    /** The joined members of {@code room} as the core knows them; asked of the homeserver when unknown or {@code fresh}. */
    private Set<UserId> members(RoomId room, boolean fresh) {
        Set<UserId> known = joinedMembers.get(room);
        if (known != null && !fresh) {
            return known;
        }
        Set<UserId> members = new HashSet<>();
        try {
            members.addAll(matrix.joinedMembers(room).keySet());
        } catch (MatrixException e) {
            LOG.debug("cannot list the members of {}: {}", room, e.getMessage());
        }
        joinedMembers.put(room, members);
        if (bridged.containsKey(room)) {
            Set<UserId> people = matrixMembers.computeIfAbsent(room, r -> new HashSet<>());
            for (UserId member : members) {
                if (!member.equals(bot) && !ghosts.contains(member.value())) {
                    people.add(member);
                }
            }
        }
        return members;
    }

    private void relayToIrc(Bridged b, MatrixEvents.Relay relay) {
        if (relayed.contains(relay.event())) {
            return;
        }
        sendToIrc(b, relay);
        relayed.add(relay.event()); // only once handled: an attempt that threw is retried and sends it
    }

    private void sendToIrc(Bridged b, MatrixEvents.Relay relay) {
        NetworkState network = b.network;
        PuppetPlan.Via via = PuppetPlan.relay(network.config.relaybot(),
                gate.puppetWanted(relay.sender(), network.network));
        if (via == PuppetPlan.Via.BOT) {
            if (network.bot == null || !network.bot.isRegistered()) {
                LOG.warn("not relaying {}: the bot is not connected to {}", relay.event(), network.config.id());
                return;
            }
            String nick = network.bot.session().map(IrcSession::nick).orElse(network.config.botNick());
            for (IrcMessage line : Formatting.toIrc(relay.message(), b.channel, nick, relay.sender().localpart())) {
                network.bot.send(line);
            }
            return;
        }
        Puppet existing = network.puppets.get(relay.sender());
        boolean wasTemporary = existing != null && existing.temporary;
        Puppet puppet = puppetIn(b, relay.sender());
        if (puppet == null) {
            return;
        }
        puppet.temporary = PuppetPlan.temporaryAfter(via, existing != null, wasTemporary);
        if (puppet.temporary && !wasTemporary) {
            LOG.info("{} is on {} for a fill-in until their visiting bridge is back", relay.sender(),
                    network.config.id());
        }
        String nick = puppet.connection.session().map(IrcSession::nick).orElse("x");
        for (IrcMessage line : Formatting.toIrc(relay.message(), b.channel, nick, null)) {
            puppet.connection.send(line);
        }
    }

    /** {@code user}'s puppet, connected and in {@code b}'s channel; null if it could not connect. */
    private Puppet puppetIn(Bridged b, UserId user) {
        NetworkState network = b.network;
        Puppet puppet = network.puppets.get(user);
        if (puppet == null) {
            puppet = startPuppet(network, user);
            if (puppet == null) {
                return null;
            }
        }
        String channel = FOLD.fold(b.channel);
        if (puppet.channels.add(channel)) {
            puppet.connection.send(IrcMessage.of("JOIN", b.channel));
        }
        return puppet;
    }

    private Puppet startPuppet(NetworkState network, UserId user) {
        String nick = IrcNicks.forUser(network.config, user.localpart());
        IrcSessionConfig session = IrcSessionConfig.of(nick)
                .withRealname(user.value())
                .withCapabilities(PUPPET_CAPABILITIES)
                .withMaxNickAttempts(6);
        IrcConnection[] holder = new IrcConnection[1];
        IrcConnection.Builder builder = IrcConnection.builder(network.config.host(), network.config.port(), session)
                .eventLoopGroup(group)
                .listener(new IrcConnection.Listener() {
                    @Override
                    public void onRegistered(Registered registered) {
                        execute(() -> rejoin(network, user, holder[0]));
                    }
                });
        if (network.config.tls()) {
            builder.tls();
        }
        IrcConnection connection = builder.build();
        holder[0] = connection;
        Puppet puppet = new Puppet(user, connection);
        try {
            connection.start().get(PUPPET_REGISTRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connection.close();
            return null;
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("cannot connect {} to {} as {}: {}", user, network.config.id(), nick, e.toString());
            connection.close();
            return null;
        }
        network.puppets.put(user, puppet);
        LOG.info("{} is on {} as {}", user, network.config.id(),
                connection.session().map(IrcSession::nick).orElse(nick));
        return puppet;
    }

    /** After a puppet reconnected: back into its channels. */
    private void rejoin(NetworkState network, UserId user, IrcConnection connection) {
        Puppet puppet = network.puppets.get(user);
        if (puppet == null || puppet.connection != connection) {
            return;
        }
        for (String channel : puppet.channels) {
            Bridged b = network.channels.get(channel);
            if (b != null) {
                connection.send(IrcMessage.of("JOIN", b.channel));
            }
        }
    }

    /** {@code user} left {@code b}'s room: their puppet parts, and quits when in no other channel. */
    private void puppetOut(Bridged b, UserId user) {
        Puppet puppet = b.network.puppets.get(user);
        if (puppet == null) {
            return;
        }
        if (puppet.channels.remove(FOLD.fold(b.channel))) {
            puppet.connection.send(IrcMessage.of("PART", b.channel));
        }
        if (puppet.channels.isEmpty()) {
            quitPuppet(b.network, puppet);
        }
    }

    private void quitPuppet(NetworkState network, Puppet puppet) {
        network.puppets.remove(puppet.user);
        puppet.connection.closeAsync("left Matrix");
        LOG.info("{} left {}", puppet.user, network.config.id());
    }

    // ---------------------------------------------------------------------------------------------
    // IRC -> Matrix

    private void connectBot(NetworkState network) {
        IrcSessionConfig session = IrcSessionConfig.of(network.config.botNick())
                .withRealname("Matrix bridge " + bot.value())
                .withCapabilities(BOT_CAPABILITIES);
        IrcConnection.Builder builder = IrcConnection.builder(network.config.host(), network.config.port(), session)
                .eventLoopGroup(group)
                .listener(new IrcConnection.Listener() {
                    @Override
                    public void onRegistered(Registered registered) {
                        execute(() -> {
                            if (byob != null) {
                                network.bot.session().ifPresent(s -> byob.caseMapping(network.network,
                                        s.caseMapping()));
                            }
                            joinChannels(network);
                        });
                    }

                    @Override
                    public void onEvent(IrcMessage message) {
                        execute(() -> onIrcLine(network, message));
                    }
                });
        if (network.config.tls()) {
            builder.tls();
        }
        network.bot = builder.build();
        network.bot.start().whenComplete((registered, failure) -> {
            if (failure != null) {
                LOG.error("the bot cannot connect to {}: {}", network.config.id(), failure.toString());
            }
        });
    }

    private void joinChannels(NetworkState network) {
        LOG.info("the bot is on {} as {}; joining {} channels", network.config.id(),
                network.bot.session().map(IrcSession::nick).orElse("?"), network.channels.size());
        for (Bridged b : network.channels.values()) {
            network.bot.send(IrcMessage.of("JOIN", b.channel));
        }
    }

    private void onIrcLine(NetworkState network, IrcMessage line) {
        Optional<String> nickOpt = line.nick();
        if (nickOpt.isEmpty() || line.source().map(IrcMessage.Source::isServer).orElse(true)) {
            if (line.is("353")) {
                names(network, line);
            } else if (line.is("005") && byob != null) {
                for (String token : line.params()) {
                    if (token.regionMatches(true, 0, "CASEMAPPING=", 0, 12)) {
                        byob.caseMapping(network.network, CaseMapping.fromIsupport(token.substring(12)));
                    }
                }
            }
            return;
        }
        String nick = nickOpt.get();
        line.account().ifPresent(account -> network.accounts.put(FOLD.fold(nick), account));
        boolean own = network.isOwn(nick);
        switch (line.command().toUpperCase(Locale.ROOT)) {
            case "PRIVMSG", "NOTICE" -> {
                if (!own && byob != null && line.is("PRIVMSG") && network.bot != null
                        && line.param(0).map(t -> network.bot.session().map(s -> s.isMe(t)).orElse(false))
                                .orElse(false)) {
                    byob.onBotPrivateMessage(network.network, line);
                    return;
                }
                Bridged b = line.param(0).map(c -> network.channels.get(FOLD.fold(c))).orElse(null);
                if (b == null || own) {
                    return;
                }
                Optional<Formatting.Message> message = Formatting.fromIrc(line);
                if (message.isEmpty()) {
                    return;
                }
                String msgid = line.msgid().orElseGet(() -> "local-" + lineCounter.incrementAndGet());
                recentLines.put(msgid, new RecentLine(network, b.channel, line));
                if (!gate.relayToMatrix(network.network, b.channel, b.room, line)) {
                    LOG.debug("not relaying {} from {}: the gate holds it back", msgid, nick);
                    return;
                }
                relayToMatrix(network, b, nick, msgid, message.get());
            }
            case "JOIN" -> {
                Bridged b = line.param(0).map(c -> network.channels.get(FOLD.fold(c))).orElse(null);
                if (b == null) {
                    return;
                }
                line.param(1).filter(a -> !"*".equals(a) && line.params().size() >= 3)
                        .ifPresent(a -> network.accounts.put(FOLD.fold(nick), a));
                network.members.computeIfAbsent(FOLD.fold(b.channel), c -> new LinkedHashSet<>()).add(nick);
                if (!own && gate.ghostWanted(network.network, nick, network.account(nick).orElse(null))) {
                    ghostIn(network, b, nick);
                }
            }
            case "PART" -> {
                Bridged b = line.param(0).map(c -> network.channels.get(FOLD.fold(c))).orElse(null);
                if (b == null) {
                    return;
                }
                removeMember(network, b, nick);
                if (!own) {
                    ghostOut(ghostOf(network, nick), b.room);
                }
            }
            case "KICK" -> {
                Bridged b = line.param(0).map(c -> network.channels.get(FOLD.fold(c))).orElse(null);
                String kicked = line.param(1).orElse(null);
                if (b == null || kicked == null) {
                    return;
                }
                removeMember(network, b, kicked);
                if (!network.isOwn(kicked)) {
                    ghostOut(ghostOf(network, kicked), b.room);
                }
            }
            case "QUIT" -> {
                for (Bridged b : network.channels.values()) {
                    removeMember(network, b, nick);
                }
                network.accounts.remove(FOLD.fold(nick));
                if (!own) {
                    UserId ghost = ghostOf(network, nick);
                    for (RoomId room : List.copyOf(ghostRooms.getOrDefault(ghost, Set.of()))) {
                        ghostOut(ghost, room);
                    }
                }
            }
            case "NICK" -> nickChange(network, nick, line.param(0).orElse(nick), own);
            case "ACCOUNT" -> line.param(0).ifPresent(a -> {
                if ("*".equals(a)) {
                    network.accounts.remove(FOLD.fold(nick));
                } else {
                    network.accounts.put(FOLD.fold(nick), a);
                }
            });
            default -> {
            }
        }
    }

    /** A NAMES reply: who is in a channel when the bot joins. Ghosts appear when these people speak or join. */
    private void names(NetworkState network, IrcMessage line) {
        if (line.params().size() < 4) {
            return;
        }
        String channel = FOLD.fold(line.params().get(2));
        if (!network.channels.containsKey(channel)) {
            return;
        }
        Set<String> members = network.members.computeIfAbsent(channel, c -> new LinkedHashSet<>());
        for (String entry : line.params().get(3).split(" ")) {
            String nick = entry.replaceFirst("^[~&@%+]+", "");
            if (!nick.isEmpty()) {
                members.add(nick);
            }
        }
    }

    private void removeMember(NetworkState network, Bridged b, String nick) {
        Set<String> members = network.members.get(FOLD.fold(b.channel));
        if (members != null) {
            members.removeIf(n -> FOLD.fold(n).equals(FOLD.fold(nick)));
        }
    }

    /**
     * A nick change: the ghost of the new nick joins the rooms the old one was in, and the old one leaves
     * them. (Ghost ids follow nicks, so a person's history on Matrix is split at a nick change.)
     */
    private void nickChange(NetworkState network, String from, String to, boolean own) {
        String account = network.accounts.remove(FOLD.fold(from));
        if (account != null) {
            network.accounts.put(FOLD.fold(to), account);
        }
        for (Set<String> members : network.members.values()) {
            if (members.removeIf(n -> FOLD.fold(n).equals(FOLD.fold(from)))) {
                members.add(to);
            }
        }
        if (own) {
            return;
        }
        UserId old = ghostOf(network, from);
        boolean wanted = gate.ghostWanted(network.network, to, account);
        for (RoomId room : List.copyOf(ghostRooms.getOrDefault(old, Set.of()))) {
            Bridged b = bridged.get(room);
            if (wanted && b != null) {
                ghostIn(network, b, to);
            }
            ghostOut(old, room);
        }
    }

    // Callers relay only what the gate let through: for an account linked to a visiting bridge that is a
    // fill-in (§12.4), which must reach Matrix although that account has no ghost otherwise (§11.1).
    private void relayToMatrix(NetworkState network, Bridged b, String nick, String msgid, Formatting.Message message) {
        UserId ghost = ghostIn(network, b, nick);
        if (ghost == null) {
            return;
        }
        String txnId = "byob.relay." + network.config.id() + "." + msgid;
        matrix.as(ghost).sendMessageEvent(b.room, "m.room.message", Formatting.toMatrix(message), txnId);
    }

    private UserId ghostOf(NetworkState network, String nick) {
        return UserId.parse(GhostIds.userId(ghosts, network.config.id(), nick, networks.size() > 1));
    }

    /** The ghost of {@code nick}, made if needed and joined to {@code b}'s room; null if that failed. */
    private UserId ghostIn(NetworkState network, Bridged b, String nick) {
        UserId ghost = ghostOf(network, nick);
        Set<RoomId> joined = ghostRooms.computeIfAbsent(ghost, g -> new HashSet<>());
        if (joined.contains(b.room)) {
            return ghost;
        }
        try {
            if (ghostsMade.add(ghost)) {
                matrix.registerAppserviceUser(ghost);
                matrix.as(ghost).setDisplayName(ghost, nick);
            }
            try {
                matrix.invite(b.room, ghost);
            } catch (MatrixException e) {
                LOG.debug("inviting {} to {}: {}", ghost, b.room, e.getMessage());
            }
            matrix.as(ghost).join(b.room);
            joined.add(b.room);
            return ghost;
        } catch (MatrixException e) {
            ghostsMade.remove(ghost);
            LOG.warn("{} cannot join {}: {}", ghost, b.room, e.getMessage());
            return null;
        }
    }

    private void ghostOut(UserId ghost, RoomId room) {
        Set<RoomId> joined = ghostRooms.get(ghost);
        if (joined == null || !joined.remove(room)) {
            return;
        }
        try {
            matrix.as(ghost).leave(room);
        } catch (MatrixException e) {
            LOG.warn("{} cannot leave {}: {}", ghost, room, e.getMessage());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // BridgeActions (called on the core thread)

    @Override
    public void relayToRemoteNow(UserId user, Network network, RoomId room, EventId event) {
        Bridged b = bridged.get(room);
        if (b == null || !b.network.network.equals(network)) {
            LOG.warn("cannot relay {}: {} is not bridged to {}", event, room, network);
            return;
        }
        JsonNode json = matrix.getEvent(room, event);
        if (MatrixEvents.decide(json, bot, ghosts, bridged::containsKey) instanceof MatrixEvents.Relay relay
                && relay.sender().equals(user)) {
            relayToIrc(b, relay);
        } else {
            LOG.warn("cannot relay {}: not a message of {}", event, user);
        }
    }

    @Override
    public void relayToMatrixNow(Network network, RoomId room, String msgid) {
        RecentLine recent = recentLines.get(msgid);
        Bridged b = bridged.get(room);
        if (recent == null || b == null || !recent.network.network.equals(network)) {
            LOG.warn("cannot relay line {} of {} to {}: not kept", msgid, network, room);
            return;
        }
        String nick = recent.line.nick().orElse(null);
        Optional<Formatting.Message> message = Formatting.fromIrc(recent.line);
        if (nick != null && message.isPresent()) {
            relayToMatrix(recent.network, b, nick, msgid, message.get());
        }
    }

    @Override
    public void refreshPresence(UserId user, Network network, String remoteAccount) {
        NetworkState state = networks.get(network.id());
        if (state == null || !state.network.equals(network)) {
            return;
        }
        Puppet puppet = state.puppets.get(user);
        switch (PuppetPlan.refresh(state.config.relaybot(), gate.puppetWanted(user, network), puppet != null)) {
            case QUIT -> quitPuppet(state, puppet);
            case JOIN_ROOMS -> {
                for (Bridged b : state.channels.values()) {
                    if (matrixMembers.getOrDefault(b.room, Set.of()).contains(user)) {
                        Puppet joined = puppetIn(b, user);
                        if (joined != null) {
                            joined.temporary = false;
                        }
                    }
                }
            }
            case NOTHING -> {
            }
        }
        if (remoteAccount == null) {
            return;
        }
        List<String> nicks = new ArrayList<>();
        state.accounts.forEach((nick, account) -> {
            if (FOLD.fold(account).equals(FOLD.fold(remoteAccount))) {
                nicks.add(nick);
            }
        });
        for (Bridged b : state.channels.values()) {
            for (String member : List.copyOf(state.members.getOrDefault(FOLD.fold(b.channel), Set.of()))) {
                if (!nicks.contains(FOLD.fold(member)) || state.isOwn(member)) {
                    continue;
                }
                if (gate.ghostWanted(network, member, remoteAccount)) {
                    ghostIn(state, b, member);
                } else {
                    ghostOut(ghostOf(state, member), b.room);
                }
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // BridgedRoomDirectory (called on the core thread)

    @Override
    public Optional<RoomId> roomWithUser(UserId user, Network network) {
        for (Bridged b : bridged.values()) {
            if (b.network.network.equals(network) && matrixMembers.getOrDefault(b.room, Set.of()).contains(user)) {
                return Optional.of(b.room);
            }
        }
        return Optional.empty();
    }

    @Override
    public boolean bridges(RoomId room) {
        return bridged.containsKey(room);
    }

    // ---------------------------------------------------------------------------------------------

    /** The rooms bridged, with their network id and channel, for tests and logs. */
    public Map<RoomId, String> bridgedRooms() throws InterruptedException, ExecutionException {
        return core.submit(() -> {
            Map<RoomId, String> out = new LinkedHashMap<>();
            bridged.forEach((room, b) -> out.put(room, b.network.config.id() + "/" + b.channel));
            return out;
        }).get();
    }

    /** Quits every IRC connection and stops the core thread; idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        java.util.concurrent.Future<CompletableFuture<Void>> quitting = null;
        try {
            quitting = core.submit(() -> {
                List<CompletableFuture<Void>> quits = new ArrayList<>();
                for (NetworkState network : networks.values()) {
                    for (Puppet puppet : network.puppets.values()) {
                        quits.add(puppet.connection.closeAsync("bridge stopping"));
                    }
                    if (network.bot != null) {
                        quits.add(network.bot.closeAsync("bridge stopping"));
                    }
                }
                return CompletableFuture.allOf(quits.toArray(CompletableFuture[]::new));
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("the core had stopped already");
        }
        closed = true;
        try {
            if (quitting != null) {
                quitting.get(5, TimeUnit.SECONDS).get(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("stopping the IRC connections: {}", e.toString());
        }
        core.shutdownNow();
        timer.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
}
