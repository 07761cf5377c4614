package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.hosting.bridge.PuppetPlan.Refresh;
import dev.byob.hosting.bridge.PuppetPlan.Via;
import org.junit.jupiter.api.Test;

class PuppetPlanTest {

    @Test
    void relay_relaybotNetwork_goesThroughTheBot_whateverTheGate() {
        assertEquals(Via.BOT, PuppetPlan.relay(true, true));
        assertEquals(Via.BOT, PuppetPlan.relay(true, false));
    }

    @Test
    void relay_unlinkedUser_goesThroughTheirPuppet() {
        assertEquals(Via.PUPPET, PuppetPlan.relay(false, true));
    }

    @Test
    void relay_linkedUser_fillIn_goesThroughATemporaryPuppet() {
        assertEquals(Via.TEMPORARY_PUPPET, PuppetPlan.relay(false, false));
    }

    @Test
    void refresh_notWanted_quitsAConnectedPuppet_temporaryOrNot() {
        assertEquals(Refresh.QUIT, PuppetPlan.refresh(false, false, true));
        assertEquals(Refresh.QUIT, PuppetPlan.refresh(true, false, true));
    }

    @Test
    void refresh_notWanted_noPuppet_doesNothing() {
        assertEquals(Refresh.NOTHING, PuppetPlan.refresh(false, false, false));
    }

    @Test
    void refresh_wanted_joinsTheRooms_exceptOnRelaybotNetworks() {
        assertEquals(Refresh.JOIN_ROOMS, PuppetPlan.refresh(false, true, false));
        assertEquals(Refresh.JOIN_ROOMS, PuppetPlan.refresh(false, true, true));
        assertEquals(Refresh.NOTHING, PuppetPlan.refresh(true, true, false));
    }

    @Test
    void temporaryAfter_newPuppetForAFillIn_isTemporary() {
        assertTrue(PuppetPlan.temporaryAfter(Via.TEMPORARY_PUPPET, false, false));
    }

    @Test
    void temporaryAfter_temporaryPuppetRelayingAgain_staysTemporary() {
        assertTrue(PuppetPlan.temporaryAfter(Via.TEMPORARY_PUPPET, true, true));
    }

    @Test
    void temporaryAfter_permanentPuppet_staysPermanent() {
        assertFalse(PuppetPlan.temporaryAfter(Via.TEMPORARY_PUPPET, true, false));
        assertFalse(PuppetPlan.temporaryAfter(Via.PUPPET, true, false));
    }

    @Test
    void temporaryAfter_temporaryPuppetTheGateWantsAgain_becomesPermanent() {
        assertFalse(PuppetPlan.temporaryAfter(Via.PUPPET, true, true));
    }
}
