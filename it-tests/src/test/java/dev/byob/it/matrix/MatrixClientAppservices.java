package dev.byob.it.matrix;

import dev.byob.it.harness.AppserviceProvider;
import dev.byob.it.harness.AppserviceRegistration;
import java.util.List;

/** The appservice {@link MatrixClientIT} drives: a bridge bot and IRC ghosts named {@code irc_bob...}. */
public final class MatrixClientAppservices implements AppserviceProvider {
    /** The registration's id. */
    public static final String ID = "byob-matrix-client-test";

    @Override
    public List<AppserviceRegistration> appservices(String serverName) {
        return List.of(AppserviceRegistration.builder(ID)
                .senderLocalpart("irc_client_test_bot")
                .users(AppserviceRegistration.userIdRegex("irc_bob", serverName), true)
                .build());
    }
}
