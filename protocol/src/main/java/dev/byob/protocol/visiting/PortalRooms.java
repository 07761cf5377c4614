package dev.byob.protocol.visiting;

import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The portal rooms a visiting bridge created for its user, and when to retire one (spec §13.3), sans-IO.
 *
 * <p>A portal room is a room the VB made so that its user could take part in a channel no hosting bridge
 * bridged. When the user later meets a room that a hosting bridge bridges to the same channel, and the VB
 * holds live trust with that hosting bridge, the VB retires its portal: it sends {@code m.room.tombstone}
 * with {@code replacement_room} set to the hosting bridge's room, stops bridging the portal and leaves it.
 *
 * <p>This class decides only; the embedder sends the tombstone. It never decides to tombstone a room the
 * VB did not create (it knows only the rooms passed to {@link #created}), a public room, a room in which
 * anyone other than the VB's own bots and the portal's user is joined, or a portal whose user has not
 * joined the replacement; and it decides each portal's tombstone at most once. Channel names are compared
 * after the network's case folding (IRC's {@code #Chat} and {@code #chat} are one channel). Not thread-safe.
 */
public final class PortalRooms {

    /** A room the VB created as a portal for {@code user} to {@code channel} on {@code network}. */
    public record Portal(RoomId room, Network network, String channel, UserId user) {
        /** Requires every part. */
        public Portal {
            Objects.requireNonNull(room, "room");
            Objects.requireNonNull(network, "network");
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(user, "user");
        }
    }

    /**
     * The decision to retire {@code portal} in favour of {@code replacement}: send {@code m.room.tombstone}
     * in the portal with {@code replacement_room} and {@code body}, stop bridging it and leave it.
     */
    public record Tombstone(RoomId portal, RoomId replacement, String body) {}

    private static final class Entry {
        final Portal portal;
        final Set<UserId> joined = new HashSet<>();
        boolean open;
        boolean retired;

        Entry(Portal portal) {
            this.portal = portal;
            this.joined.add(portal.user());
        }
    }

    private final Set<UserId> ownBots;
    private final UnaryOperator<String> channelFold;
    private final Map<RoomId, Entry> portals = new LinkedHashMap<>();

    /**
     * Channel names compared exactly.
     *
     * @param ownBots the VB's own bots: their membership in a portal never keeps it from being retired
     */
    public PortalRooms(Set<UserId> ownBots) {
        this(ownBots, UnaryOperator.identity());
    }

    /**
     * @param ownBots the VB's own bots: their membership in a portal never keeps it from being retired
     * @param channelFold the network's case folding of channel names (on IRC, the server's {@code CASEMAPPING})
     */
    public PortalRooms(Set<UserId> ownBots, UnaryOperator<String> channelFold) {
        this.ownBots = Set.copyOf(ownBots);
        this.channelFold = Objects.requireNonNull(channelFold, "channelFold");
    }

    private boolean sameChannel(Portal p, Network network, String channel) {
        return p.network().equals(network) && channelFold.apply(p.channel()).equals(channelFold.apply(channel));
    }

    /**
     * Records a portal the VB has just created, with its user joined.
     *
     * @throws IllegalStateException if the VB already has a live portal for that user and channel
     */
    public void created(Portal portal) {
        Objects.requireNonNull(portal, "portal");
        for (Entry e : portals.values()) {
            Portal p = e.portal;
            if (!e.retired && sameChannel(p, portal.network(), portal.channel()) && p.user().equals(portal.user())) {
                throw new IllegalStateException(p.user() + " already has the portal " + p.room() + " to "
                        + p.channel() + " on " + p.network());
            }
        }
        portals.put(portal.room(), new Entry(portal));
    }

    /** A membership change in one of the VB's portals ({@code m.room.member}); other rooms are not kept. */
    public void membership(RoomId room, UserId member, boolean joined) {
        Entry e = portals.get(room);
        if (e != null) {
            if (joined) {
                e.joined.add(member);
            } else {
                e.joined.remove(member);
            }
        }
    }

    /**
     * Who is joined to one of the VB's portals now, read from the homeserver: replaces what {@link #membership}
     * recorded. Other rooms are not kept.
     */
    public void members(RoomId room, Set<UserId> joined) {
        Entry e = portals.get(room);
        if (e != null) {
            e.joined.clear();
            e.joined.addAll(joined);
        }
    }

    /** Whether anyone may join the portal: join rule {@code public}, or an alias in a room directory. */
    public void openness(RoomId room, boolean open) {
        Entry e = portals.get(room);
        if (e != null) {
            e.open = open;
        }
    }

    /**
     * The VB's user is in {@code hbRoom}, which {@code bridge} (an MSC2346 state event sent by the hosting
     * bridge's bot, already read as {@link BridgeInfo.Verdict#VALID}) says is bridged to a channel.
     *
     * @param trustLive whether the VB holds a live trust record with {@code bridge.hbBot()} on its network
     * @param joinedHbRoom who is joined to {@code hbRoom}
     * @return the portal to retire, if the VB created one for that channel that it may retire now
     */
    public Optional<Tombstone> hbRoomFound(BridgeInfo bridge, RoomId hbRoom, boolean trustLive,
                                           Set<UserId> joinedHbRoom) {
        Objects.requireNonNull(bridge, "bridge");
        Objects.requireNonNull(hbRoom, "hbRoom");
        if (!bridge.active() || !trustLive || portals.containsKey(hbRoom)) {
            return Optional.empty();
        }
        for (Entry e : portals.values()) {
            Portal p = e.portal;
            if (e.retired || e.open || !sameChannel(p, bridge.network(), bridge.channel())
                    || !joinedHbRoom.contains(p.user())) {
                continue;
            }
            boolean onlyOurs = e.joined.stream().allMatch(m -> m.equals(p.user()) || ownBots.contains(m));
            if (!onlyOurs) {
                continue; // someone else is in it: moving them to another server is not ours to decide
            }
            e.retired = true;
            return Optional.of(new Tombstone(p.room(), hbRoom, p.channel() + " on " + p.network()
                    + " is now bridged by " + bridge.hbBot() + " in " + hbRoom + "; this portal room is retired."));
        }
        return Optional.empty();
    }

    /** Whether {@code room} is a portal this VB created and has not retired. */
    public boolean isLivePortal(RoomId room) {
        Entry e = portals.get(room);
        return e != null && !e.retired;
    }

    /** The live portal of {@code user} to {@code channel} on {@code network}, if the VB has one. */
    public Optional<Portal> livePortal(Network network, String channel, UserId user) {
        return portals.values().stream().filter(e -> !e.retired && e.portal.user().equals(user)
                && sameChannel(e.portal, network, channel)).map(e -> e.portal).findFirst();
    }

    /** The VB's portals not retired, in the order they were created. */
    public List<Portal> livePortals() {
        return portals.values().stream().filter(e -> !e.retired).map(e -> e.portal).toList();
    }
}
