package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.discovery.BridgeStateKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.visiting.PortalRooms;
import dev.byob.visiting.config.IrcNetworkConfig;
import dev.byob.visiting.config.VisitingBridgeConfig;
import dev.byob.visiting.store.RelayLog;
import dev.byob.visiting.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The portal rooms of a visiting bridge (spec §13.3): private rooms its bot creates, on the user's {@code portal}
 * command, for a channel that no hosting bridge bridges, and retires with a tombstone once a hosting bridge the
 * bridge trusts bridges that channel in a room the user has joined.
 *
 * <p>A portal carries an MSC2346 bridge event with the bridge's bot as {@code bridgebot}. In a live portal the
 * user's Matrix messages go to the channel from the user's own IRC connection (tagged with their event ids), the
 * lines of the user's other IRC clients appear as the user, and everyone else's lines appear through the bot, as
 * a relay bot shows them ({@code <bob> hi}, {@code * bob waves}, {@code -bob- notice}). Each is recorded in the
 * {@link RelayLog} (ids {@code portal.u.<msgid>} for the user's lines, {@code portal.b.<msgid>} for the others') before
 * it is sent: after a crash, Matrix sends are repeated under the same transaction id (the homeserver keeps one
 * event), and an IRC line that may have gone out is not repeated (at most once: no hosting bridge fills in here).
 *
 * <p>The tombstone is decided by {@link PortalRooms} from what the homeserver says when a candidate appears: who
 * is joined to the portal and to the hosting bridge's room, and whether the portal is open (join rule
 * {@code public} or an alias). It is recorded before it is sent and sent at most once, also across restarts.
 * All methods run on the bridge's core thread.
 */
