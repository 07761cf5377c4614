package dev.byob.protocol.visiting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RemoteTargetPinsTest {
    private static final UserId HB1 = UserId.parse("@hb1:hosting.example");
    private static final UserId HB2 = UserId.parse("@hb2:other.example");
    private static final Network LIBERA = Network.irc("libera");
    private static final Network OFTC = Network.irc("oftc");

    private final RemoteTargetPins pins = new RemoteTargetPins();

    @Test
    void check_firstTargetOfABot_isPinned_thenKnown() {
        assertEquals(new RemoteTargetPins.Verdict.NewPin(new RemoteTargetPins.Pin(HB1, LIBERA, "HBBot")),
                pins.check(HB1, LIBERA, "HBBot"));
        assertEquals(new RemoteTargetPins.Verdict.Known(), pins.check(HB1, LIBERA, "HBBot"));
        assertEquals(Optional.of(new RemoteTargetPins.Pin(HB1, LIBERA, "HBBot")), pins.pinOf(HB1, LIBERA));
    }

    @Test
    void check_anotherBotNamingAPinnedTarget_isRefused_inAnyIrcCase() {
        pins.check(HB1, LIBERA, "HB[Bot]");
        assertEquals(new RemoteTargetPins.Verdict.PinnedToOther(HB1), pins.check(HB2, LIBERA, "hb{bot}"));
        assertEquals(Optional.empty(), pins.pinOf(HB2, LIBERA), "nothing pinned for the refused bot");
    }

    @Test
    void check_sameTargetOnAnotherNetwork_orAnotherTarget_isAllowed() {
        pins.check(HB1, LIBERA, "HBBot");
        assertInstanceOf(RemoteTargetPins.Verdict.NewPin.class, pins.check(HB2, OFTC, "HBBot"));
        assertInstanceOf(RemoteTargetPins.Verdict.NewPin.class, pins.check(HB2, LIBERA, "OtherBot"));
    }

    @Test
    void restore_aPinFromBeforeARestart_refusesLikeOneJustMade() {
        pins.restore(new RemoteTargetPins.Pin(HB1, LIBERA, "HBBot"));
        assertEquals(new RemoteTargetPins.Verdict.PinnedToOther(HB1), pins.check(HB2, LIBERA, "HBBOT"));
        assertEquals(new RemoteTargetPins.Verdict.Known(), pins.check(HB1, LIBERA, "HBBot"));
    }
}
