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
import dev.byob.kit.matrix.PowerLevels;
import dev.byob.hosting.store.SqlBridgedRooms;
import dev.byob.hosting.store.SqlTransactionSink;
import dev.byob.hosting.store.SqlTransactionSink.PendingEvent;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.RelayMarks;
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

    /** How long a new puppet connection may take to register before its messages go out through the bot. */
    static final Duration PUPPET_REGISTRATION_TIMEOUT = Duration.ofSeconds(30);
    /** How many relays may wait for one puppet to register. */
    private static final int MAX_WAITING = 100;
    /** How many recent IRC lines are kept by msgid for {@link #relayToMatrixNow}. */
    static final int RECENT_LINES = 1000;
    private static final int RECENT_RELAYED = 1000;
    /** The prefix of the ids the core gives lines the network sent without a {@code msgid}. */
    private static final String LOCAL_MSGID = "local-";
    /** Events read and handled at a time, their deletions and journal entries committed together. */
    private static final int BATCH = 1000;
    private static final CaseMapping FOLD = CaseMapping.RFC1459;
    private static final List<String> BOT_CAPABILITIES = List.of("message-tags", "account-tag", "server-time",
            "echo-message", "extended-join", "account-notify");
    private static final List<String> PUPPET_CAPABILITIES = List.of("message-tags", "server-time");

    /** A bridged room. */
    private record Bridged(RoomId room, NetworkState network, String channel) {
    }

    /** A relay waiting for a puppet to register. */
    private record Waiting(Bridged bridged, MatrixEvents.Relay relay) {
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
        final WhoisLookups whois = new WhoisLookups(FOLD);

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
        /** Relays waiting for the connection's first registration, in order. */
        final List<Waiting> waiting = new ArrayList<>();
        boolean registered;
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
    /** Rooms someone invited the bot to: it stays there when a bridge command for one is refused. */
    private final Set<RoomId> invitedTo = new HashSet<>();
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
    private final Counter linesDropped;
    private final Counter eventsHandled;
    /** Events handled whose deletion from the store is deferred, not yet committed ({@link #flush}). */
    private int unflushed;
    /** Whether the event being handled sent something to IRC. */
    private boolean sentToIrc;
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
     * describes, registering its metrics ({@code hosting_bridge_events_failed_total{outcome}} and
     * {@code hosting_bridge_events_handled_total}) in {@code metrics}.
     */
    public BridgeCore(BridgeConfig config, MatrixClient matrix, SqlTransactionSink sink, SqlBridgedRooms rooms,
                      RelayGate gate, MetricsRegistry metrics) {
        this.linesDropped = metrics.counter("hosting_bridge_irc_lines_dropped_total",
                "Lines of Matrix messages an IRC connection refused (closed, or too many queued)");
        this.eventFailures = metrics.counter("hosting_bridge_events_failed_total",
                "Stored events whose handling failed: retried later, or dropped after the last attempt", "outcome");
        this.eventsHandled = metrics.counter("hosting_bridge_events_handled_total",
                "Stored events handled (or dropped after the last attempt) whose deletion from the store is committed");
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
            flush();
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
                flush();
            } catch (RuntimeException e) {
                LOG.error("cannot commit the bridge core's deferred writes; their events will be handled again", e);
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

    /** Bridges the configured rooms, then those room admins bridged by command in earlier runs. */
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
            rooms.put(new SqlBridgedRooms.BridgedRoom(id, network.network, FOLD.fold(room.channel()), bot));
            bridge(id, network, room.channel());
        }
        for (SqlBridgedRooms.BridgedRoom stored : rooms.all()) {
            if (stored.createdBy().equals(bot) || bridged.containsKey(stored.room())) {
                continue; // the configuration's, kept only while it names them
            }
            NetworkState network = networks.get(stored.network().id());
            if (network == null || !network.network.equals(stored.network())
                    || network.channels.containsKey(stored.channel())) {
                LOG.warn("not bridging {} to {} on {} as {} asked: that network is no longer configured, or the "
                        + "channel is bridged by the configuration", stored.room(), stored.channel(),
                        stored.network(), stored.createdBy());
                continue;
            }
            try {
                matrix.join(stored.room());
            } catch (MatrixException e) {
                LOG.error("cannot join {} (bridged to {} on {} by {}): {}", stored.room(), stored.channel(),
                        network.config.id(), stored.createdBy(), e.getMessage());
                continue;
            }
            bridge(stored.room(), network, stored.channel());
        }
    }

    /** Starts bridging {@code room} to {@code channel}: the core's maps, its members, its MSC2346 state. */
    private Bridged bridge(RoomId room, NetworkState network, String channel) {
        Bridged b = new Bridged(room, network, channel);
        network.channels.put(FOLD.fold(channel), b);
        bridged.put(room, b);
        members(room, true);
        markBridged(b);
        return b;
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
        sentToIrc = false;
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
                unflushed++;
                if (sentToIrc) {
                    flush(); // its deletion durable at once, as a repeated relay to IRC would be seen twice
                }
            }
            flush(false); // nothing was sent since the last flush: a machine's crash would only redo these events
        }
    }

    /**
     * Commits the writes deferred on the core thread: the deletions of handled events and what their handling
     * journaled, many events in one commit. Runs after every core task and batch of events, before anything is
     * relayed (so what was decided before it is durable first) and after an event that was relayed to IRC.
     */
    private void flush() {
        flush(true);
    }

    /** Commits the deferred writes; unless {@code synced}, without waiting for the disk (see {@link #drain}). */
    private void flush(boolean synced) {
        sentToIrc = false;
        int handled = unflushed;
        unflushed = 0;
        if (synced) {
            sink.flush();
        } else {
            sink.flushWithoutSync();
        }
        eventsHandled.inc(handled);
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
            invitedTo.add(invited.room());
            LOG.debug("invited to {} by {}; a room is bridged by the configuration or by a room admin's "
                    + "'bridge' command in a DM with the bot", invited.room(), invited.inviter());
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
        // A bridged room is never the bot's DM, even when only one person is in it with the bot.
        boolean direct = !bridged.containsKey(room) && members.size() == 2 && members.contains(sender)
                && !sender.equals(bot);
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
        flush();
        sentToIrc = true;
        NetworkState network = b.network;
        PuppetPlan.Via via = PuppetPlan.relay(network.config.relaybot(),
                gate.puppetWanted(relay.sender(), network.network));
        if (via == PuppetPlan.Via.BOT) {
            sendAsBot(b, relay);
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
        if (!puppet.registered) {
            if (puppet.waiting.size() >= MAX_WAITING) {
                LOG.warn("not relaying {}: {} messages already wait for {} to connect", relay.event(), MAX_WAITING,
                        relay.sender());
                return;
            }
            puppet.waiting.add(new Waiting(b, relay));
            return;
        }
        sendAsPuppet(puppet, b, relay);
    }

    private void sendAsPuppet(Puppet puppet, Bridged b, MatrixEvents.Relay relay) {
        String nick = puppet.connection.session().map(IrcSession::nick).orElse("x");
        for (IrcMessage line : Formatting.toIrc(relay.message(), b.channel, nick, null)) {
            sendLine(puppet.connection, marked(line, puppet.connection, relay.event()), relay);
        }
    }

    /** Sends {@code line} of {@code relay}; a line the connection refuses (closed, queue full) is logged and counted. */
    private void sendLine(IrcConnection connection, IrcMessage line, MatrixEvents.Relay relay) {
        connection.send(line).whenComplete((written, failure) -> {
            if (failure != null) {
                linesDropped.inc();
                LOG.warn("a line of {} from {} was not sent: {}", relay.event(), relay.sender(), failure.toString());
            }
        });
    }

    /** Says {@code relay} through the bot as {@code <alice> text}; false if the bot is not connected. */
    private boolean sendAsBot(Bridged b, MatrixEvents.Relay relay) {
        NetworkState network = b.network;
        if (network.bot == null || !network.bot.isRegistered()) {
            LOG.warn("not relaying {}: the bot is not connected to {}", relay.event(), network.config.id());
            return false;
        }
        String nick = network.bot.session().map(IrcSession::nick).orElse(network.config.botNick());
        for (IrcMessage line : Formatting.toIrc(relay.message(), b.channel, nick, relay.sender().localpart())) {
            sendLine(network.bot, marked(line, network.bot, relay.event()), relay);
        }
        return true;
    }

    /**
     * {@code line} marked as the relay of {@code event} (spec §12.1), so that a visiting bridge watching the
     * channel knows the hosting bridge carried it; unmarked where the connection cannot carry tags.
     */
    private static IrcMessage marked(IrcMessage line, IrcConnection connection, EventId event) {
        boolean tags = connection.session().map(s -> s.capabilities().contains("message-tags")).orElse(false);
        return tags ? line.withTag(RelayMarks.ORIGIN_TAG, event.value()) : line;
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
        if (puppet.channels.add(channel) && puppet.registered) {
            puppet.connection.send(IrcMessage.of("JOIN", b.channel));
        }
        return puppet;
    }

    /**
     * Starts {@code user}'s connection without waiting for it: the core goes on with other events, and what is
     * to be said meanwhile waits in the puppet until it registers ({@link #rejoin}), or goes out through the bot
     * if it cannot ({@link #puppetFailed}). Null only if the connection cannot even be built.
     */
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
        IrcConnection connection;
        try {
            connection = builder.build();
        } catch (RuntimeException e) {
            LOG.warn("cannot connect {} to {}: {}", user, network.config.id(), e.toString());
            return null;
        }
        holder[0] = connection;
        Puppet puppet = new Puppet(user, connection);
        network.puppets.put(user, puppet);
        connection.start().whenComplete((registered, failure) -> {
            if (failure != null) {
                execute(() -> puppetFailed(network, puppet, failure));
            }
        });
        try {
            timer.schedule(() -> execute(() -> {
                if (!puppet.registered) {
                    connection.closeAsync("could not register in time");
                }
            }), PUPPET_REGISTRATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            LOG.debug("the timer has stopped");
        }
        return puppet;
    }

    /**
     * {@code puppet}'s connection ended before it ever registered: it is forgotten, and what waited for it goes
     * out through the bot as {@code <alice> text}, so that nothing the user said is lost.
     */
    private void puppetFailed(NetworkState network, Puppet puppet, Throwable failure) {
        if (network.puppets.get(puppet.user) == puppet) {
            network.puppets.remove(puppet.user);
        }
        if (puppet.waiting.isEmpty()) {
            LOG.info("{} did not get onto {}: {}", puppet.user, network.config.id(), failure.toString());
            return;
        }
        LOG.warn("{} did not get onto {} ({}); relaying their {} waiting message(s) through the bot", puppet.user,
                network.config.id(), failure.toString(), puppet.waiting.size());
        for (Waiting w : puppet.waiting) {
            sendAsBot(w.bridged, w.relay);
        }
        puppet.waiting.clear();
    }

    /** After a puppet registered: into its channels, then what waited for it, in order. */
    private void rejoin(NetworkState network, UserId user, IrcConnection connection) {
        Puppet puppet = network.puppets.get(user);
        if (puppet == null || puppet.connection != connection) {
            return;
        }
        if (!puppet.registered) {
            puppet.registered = true;
            LOG.info("{} is on {} as {}", user, network.config.id(),
                    connection.session().map(IrcSession::nick).orElse("?"));
        }
        for (String channel : puppet.channels) {
            Bridged b = network.channels.get(channel);
            if (b != null) {
                connection.send(IrcMessage.of("JOIN", b.channel));
            }
        }
        for (Waiting w : puppet.waiting) {
            sendAsPuppet(puppet, w.bridged, w.relay);
        }
        puppet.waiting.clear();
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
        // Lines of the user's still waiting for flood control were accepted for relaying: they go out first.
        puppet.connection.closeWhenSent("left Matrix");
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
                                network.bot.session().ifPresent(s -> {
                                    byob.caseMapping(network.network, s.caseMapping());
                                    byob.relayMarks(network.network, s.capabilities().contains("message-tags"));
                                });
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
            } else if ((line.is("330") || line.is("318")) && byob != null) {
                for (IrcMessage proof : network.whois.onReply(line)) {
                    byob.onBotPrivateMessage(network.network, proof);
                }
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
                    toByobFromIrc(network, line);
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
                String msgid = line.msgid().orElseGet(() -> LOCAL_MSGID + lineCounter.incrementAndGet());
                recentLines.put(msgid, new RecentLine(network, b.channel, line));
                if (!gate.relayToMatrix(network.network, b.channel, b.room, line, msgid)) {
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

    /**
     * A private message to the bot, for byob: as it is where the server tags accounts, else after a
     * {@code WHOIS} of its sender says which account they are logged in to ({@link WhoisLookups}).
     */
    private void toByobFromIrc(NetworkState network, IrcMessage line) {
        boolean tagged = network.bot.session().map(s -> s.capabilities().contains("account-tag")).orElse(false);
        if (tagged) {
            byob.onBotPrivateMessage(network.network, line);
            return;
        }
        WhoisLookups.Step step = network.whois.ask(line);
        if (step instanceof WhoisLookups.Step.Send send) {
            network.bot.send(send.whois());
        } else if (step instanceof WhoisLookups.Step.AsIs asIs) {
            LOG.warn("too many WHOIS lookups waiting on {}; a line from {} goes on without an account",
                    network.config.id(), line.nick().orElse("?"));
            byob.onBotPrivateMessage(network.network, asIs.line());
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
        ObjectNode content = Formatting.toMatrix(message);
        if (!msgid.startsWith(LOCAL_MSGID)) {
            // Marked as a relay (spec §4.14), so that a visiting bridge knows the hosting bridge carried it.
            ObjectNode source = content.putObject(RelayMarks.SOURCE_FIELD);
            source.putObject("network").put("protocol", network.network.protocol()).put("id", network.network.id());
            source.put("msgid", msgid);
        }
        flush();
        matrix.as(ghost).sendMessageEvent(b.room, "m.room.message", content, txnId);
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
    // Rooms bridged by a room admin's command (called on the core thread)

    @Override
    public String bridgeRoom(UserId sender, String roomText, String networkText, String channel) {
        String networkId = networkText.regionMatches(true, 0, "irc/", 0, 4) ? networkText.substring(4) : networkText;
        NetworkState network = networks.get(networkId);
        if (network == null) {
            return "There is no network '" + networkText + "' here; this bridge serves "
                    + String.join(", ", networks.keySet()) + ".";
        }
        if (!RoomConfig.isChannelName(channel)) {
            return "'" + channel + "' is not an IRC channel name (" + RoomConfig.CHANNEL_RULE + ").";
        }
        Resolved resolved = resolve(roomText);
        if (resolved.problem() != null) {
            return resolved.problem();
        }
        RoomId room = resolved.room();
        Bridged existing = bridged.get(room);
        if (existing != null) {
            return roomText + " is bridged to " + existing.channel + " on " + existing.network.config.id()
                    + " already.";
        }
        Bridged taken = network.channels.get(FOLD.fold(channel));
        if (taken != null) {
            return channel + " on " + networkId + " is bridged to " + taken.room + " already.";
        }
        boolean welcome = invitedTo.contains(room) || joinedMembers.getOrDefault(room, Set.of()).contains(bot);
        try {
            matrix.join(room);
        } catch (MatrixException e) {
            return "I cannot join " + roomText + " (" + e.getMessage() + "). Invite " + bot + " to it, then ask again.";
        }
        Optional<Refusal> refusal = refusal(sender, room, roomText, "bridge");
        if (refusal.isPresent()) {
            if (!welcome && !refusal.get().awaitsTheBotsLevel()) {
                leaveQuietly(room); // joined a public room only to look
            }
            return refusal.get().reason();
        }
        rooms.put(new SqlBridgedRooms.BridgedRoom(room, network.network, FOLD.fold(channel), sender));
        bridge(room, network, channel);
        if (network.bot != null && network.bot.isRegistered()) {
            network.bot.send(IrcMessage.of("JOIN", channel));
        }
        LOG.info("{} bridged {} to {} on {}", sender, room, channel, networkId);
        return "Bridged " + roomText + " to " + channel + " on " + networkId + ".";
    }

    @Override
    public String unbridgeRoom(UserId sender, String roomText) {
        Resolved resolved = resolve(roomText);
        if (resolved.problem() != null) {
            return resolved.problem();
        }
        RoomId room = resolved.room();
        Bridged b = bridged.get(room);
        if (b == null) {
            return roomText + " is not bridged.";
        }
        boolean byConfig = rooms.all().stream().anyMatch(r -> r.room().equals(room) && r.createdBy().equals(bot));
        if (byConfig) {
            return roomText + " is bridged by this bridge's configuration; its operator can unbridge it there.";
        }
        Optional<Refusal> refusal = refusal(sender, room, roomText, "unbridge");
        if (refusal.isPresent()) {
            return refusal.get().reason();
        }
        rooms.remove(room);
        unbridge(b);
        LOG.info("{} unbridged {} from {} on {}", sender, room, b.channel, b.network.config.id());
        return "Unbridged " + roomText + " from " + b.channel + " on " + b.network.config.id() + ".";
    }

    /**
     * Why {@code sender} may not change {@code room}'s bridge, if not: they must be in it and allowed to send its
     * MSC2346 state events, and so must the bot.
     */
    private Optional<Refusal> refusal(UserId sender, RoomId room, String roomText, String verb) {
        PowerLevels levels;
        try {
            levels = PowerLevels.of(matrix.getRoomState(room));
        } catch (MatrixException e) {
            return Optional.of(new Refusal("I cannot read " + roomText + "'s power levels: " + e.getMessage(), false));
        }
        long need = BridgeState.EVENT_TYPES.stream().mapToLong(levels::toSendState).max().orElse(0);
        if (!members(room, true).contains(sender) || levels.of(sender) < need) {
            return Optional.of(new Refusal("Only a member of " + roomText + " who may change its settings may " + verb
                    + " it: that takes power level " + need + ", and you have " + levels.of(sender) + ".", false));
        }
        if (levels.of(bot) < need) {
            return Optional.of(new Refusal("I need power level " + need + " in " + roomText + " to mark it as "
                    + "bridged, and I have " + levels.of(bot) + ". Raise mine, then ask again.", true));
        }
        return Optional.empty();
    }

    /** Why a bridge command is refused; {@code awaitsTheBotsLevel} when only the bot's power level is missing. */
    private record Refusal(String reason, boolean awaitsTheBotsLevel) {
    }

    /** Stops bridging {@code b}: its people leave on both sides, and its MSC2346 state says so. */
    private void unbridge(Bridged b) {
        String channel = FOLD.fold(b.channel);
        bridged.remove(b.room);
        b.network.channels.remove(channel);
        b.network.members.remove(channel);
        matrixMembers.remove(b.room);
        for (Puppet puppet : List.copyOf(b.network.puppets.values())) {
            if (puppet.channels.contains(channel)) {
                puppetOut(b, puppet.user);
            }
        }
        for (Map.Entry<UserId, Set<RoomId>> entry : List.copyOf(ghostRooms.entrySet())) {
            if (entry.getValue().contains(b.room)) {
                ghostOut(entry.getKey(), b.room);
            }
        }
        if (b.network.bot != null && b.network.bot.isRegistered()) {
            b.network.bot.send(IrcMessage.of("PART", b.channel, "unbridged"));
        }
        String key = BridgeState.stateKey(config.appservice().id(), b.network.network, b.channel);
        for (String type : BridgeState.EVENT_TYPES) {
            try {
                matrix.sendStateEvent(b.room, type, key, Map.of()); // empty content: bridged no more
            } catch (MatrixException e) {
                LOG.warn("cannot clear {} in {}: {}", type, b.room, e.getMessage());
            }
        }
    }

    /** A room a command named: its id, or why there is none. */
    private record Resolved(RoomId room, String problem) {
    }

    private Resolved resolve(String text) {
        try {
            return new Resolved(text.startsWith("#") ? matrix.resolveAlias(text) : RoomId.parse(text), null);
        } catch (IllegalArgumentException e) {
            return new Resolved(null, "'" + text + "' is not a room id (!id:server) or a room alias (#alias:server).");
        } catch (MatrixException e) {
            return new Resolved(null, "I cannot find " + text + ": " + e.getMessage());
        }
    }

    private void leaveQuietly(RoomId room) {
        try {
            matrix.leave(room);
        } catch (MatrixException e) {
            LOG.debug("leaving {}: {}", room, e.getMessage());
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
