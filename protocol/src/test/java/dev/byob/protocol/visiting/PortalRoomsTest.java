package dev.byob.protocol.visiting;

import static dev.byob.protocol.Fixtures.HB;
import static dev.byob.protocol.Fixtures.NETWORK;
import static dev.byob.protocol.Fixtures.USER;
import static dev.byob.protocol.Fixtures.VB_BOT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.discovery.BridgeInfo;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** When a visiting bridge retires its own portal room for a hosting bridge's room (§13.3). */
class PortalRoomsTest {
    private static final RoomId PORTAL = RoomId.parse("!portal-chat:home.example");
    private static final RoomId HB_ROOM = RoomId.parse("!chat:hosting.example");
    private static final UserId BOB = UserId.parse("@bob:elsewhere.example");
    private static final Set<UserId> JOINED = Set.of(USER, HB);

    private final PortalRooms rooms = new PortalRooms(Set.of(VB_BOT));

    private static BridgeInfo bridge(Network network, String channel, boolean active) {
        ObjectNode content = JsonNodeFactory.instance.objectNode().put("bridgebot", HB.value());
        content.putObject("protocol").put("id", network.protocol());
        content.putObject("network").put("id", network.id());
        content.putObject("channel").put("id", channel);
        if (!active) {
            content.put("status", "disabled");
        }
        return BridgeInfo.read(BridgeInfo.M_BRIDGE, "org.example.irc://irc/" + network.id() + "/" + channel.replace("#", "%23"),
                HB, content).info().orElseThrow();
    }

    private void portal() {
        rooms.created(new PortalRooms.Portal(PORTAL, NETWORK, "#chat", USER));
        rooms.membership(PORTAL, VB_BOT, true);
    }

    @Test
    void hbRoomFound_ownPortalSameChannelTrustLive_tombstonesItOnce() {
        portal();
        Optional<PortalRooms.Tombstone> t = rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED);
        assertTrue(t.isPresent());
        assertEquals(PORTAL, t.get().portal());
        assertEquals(HB_ROOM, t.get().replacement());
        assertTrue(t.get().body().contains("#chat"), t.get().body());
        assertFalse(rooms.isLivePortal(PORTAL));
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isEmpty(),
                "a portal is retired at most once");
    }

    @Test
    void hbRoomFound_roomTheVbDidNotCreate_neverTombstoned() {
        rooms.membership(PORTAL, USER, true); // seen, but not created by this VB
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isEmpty());
        assertFalse(rooms.isLivePortal(PORTAL));
    }

    @Test
    void hbRoomFound_anotherMemberInThePortal_keepsIt_untilTheyLeave() {
        portal();
        rooms.membership(PORTAL, BOB, true);
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isEmpty());
        rooms.membership(PORTAL, BOB, false);
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isPresent());
    }

    @Test
    void hbRoomFound_publicPortal_keepsIt() {
        portal();
        rooms.openness(PORTAL, true);
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isEmpty());
        assertTrue(rooms.isLivePortal(PORTAL));
    }

    @Test
    void hbRoomFound_withoutLiveTrust_orUserNotJoined_orOtherChannel_orDisabledBridge_keepsIt() {
        portal();
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, false, JOINED).isEmpty());
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, Set.of(HB)).isEmpty());
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#other", true), HB_ROOM, true, JOINED).isEmpty());
        assertTrue(rooms.hbRoomFound(bridge(Network.irc("oftc"), "#chat", true), HB_ROOM, true, JOINED).isEmpty());
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", false), HB_ROOM, true, JOINED).isEmpty());
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), PORTAL, true, JOINED).isEmpty(),
                "a portal is never its own replacement");
        assertTrue(rooms.isLivePortal(PORTAL));
    }

    @Test
    void created_secondLivePortalForTheSameChannel_isRefused() {
        portal();
        assertThrows(IllegalStateException.class, () -> rooms.created(
                new PortalRooms.Portal(RoomId.parse("!again:home.example"), NETWORK, "#chat", USER)));
    }

    @Test
    void hbRoomFound_channelInAnotherCase_matchesUnderTheNetworksFolding() {
        PortalRooms folding = new PortalRooms(Set.of(VB_BOT), c -> c.toLowerCase(java.util.Locale.ROOT));
        folding.created(new PortalRooms.Portal(PORTAL, NETWORK, "#Chat", USER));
        assertEquals(Optional.of(new PortalRooms.Portal(PORTAL, NETWORK, "#Chat", USER)),
                folding.livePortal(NETWORK, "#CHAT", USER));
        assertTrue(folding.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isPresent());
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#Chat", true), HB_ROOM, true, JOINED).isEmpty(),
                "without folding, #Chat is another channel");
    }

    @Test
    void members_readFromTheHomeserver_replaceWhatMembershipRecorded() {
        portal();
        rooms.membership(PORTAL, BOB, true);
        rooms.members(PORTAL, Set.of(USER, VB_BOT));
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isPresent());
    }

    @Test
    void members_aStrangerSeenOnlyOnTheHomeserver_keepsThePortal() {
        portal();
        rooms.members(PORTAL, Set.of(USER, VB_BOT, BOB));
        assertTrue(rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).isEmpty());
        assertEquals(1, rooms.livePortals().size());
    }

    @Test
    void livePortals_afterTheTombstone_leaveOutTheRetiredOne_andANewPortalMayBeCreated() {
        portal();
        rooms.hbRoomFound(bridge(NETWORK, "#chat", true), HB_ROOM, true, JOINED).orElseThrow();
        assertTrue(rooms.livePortals().isEmpty());
        assertTrue(rooms.livePortal(NETWORK, "#chat", USER).isEmpty());
        RoomId again = RoomId.parse("!again:home.example");
        rooms.created(new PortalRooms.Portal(again, NETWORK, "#chat", USER));
        assertTrue(rooms.isLivePortal(again));
    }
}
