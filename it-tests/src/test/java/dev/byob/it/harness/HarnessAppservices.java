package dev.byob.it.harness;

import java.util.List;

/** The appservice the harness's own integration tests register on the shared Synapse. */
public final class HarnessAppservices implements AppserviceProvider {
    /** The registration's id. */
    public static final String ID = "byob-harness-test";

    @Override
    public List<AppserviceRegistration> appservices(String serverName) {
        return List.of(AppserviceRegistration.builder(ID)
                .senderLocalpart("harness_bot")
                .users(AppserviceRegistration.userIdRegex("harness_puppet_", serverName), true)
                .aliases("#harness_.*:" + serverName.replace(".", "\\."), true)
                .build());
    }
}
