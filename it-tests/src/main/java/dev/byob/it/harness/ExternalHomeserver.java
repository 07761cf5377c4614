package dev.byob.it.harness;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.opentest4j.TestAbortedException;

/**
 * A homeserver that is already running, named by {@code BYOB_IT_HOMESERVER_URL} with its
 * {@code BYOB_IT_REGISTRATION_SECRET}. Its server name is {@code BYOB_IT_SERVER_NAME}, or else learnt
 * from the first user registered.
 */
public final class ExternalHomeserver implements Homeserver {
    private final URI baseUrl;
    private final String registrationSecret;
    private volatile String serverName;

    /**
     * @param baseUrl the client-server API base URL
     * @param registrationSecret the shared secret for {@code /_synapse/admin/v1/register}
     * @param serverName the server name, or {@code null} to learn it
     */
    public ExternalHomeserver(URI baseUrl, String registrationSecret, String serverName) {
        this.baseUrl = baseUrl.toString().endsWith("/") ? baseUrl : URI.create(baseUrl + "/");
        this.registrationSecret = registrationSecret;
        this.serverName = serverName;
    }

    /** The homeserver described by the decision's environment variables. */
    static ExternalHomeserver from(ServerSource.External source) {
        return new ExternalHomeserver(URI.create(source.get("BYOB_IT_HOMESERVER_URL", null)),
                source.get("BYOB_IT_REGISTRATION_SECRET", null), source.get("BYOB_IT_SERVER_NAME", null));
    }

    @Override
    public URI baseUrl() {
        return baseUrl;
    }

    @Override
    public String serverName() {
        if (serverName == null) {
            newUser("probe"); // sets serverName
        }
        return serverName;
    }

    @Override
    public MatrixAccount registerUser(String localpart, String password, boolean admin) {
        MatrixAccount account = SharedSecretRegistration.register(baseUrl, registrationSecret, localpart, password,
                admin);
        if (serverName == null) {
            serverName = account.userId().substring(account.userId().indexOf(':') + 1);
        }
        return account;
    }

    @Override
    public AppserviceRegistration appservice(String id) {
        throw new TestAbortedException("appservice " + id + " needs a homeserver started by the harness, which "
                + "loads appservice registrations at start-up; BYOB_IT_HOMESERVER_URL names one that is already "
                + "running");
    }

    @Override
    public List<Path> logs() {
        return List.of();
    }

    @Override
    public String toString() {
        return "ExternalHomeserver[" + baseUrl + "]";
    }
}
