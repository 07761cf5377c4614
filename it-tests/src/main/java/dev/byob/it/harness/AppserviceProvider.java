package dev.byob.it.harness;

import java.util.List;

/**
 * Supplies appservice registrations for the shared homeserver, which loads registrations only at
 * start-up. Implementations are found with {@link java.util.ServiceLoader} (list them in
 * {@code META-INF/services/dev.byob.it.harness.AppserviceProvider} on the test class path) and asked
 * once, before the shared Synapse starts; tests then look theirs up with
 * {@link Homeserver#appservice(String)}.
 */
public interface AppserviceProvider {
    /** The registrations to load on the homeserver named {@code serverName}. */
    List<AppserviceRegistration> appservices(String serverName);
}
