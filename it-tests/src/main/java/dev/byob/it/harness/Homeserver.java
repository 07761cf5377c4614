package dev.byob.it.harness;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/** A real Matrix homeserver the tests talk to: started by the harness or already running. */
public interface Homeserver {

    /** The client-server API base URL, e.g. {@code http://127.0.0.1:41234/}. */
    URI baseUrl();

    /** The server name in user ids, e.g. {@code localhost}. */
    String serverName();

    /**
     * Creates a user through the shared-secret registration API.
     *
     * @throws dev.byob.it.fixtures.MatrixException if the homeserver refuses, e.g. because the user exists
     */
    MatrixAccount registerUser(String localpart, String password, boolean admin);

    /** Creates a non-admin user with a unique localpart starting with {@code nameHint}. */
    default MatrixAccount newUser(String nameHint) {
        return registerUser(Names.unique(nameHint), Names.password(), false);
    }

    /**
     * The appservice registration {@code id} this homeserver loaded at start-up.
     *
     * @throws IllegalArgumentException if there is none
     * @throws org.opentest4j.TestAbortedException if the homeserver was not started by the harness, which
     *     alone can load registrations into it
     */
    AppserviceRegistration appservice(String id);

    /** The homeserver's log files, for failure messages; none for a server the harness did not start. */
    List<Path> logs();
}
