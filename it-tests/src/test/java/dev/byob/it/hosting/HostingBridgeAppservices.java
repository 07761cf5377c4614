package dev.byob.it.hosting;

import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.hosting.config.AppserviceTokens;
import dev.byob.it.harness.AppserviceProvider;
import dev.byob.it.harness.AppserviceRegistration;
import java.util.List;

/**
 * The hosting bridge's registration on the shared Synapse, made the way the bridge makes its own: random
 * tokens from {@link AppserviceTokens#random()} and the exclusive ghost namespace from
 * {@link GhostNamespace#regex()}.
 */
public final class HostingBridgeAppservices implements AppserviceProvider {
    /** The registration's id. */
    public static final String ID = "byob-hosting-bridge-it";
    /** The bridge bot's localpart. */
    public static final String BOT_LOCALPART = "hbit_bridge";
    /** The localpart prefix of the bridge's ghosts. */
    public static final String GHOST_PREFIX = "hbit_irc_";

    @Override
    public List<AppserviceRegistration> appservices(String serverName) {
        AppserviceTokens tokens = AppserviceTokens.random();
        return List.of(AppserviceRegistration.builder(ID)
                .asToken(tokens.asToken().reveal())
                .hsToken(tokens.hsToken().reveal())
                .senderLocalpart(BOT_LOCALPART)
                .users(GhostNamespace.of(GHOST_PREFIX, serverName).regex(), true)
                .build());
    }
}