final class Portals {
    private static final Logger LOG = LoggerFactory.getLogger(Portals.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The prefix of the portals' bridge state keys: this bridge's software. */
    static final String STATE_KEY_PREFIX = "dev.byob.visiting";
    /** The content field of a portal's bridge event naming the user it was made for: not a hosting bridge (§13.3). */
    static final String PORTAL_FIELD = "org.matrix.msc3647.portal";
    /** The relay log's ids of lines relayed into portals, and the transaction ids of those relays. */
    static final String USER_LINE = "portal.u.";
    static final String OTHER_LINE = "portal.b.";
    static final String TXN_PREFIX = "byob.";
    private static final Duration MAX_RETRY = Duration.ofSeconds(30);

    private final VisitingBridgeConfig config;
    private final MatrixClient user;
    private final MatrixClient bot;
    private final UserId botId;
    private final StateStore store;
    private final RelayLog log;
    private final UserDm userDm;
    private final Map<String, IrcConnection> irc;
    private final ScheduledExecutorService core;
    private final Runnable joinChannels;
    private final PortalRooms rooms;
    /** (portal, hosting bridge room) pairs found not retirable, until a membership or rule changes in either. */
    private final Set<List<RoomId>> blocked = new HashSet<>();
    private final Map<String, Integer> attempts = new HashMap<>();

    /**
     * @param joinChannels the bridge's join of its connections to every channel it needs, the portals' included
     */
    Portals(VisitingBridgeConfig config, MatrixClient user, MatrixClient bot, UserId botId, StateStore store,
            UserDm userDm, Map<String, IrcConnection> irc, ScheduledExecutorService core, Runnable joinChannels) {
        this.config = config;
        this.user = user;
        this.bot = bot;
        this.botId = botId;
        this.store = store;
        this.log = store.relays();
        this.userDm = userDm;
        this.irc = irc;
        this.core = core;
        this.joinChannels = joinChannels;
        // RFC 1459 folding, the widest of IRC's: a portal is never created twice for one channel.
        this.rooms = new PortalRooms(Set.of(botId), IrcAccountProof.CaseMapping.RFC1459::fold);
    }

    /** Loads the portals from the store and finishes retirements a stop interrupted. */
    void load() {
        for (StateStore.StoredPortal p : store.portals()) {
            if (p.stage() == StateStore.PortalStage.LIVE) {
                rooms.created(new PortalRooms.Portal(p.room(), p.network(), p.channel(), p.user()));
            } else if (p.stage() == StateStore.PortalStage.RETIRING) {
                LOG.info("finishing the retirement of the portal {} after a restart", p.room());
                finishRetiring(p.room(), p.replacement().orElseThrow(), p.body().orElse(""), p.channel(), p.network());
            }
        }
    }

    /** The live portals, for the channels the user's connections keep joined. */
    List<PortalRooms.Portal> live() {
        return rooms.livePortals();
    }

    /** Every portal this bridge created, for {@code status}. */
    List<StateStore.StoredPortal> all() {
        return store.portals();
    }

    /** Whether {@code info} is this bridge's own (a portal's bridge event): never a hosting bridge. */
    boolean isOwn(BridgeInfo info) {
        return info.hbBot().equals(botId);
    }

    /** Whether a bridge event's {@code content} marks a visiting bridge's portal, this one's or another's. */
    static boolean isPortalEvent(JsonNode content) {
        return content.has(PORTAL_FIELD);
    }

    /** Whether a live portal needs the user's connection in {@code channel} on {@code network}. */
    boolean needs(Network network, String channel) {
        return rooms.livePortal(network, channel, config.user()).isPresent();
    }

    // ---- the command ----

    /** The user's {@code portal} command: creates the portal unless the channel is bridged already. */
    void command(Commands.Command.Portal c, Map<RoomId, BridgeInfo> bridged) {
        IrcNetworkConfig n = config.ircNetworks().stream().filter(x -> x.id().equalsIgnoreCase(c.network()))
                .findFirst().orElse(null);
        if (n == null) {
            userDm.say("This bridge has no IRC network \"" + c.network() + "\"; it serves: " + String.join(", ",
                    config.ircNetworks().stream().map(IrcNetworkConfig::id).toList()) + ".");
            return;
        }
        String fold = IrcAccountProof.CaseMapping.RFC1459.fold(c.channel());
        for (Map.Entry<RoomId, BridgeInfo> b : bridged.entrySet()) {
            BridgeInfo info = b.getValue();
            if (!isOwn(info) && info.network().equals(n.network())
                    && IrcAccountProof.CaseMapping.RFC1459.fold(info.channel()).equals(fold)) {
                userDm.say(info.channel() + " on " + n.id() + " is bridged already by " + info.hbBot() + " in "
                        + b.getKey() + ": use that room (this bridge relays you there once it trusts that bridge)."
                        + " No portal room was created.");
                return;
            }
        }
        Optional<PortalRooms.Portal> existing = rooms.livePortal(n.network(), c.channel(), config.user());
        if (existing.isPresent()) {
            joinUser(existing.get().room());
            userDm.say("Your portal room for " + existing.get().channel() + " on " + n.id() + " is "
                    + existing.get().room() + ".");
            return;
        }
        RoomId room;
        try {
            room = bot.createRoom(options(n.network(), c.channel()));
        } catch (MatrixRequestException e) {
            LOG.warn("could not create a portal room for {} on {}: {}", c.channel(), n.id(), e.getMessage());
            userDm.say("Could not create the portal room for " + c.channel() + ": " + e.getMessage());
            return;
        }
        Instant now = Instant.now();
        store.portalCreated(room, n.network(), c.channel(), config.user(), now);
        rooms.created(new PortalRooms.Portal(room, n.network(), c.channel(), config.user()));
        rooms.membership(room, botId, true);
        LOG.info("created the portal room {} for {} on {}", room, c.channel(), n.id());
        boolean joined = joinUser(room);
        joinChannels.run();
        userDm.say("Created the portal room " + room + " for " + c.channel() + " on " + n.id() + (joined
                ? " and joined you to it" : "; accept its invite") + ". It is private: your messages there go to "
                + c.channel() + " as " + n.account() + ", everyone else's appear through this bridge's bot. When a"
                + " hosting bridge this bridge trusts bridges " + c.channel() + " in a room you joined, this room"
                + " gets a tombstone pointing there.");
    }

    private CreateRoomOptions options(Network network, String channel) {
        ObjectNode content = JSON.createObjectNode().put("bridgebot", botId.value())
                .put("creator", config.user().value()).put(PORTAL_FIELD, config.user().value());
        content.putObject("protocol").put("id", network.protocol()).put("displayname", "IRC");
        content.putObject("network").put("id", network.id()).put("displayname", network.id());
        content.putObject("channel").put("id", channel).put("displayname", channel);
        String stateKey = new BridgeStateKey(STATE_KEY_PREFIX, network.protocol(), Optional.of(network.id()), channel)
                .format();
        // Invite-only (private_chat), not in the directory (createRoom's default visibility): the user's alone.
        return CreateRoomOptions.builder().name(channel + " (" + network.id() + ")")
                .topic(channel + " on " + network.id() + ", bridged for " + config.user() + " by " + botId)
                .preset(RoomPreset.PRIVATE_CHAT).invite(config.user())
                .initialState(BridgeInfo.M_BRIDGE, stateKey, content)
                .initialState(BridgeInfo.HALF_SHOT_BRIDGE, stateKey, content)
                .extra("power_level_content_override",
                        Map.of("users", Map.of(botId.value(), 100, config.user().value(), 100)))
                .build();
    }

    private boolean joinUser(RoomId room) {
        try {
            user.join(room);
            return true;
        } catch (MatrixRequestException e) {
            LOG.warn("could not join the user to the portal {}: {}", room, e.getMessage());
            return false;
        }
    }

    // ---- relaying ----

    /** An event of the user's {@code /sync} timeline in any room; {@code initial}: history, not relayed. */
    void userEvent(RoomId room, JsonNode e, boolean initial) {
        String type = e.path("type").asText();
        if ("m.room.member".equals(type) || "m.room.join_rules".equals(type)
                || "m.room.canonical_alias".equals(type)) {
            String member = e.path("state_key").asText("");
            // What kept a portal from retiring may have changed: anything in the portal, the user in the other room.
            if (rooms.isLivePortal(room) || config.user().value().equals(member)) {
                blocked.removeIf(pair -> pair.contains(room));
            }
            if ("m.room.member".equals(type) && !member.isEmpty()) {
                rooms.membership(room, UserId.parse(member),
                        "join".equals(e.path("content").path("membership").asText()));
            }
            return;
        }
        if (!rooms.isLivePortal(room) || initial || !"m.room.message".equals(type)
                || !config.user().value().equals(e.path("sender").asText())
                || e.path("unsigned").path("transaction_id").asText("").startsWith(TXN_PREFIX)
                || e.path("content").has(VisitingBridge.SOURCE_FIELD)) {
            return; // not a portal, history, someone else, or a relay (this bridge's own, or anyone's)
        }
        Optional<Formatting.Message> message = RelayText.fromMatrix(e.path("content"));
        String eventId = e.path("event_id").asText("");
        if (message.isEmpty() || eventId.isEmpty()) {
            return;
        }
        if (log.observed(Lease.Direction.TO_REMOTE, eventId, room, message.get(), Instant.now(), true)) {
            send(Lease.Direction.TO_REMOTE, eventId);
        }
    }

    /** A {@code PRIVMSG} or {@code NOTICE} on the user's connection to {@code n}. */
    void ircLine(IrcNetworkConfig n, IrcMessage line) {
        IrcConnection conn = irc.get(n.id());
        IrcSession s = conn == null ? null : conn.session().orElse(null);
        String target = line.param(0).orElse("");
        if (s == null || s.isMe(target) || s.isMe(line.nick().orElse(null))) {
            return; // a private message, or this connection's own line (the echo of a relay)
        }
        Optional<PortalRooms.Portal> portal = rooms.livePortal(n.network(), target, config.user());
        Optional<Formatting.Message> message = Formatting.fromIrc(line);
        if (portal.isEmpty() || message.isEmpty()) {
            return;
        }
        Optional<String> account = line.account().filter(a -> !a.isEmpty() && !"*".equals(a));
        boolean ofUser = account.isPresent()
                && s.caseMapping().fold(account.get()).equals(s.caseMapping().fold(n.account()));
        String msgid = line.msgid().filter(m -> !m.isEmpty())
                .orElseGet(() -> VisitingBridge.NO_MSGID_PREFIX + Long.toHexString(System.nanoTime()));
        String id = (ofUser ? USER_LINE : OTHER_LINE) + msgid;
        Formatting.Message shown = ofUser ? message.get() : asRelayBot(line.nick().orElse("?"), message.get());
        if (log.observed(Lease.Direction.TO_MATRIX, id, portal.get().room(), shown, Instant.now(), true)) {
            send(Lease.Direction.TO_MATRIX, id);
        }
    }

    /** How the bot shows someone else's line: {@code <bob> hi}, {@code * bob waves}, {@code -bob- notice}. */
    static Formatting.Message asRelayBot(String nick, Formatting.Message m) {
        return switch (m.kind()) {
            case TEXT -> new Formatting.Message(Formatting.Kind.TEXT, "<" + nick + "> " + m.text());
            case EMOTE -> new Formatting.Message(Formatting.Kind.TEXT, "* " + nick + " " + m.text());
            case NOTICE -> new Formatting.Message(Formatting.Kind.NOTICE, "-" + nick + "- " + m.text());
        };
    }

    /**
     * A relay log entry left unfinished by a stop, if it belongs to a portal: sent again or left as in doubt.
     *
     * @return whether it was a portal's (and is handled here)
     */
    boolean restore(RelayLog.Entry e) {
        RoomId room = e.room().orElse(null);
        boolean ours = e.messageId().startsWith(USER_LINE) || e.messageId().startsWith(OTHER_LINE)
                || store.portals().stream().anyMatch(p -> p.room().equals(room));
        if (!ours) {
            return false;
        }
        Instant now = Instant.now();
        if (room == null || !rooms.isLivePortal(room)) {
            log.left(e.direction(), e.messageId(), "the portal is retired", now);
        } else if (e.status() == RelayLog.Status.SENDING && e.direction() == Lease.Direction.TO_REMOTE) {
            // It may have gone out, and no hosting bridge fills in here: at most once.
            log.left(e.direction(), e.messageId(), "in doubt after a restart", now);
            LOG.warn("{} was being sent to IRC from the portal {} when the bridge stopped: not sent again",
                    e.messageId(), room);
        } else {
            LOG.info("{} {} of the portal {} is still to relay after the restart", e.direction().wire(),
                    e.messageId(), room);
            send(e.direction(), e.messageId());
        }
        return true;
    }

    private void send(Lease.Direction direction, String id) {
        Optional<RelayLog.Entry> entry = log.get(direction, id).filter(x -> !x.status().finished());
        if (entry.isEmpty()) {
            attempts.remove(id);
            return;
        }
        RelayLog.Entry e = entry.get();
        RoomId room = e.room().orElse(null);
        Optional<PortalRooms.Portal> portal = rooms.livePortals().stream().filter(p -> p.room().equals(room))
                .findFirst();
        if (portal.isEmpty() || e.message().isEmpty()) {
            attempts.remove(id);
            log.left(direction, id, "the portal is retired", Instant.now());
            return;
        }
        if (direction == Lease.Direction.TO_MATRIX) {
            toMatrix(e, room);
        } else {
            toIrc(e, portal.get());
        }
    }

    private void toMatrix(RelayLog.Entry e, RoomId room) {
        String id = e.messageId();
        boolean ofUser = id.startsWith(USER_LINE);
        log.sending(e.direction(), id, Instant.now());
        try {
            // The same transaction id on every attempt, before and after a restart: the homeserver keeps one event.
            EventId event = (ofUser ? user : bot).sendMessageEvent(room, "m.room.message",
                    Formatting.toMatrix(e.message().get()), TXN_PREFIX + id);
            log.done(e.direction(), id, event.value(), Instant.now());
            attempts.remove(id);
        } catch (MatrixException ex) {
            if (ex.isRateLimited() || ex.status() >= 500) {
                retryLater(e, ex.retryAfter(), ex.getMessage());
            } else {
                log.left(e.direction(), id, "refused: " + ex.getMessage(), Instant.now());
                LOG.warn("the homeserver refused the relay of {} to the portal {}: {}", id, room, ex.getMessage());
            }
        } catch (MatrixRequestException ex) {
            retryLater(e, Optional.empty(), ex.getMessage());
        }
    }

    private void toIrc(RelayLog.Entry e, PortalRooms.Portal portal) {
        IrcNetworkConfig n = config.ircNetworks().stream().filter(x -> x.network().equals(portal.network()))
                .findFirst().orElse(null);
        IrcConnection conn = n == null ? null : irc.get(n.id());
        IrcSession s = conn == null ? null : conn.session().filter(IrcSession::isRegistered).orElse(null);
        if (s == null) {
            retryLater(e, Optional.empty(), "the IRC connection is not registered"); // nothing written yet
            return;
        }
        joinChannels.run(); // the JOIN goes out before the line on the same connection
        boolean tags = s.capabilities().contains("message-tags");
        boolean echo = s.capabilities().contains("echo-message");
        String eventId = e.messageId();
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        log.sending(e.direction(), eventId, Instant.now());
        for (IrcMessage line : Formatting.toIrc(e.message().get(), portal.channel(), s.nick(), null)) {
            writes.add(conn.send(tags ? line.withTag(VisitingBridge.ORIGIN_TAG, eventId) : line));
        }
        CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((v, err) -> onCore(() -> {
            Instant now = Instant.now();
            if (err == null) {
                attempts.remove(eventId);
                if (!(tags && echo)) {
                    log.done(e.direction(), eventId, "written", now); // with both, the echo marks it done
                }
            } else if (writes.stream().noneMatch(w -> w.isDone() && !w.isCompletedExceptionally())) {
                log.reopen(e.direction(), eventId, now);
                retryLater(e, Optional.empty(), String.valueOf(err.getMessage()));
            } else {
                log.left(e.direction(), eventId, "only part of it was written", now);
                LOG.warn("only part of {} was written to {}", eventId, portal.channel());
            }
        }));
    }

    private void retryLater(RelayLog.Entry e, Optional<Duration> after, String why) {
        int n = attempts.merge(e.messageId(), 1, Integer::sum);
        Duration delay = after.orElseGet(() -> {
            Duration d = Duration.ofSeconds(1L << Math.min(5, n - 1));
            return d.compareTo(MAX_RETRY) > 0 ? MAX_RETRY : d;
        });
        LOG.warn("relaying {} for a portal failed, trying again in {} ms: {}", e.messageId(), delay.toMillis(), why);
        core.schedule(() -> guarded(() -> send(e.direction(), e.messageId())), delay.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    private void onCore(Runnable task) {
        try {
            core.execute(() -> guarded(task));
        } catch (java.util.concurrent.RejectedExecutionException ex) {
            LOG.debug("the core has stopped; a portal relay result is dropped");
        }
    }

    private static void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException ex) {
            LOG.error("a portal relay failed", ex);
        }
    }

    // ---- the tombstone (§13.3) ----

    /**
     * Looks for portals to retire: a live portal and a room {@code bridged} to its channel by a hosting bridge with
     * which the trust is live ({@code trustLive}). The homeserver is asked only for such pairs, and a pair found not
     * retirable is asked again only once a membership, join rule or alias changed in one of its rooms.
     */
    void review(Map<RoomId, BridgeInfo> bridged, Predicate<BridgeInfo> trustLive) {
        for (PortalRooms.Portal p : rooms.livePortals()) {
            for (Map.Entry<RoomId, BridgeInfo> b : bridged.entrySet()) {
                BridgeInfo info = b.getValue();
                RoomId hbRoom = b.getKey();
                List<RoomId> pair = List.of(p.room(), hbRoom);
                if (isOwn(info) || rooms.isLivePortal(hbRoom) || !info.network().equals(p.network())
                        || !IrcAccountProof.CaseMapping.RFC1459.fold(info.channel())
                        .equals(IrcAccountProof.CaseMapping.RFC1459.fold(p.channel()))
                        || blocked.contains(pair) || !trustLive.test(info)) {
                    continue;
                }
                Outcome outcome = tryRetire(p, info, hbRoom);
                if (outcome == Outcome.RETIRED) {
                    break;
                } else if (outcome == Outcome.KEPT) {
                    blocked.add(pair);
                }
            }
        }
    }

    /** What one look at a (portal, hosting bridge room) pair came to. */
    private enum Outcome {
        /** Retired, now or before. */
        RETIRED,
        /** Not retirable as things are. */
        KEPT,
        /** The homeserver could not be asked: again at the next review. */
        RETRY
    }

    private Outcome tryRetire(PortalRooms.Portal p, BridgeInfo info, RoomId hbRoom) {
        Set<UserId> inPortal;
        Set<UserId> inHbRoom;
        boolean open;
        try {
            inPortal = bot.joinedMembers(p.room()).keySet();
            inHbRoom = user.joinedMembers(hbRoom).keySet();
            open = isOpen(p.room());
        } catch (MatrixException e) {
            boolean later = e.isRateLimited() || e.status() >= 500;
            LOG.warn("could not read the members or state of the portal {} or of {}{}: {}", p.room(), hbRoom,
                    later ? " (asked again later)" : "", e.getMessage());
            return later ? Outcome.RETRY : Outcome.KEPT;
        } catch (MatrixRequestException e) {
            LOG.warn("could not read the members of the portal {} or of {} (asked again later): {}", p.room(), hbRoom,
                    e.getMessage());
            return Outcome.RETRY;
        }
        if (!inHbRoom.contains(info.hbBot())) {
            LOG.info("not retiring the portal {}: {} is not in {} (§2.2)", p.room(), info.hbBot(), hbRoom);
            return Outcome.KEPT;
        }
        rooms.members(p.room(), inPortal);
        rooms.openness(p.room(), open);
        Optional<PortalRooms.Tombstone> t = rooms.hbRoomFound(info, hbRoom, true, inHbRoom);
        if (t.isEmpty()) {
            Set<UserId> others = new HashSet<>(inPortal);
            others.remove(botId);
            others.remove(p.user());
            LOG.info("not retiring the portal {} for {}: {}", p.room(), hbRoom, open ? "it is open to anyone"
                    : !others.isEmpty() ? "others are in it: " + others : p.user() + " has not joined " + hbRoom);
            return Outcome.KEPT;
        }
        if (!store.portalRetiring(p.room(), hbRoom, t.get().body(), Instant.now())) {
            return Outcome.RETIRED; // retired already (never twice)
        }
        LOG.info("retiring the portal {}: {} bridges {} in {}", p.room(), info.hbBot(), p.channel(), hbRoom);
        finishRetiring(p.room(), hbRoom, t.get().body(), p.channel(), p.network());
        return Outcome.RETIRED;
    }

    /** Whether anyone may join {@code room}: join rule {@code public}, or an alias (canonical or alternative). */
    private boolean isOpen(RoomId room) {
        boolean publicRule = bot.getStateEvent(room, "m.room.join_rules", "")
                .map(c -> "public".equals(c.path("join_rule").asText())).orElse(false);
        boolean alias = bot.getStateEvent(room, "m.room.canonical_alias", "")
                .map(c -> c.path("alias").isTextual() || !c.path("alt_aliases").isEmpty()).orElse(false);
        return publicRule || alias;
    }

    /** Sends the tombstone (unless it is there already), leaves, and records the portal retired. */
    private void finishRetiring(RoomId portal, RoomId replacement, String body, String channel, Network network) {
        try {
            boolean sent = bot.getStateEvent(portal, "m.room.tombstone", "")
                    .map(c -> replacement.value().equals(c.path("replacement_room").asText())).orElse(false);
            if (!sent) {
                bot.sendStateEvent(portal, "m.room.tombstone", "",
                        JSON.createObjectNode().put("body", body).put("replacement_room", replacement.value()));
            }
            bot.leave(portal);
        } catch (MatrixException e) {
            if (e.status() != 403) {
                LOG.warn("retiring the portal {} failed, tried again at the next start: {}", portal, e.getMessage());
                return;
            }
            LOG.info("the bot is no longer in the portal {}: taken as retired ({})", portal, e.getMessage());
        } catch (MatrixRequestException e) {
            LOG.warn("retiring the portal {} failed, tried again at the next start: {}", portal, e.getMessage());
            return;
        }
        Instant now = Instant.now();
        store.portalRetired(portal, now);
        for (RelayLog.Entry e : log.unfinished()) {
            if (e.room().filter(portal::equals).isPresent()) {
                log.left(e.direction(), e.messageId(), "the portal is retired", now);
            }
        }
        userDm.tell("Your portal room " + portal + " for " + channel + " on " + network.id() + " is retired: "
                + replacement + " is bridged to " + channel + " by a hosting bridge that trusts this bridge, so"
                + " carry on there. The portal has a tombstone pointing to it.");
    }
}
