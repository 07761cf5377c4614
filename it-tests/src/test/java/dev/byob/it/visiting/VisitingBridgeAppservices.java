package dev.byob.it.visiting;

import dev.byob.it.harness.AppserviceProvider;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.hosting.HostingBridgeAppservices;
import java.util.List;

/**
 * One hosting bridge registration per visiting bridge scenario, so that no scenario meets the homeserver's
 * back-off from another scenario's stopped bridge.
 */
public final class VisitingBridgeAppservices implements AppserviceProvider {
    /** The hosting bridge for the logout scenario. */
    public static final String LOGOUT_ID = "byob-vb-logout-it";
    public static final String LOGOUT_BOT = "hbvblogout_bridge";
    public static final String LOGOUT_GHOSTS = "hbvblogout_irc_";
    /** The hosting bridge for the override scenario. */
    public static final String OVERRIDE_ID = "byob-vb-override-it";
    public static final String OVERRIDE_BOT = "hbvbover_bridge";
    public static final String OVERRIDE_GHOSTS = "hbvbover_irc_";
    /** The hosting bridge for the crash scenario. */
    public static final String CRASH_ID = "byob-vb-crash-it";
    public static final String CRASH_BOT = "hbvbcrash_bridge";
    public static final String CRASH_GHOSTS = "hbvbcrash_irc_";
    /** The hosting bridge for the relays-in-doubt scenario. */
    public static final String DOUBT_ID = "byob-vb-doubt-it";
    public static final String DOUBT_BOT = "hbvbdoubt_bridge";
    public static final String DOUBT_GHOSTS = "hbvbdoubt_irc_";
    /** The hosting bridge for the scenario where it stops answering. */
    public static final String LAPSE_ID = "byob-vb-lapse-it";
    public static final String LAPSE_BOT = "hbvblapse_bridge";
    public static final String LAPSE_GHOSTS = "hbvblapse_irc_";
    /** The hosting bridge for the handover at acceptance. */
    public static final String HANDOVER_ID = "byob-vb-handover-it";
    public static final String HANDOVER_BOT = "hbvbhand_bridge";
    public static final String HANDOVER_GHOSTS = "hbvbhand_irc_";

    /** The hosting bridge that meets the visiting bridge's portal rooms ({@code PortalRoomIT}). */
    public static final String PORTAL_ID = "byob-vb-portal-it";
    public static final String PORTAL_BOT = "hbvbportal_bridge";
    public static final String PORTAL_GHOSTS = "hbvbportal_irc_";

    /** The first of the two hosting bridges of the several-bridges scenario. */
    public static final String SEVERAL1_ID = "byob-vb-several1-it";
    public static final String SEVERAL1_BOT = "hbvbsev1_bridge";
    public static final String SEVERAL1_GHOSTS = "hbvbsev1_irc_";
    /** The second of the two hosting bridges of the several-bridges scenario. */
    public static final String SEVERAL2_ID = "byob-vb-several2-it";
    public static final String SEVERAL2_BOT = "hbvbsev2_bridge";
    public static final String SEVERAL2_GHOSTS = "hbvbsev2_irc_";
    /** The hosting bridge of the duplicate-DM scenario. */
    public static final String DUPLICATE_DM_ID = "byob-vb-dupdm-it";
    public static final String DUPLICATE_DM_BOT = "hbvbdupdm_bridge";
    public static final String DUPLICATE_DM_GHOSTS = "hbvbdupdm_irc_";

    @Override
    public List<AppserviceRegistration> appservices(String serverName) {
        return List.of(HostingBridgeAppservices.registration(LOGOUT_ID, LOGOUT_BOT, LOGOUT_GHOSTS, serverName),
                HostingBridgeAppservices.registration(OVERRIDE_ID, OVERRIDE_BOT, OVERRIDE_GHOSTS, serverName),
                HostingBridgeAppservices.registration(CRASH_ID, CRASH_BOT, CRASH_GHOSTS, serverName),
                HostingBridgeAppservices.registration(DOUBT_ID, DOUBT_BOT, DOUBT_GHOSTS, serverName),
                HostingBridgeAppservices.registration(LAPSE_ID, LAPSE_BOT, LAPSE_GHOSTS, serverName),
                HostingBridgeAppservices.registration(HANDOVER_ID, HANDOVER_BOT, HANDOVER_GHOSTS, serverName),
                HostingBridgeAppservices.registration(PORTAL_ID, PORTAL_BOT, PORTAL_GHOSTS, serverName),
                HostingBridgeAppservices.registration(SEVERAL1_ID, SEVERAL1_BOT, SEVERAL1_GHOSTS, serverName),
                HostingBridgeAppservices.registration(SEVERAL2_ID, SEVERAL2_BOT, SEVERAL2_GHOSTS, serverName),
                HostingBridgeAppservices.registration(DUPLICATE_DM_ID, DUPLICATE_DM_BOT, DUPLICATE_DM_GHOSTS,
                        serverName));
    }
}
