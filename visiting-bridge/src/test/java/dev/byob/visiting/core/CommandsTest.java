package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.TrustReceipt;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.store.StateStore;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandsTest {
    static final TrustKey KEY = new TrustKey(UserId.parse("@hb:example.org"), UserId.parse("@alice:example.org"),
            Network.irc("libera"));
    static final TrustReceipt RECEIPT = new TrustReceipt(KEY, 2, Instant.EPOCH, new Accept.LeaseTerms(90_000, 30_000),
            new TxnId("txabcdefgh12"));
    static final Instant NOW = Instant.ofEpochSecond(1_000);

    @Test
    void parse_knownWords_anyCaseWithOrWithoutBang() {
        assertInstanceOf(Commands.Command.Help.class, Commands.parse("help"));
        assertInstanceOf(Commands.Command.Help.class, Commands.parse("  ?  "));
        assertInstanceOf(Commands.Command.Status.class, Commands.parse("Status please"));
        assertInstanceOf(Commands.Command.Logout.class, Commands.parse("!LOGOUT"));
        assertInstanceOf(Commands.Command.Login.class, Commands.parse("login"));
    }

    @Test
    void parse_otherText_isUnknown_andTheAnswerPointsToHelp() {
        Commands.Command c = Commands.parse("hello there");
        assertEquals(new Commands.Command.Unknown("hello"), c);
        assertTrue(Commands.unknown((Commands.Command.Unknown) c).contains("\"help\""));
        assertTrue(Commands.unknown((Commands.Command.Unknown) Commands.parse("   ")).startsWith("That is not"));
    }

    @Test
    void status_liveLease_namesTheHostingBridgeRoomsAndTimeLeft() {
        VisitingState live = new VisitingState.Trusted(RECEIPT, NOW.plusSeconds(75), false, NOW, 5, 0,
                Optional.empty());
        String text = Commands.status(List.of(new Commands.RelationStatus(KEY, Optional.of(live),
                List.of(new Commands.RoomStatus(RoomId.parse("!r:example.org"), "#chat")), Optional.empty())), false,
                NOW);
        assertEquals("@hb:example.org on libera: trusted (epoch 2), lease live for 75 s more: this bridge relays you\n"
                + "  #chat = !r:example.org", text);
    }

    @Test
    void status_lapsedEndedAndLoggedOut_sayWhoRelays() {
        VisitingState lapsed = new VisitingState.Trusted(RECEIPT, NOW.minusSeconds(1), true, NOW, 5, 0,
                Optional.empty());
        assertTrue(Commands.status(List.of(new Commands.RelationStatus(KEY, Optional.of(lapsed), List.of(),
                Optional.empty())), false, NOW).contains("lease lapsed: the hosting bridge relays you"));
        VisitingState ended = new VisitingState.Ended(RECEIPT, RevokeCode.SUPERSEDED, "another bridge");
        String text = Commands.status(List.of(new Commands.RelationStatus(KEY, Optional.of(ended), List.of(),
                Optional.of("superseded: another bridge"))), true, NOW);
        assertTrue(text.startsWith("Logged out"), text);
        assertTrue(text.contains("not bridging (superseded: another bridge)"), text);
    }

    @Test
    void status_nothingBridged_saysSo() {
        assertTrue(Commands.status(List.of(), false, NOW).startsWith("No bridged rooms"));
    }

    @Test
    void parse_portal_takesTheNetworkAndChannel_andExplainsWrongUse() {
        assertEquals(new Commands.Command.Portal("libera", "#Chat"), Commands.parse("portal libera #Chat"));
        assertEquals(new Commands.Command.Portal("libera", "&local"), Commands.parse("!PORTAL libera &local"));
        assertEquals(new Commands.Command.BadUsage(Commands.PORTAL_USAGE), Commands.parse("portal"));
        assertEquals(new Commands.Command.BadUsage(Commands.PORTAL_USAGE), Commands.parse("portal #chat"));
        Commands.Command bad = Commands.parse("portal libera chat");
        assertTrue(bad instanceof Commands.Command.BadUsage b && b.message().startsWith("\"chat\" is not an IRC"),
                bad.toString());
        assertInstanceOf(Commands.Command.BadUsage.class, Commands.parse("portal libera #a,#b"));
        assertTrue(Commands.HELP.contains("portal <network> <#channel>"));
    }

    @Test
    void status_withPortals_listsThemLiveAndRetired() {
        StateStore.StoredPortal live = new StateStore.StoredPortal(RoomId.parse("!p:example.org"),
                Network.irc("libera"), "#chat", KEY.userId(), NOW, StateStore.PortalStage.LIVE, Optional.empty(),
                Optional.empty());
        StateStore.StoredPortal retired = new StateStore.StoredPortal(RoomId.parse("!old:example.org"),
                Network.irc("libera"), "#old", KEY.userId(), NOW, StateStore.PortalStage.RETIRED,
                Optional.of(RoomId.parse("!r:hb.example")), Optional.of("moved"));
        String text = Commands.status(List.of(), List.of(live, retired), false, NOW);
        assertEquals("Portal rooms of this bridge:\n"
                + "  #chat on libera = !p:example.org: bridged by this bridge\n"
                + "  #old on libera = !old:example.org: retired, #old is bridged in !r:hb.example", text);
    }
}
