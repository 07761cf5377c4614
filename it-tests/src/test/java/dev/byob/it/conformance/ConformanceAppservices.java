package dev.byob.it.conformance;

import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.hosting.config.AppserviceTokens;
import dev.byob.it.harness.AppserviceProvider;
import dev.byob.it.harness.AppserviceRegistration;
import java.util.List;

/** The registration of the reference hosting bridge that {@code ConformanceIT} runs the conformance command against. */
public final class ConformanceAppservices implements AppserviceProvider {
    /** The registration's id. */
    public static final String ID = "byob-conformance-it";
    /** The bridge bot's localpart. */
    public static final String BOT_LOCALPART = "hbconf_bridge";
    /** The localpart prefix of the bridge's ghosts. */
    public static final String GHOST_PREFIX = "hbconf_irc_";

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
