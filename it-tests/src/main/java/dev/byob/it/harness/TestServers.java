package dev.byob.it.harness;

import com.sun.security.auth.module.UnixSystem;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The servers of one test JVM: each is started (or found, see {@link ServerSource}) the first time a
 * test asks for it and shared by every later test, then stopped when the test run ends or the JVM
 * exits, whichever comes first. A server that failed to start fails every later request with the same
 * message instead of being tried again.
 */
public final class TestServers implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(TestServers.class.getName());
    private static TestServers shared;

    private final Map<String, String> env;
    private final boolean root;
    private final Path serversDir;
    private final Installation installation;
    private final List<AutoCloseable> started = new ArrayList<>();
    private final Slot<Homeserver> homeserver = new Slot<>();
    private final Slot<IrcNetwork> irc = new Slot<>();
    private final Slot<PostgresServer> postgres = new Slot<>();
    private boolean closed;

    TestServers(Map<String, String> env, boolean root, Path serversDir) {
        this.env = Map.copyOf(env);
        this.root = root;
        this.serversDir = serversDir.toAbsolutePath();
        this.installation = Installation.fromEnvironment(env, this.serversDir);
    }

    /**
     * The servers of this JVM. Per-run state goes to the directory in the system property
     * {@code byob.it.servers.dir} (set by the build to {@code target/servers}).
     */
    public static synchronized TestServers shared() {
        if (shared == null) {
            TestServers servers = new TestServers(System.getenv(), isRoot(),
                    Path.of(System.getProperty("byob.it.servers.dir", "target/servers")));
            Runtime.getRuntime().addShutdownHook(new Thread(servers::close, "byob-servers-shutdown"));
            shared = servers;
        }
        return shared;
    }

    /** Whether this process runs as root. */
    static boolean isRoot() {
        return new UnixSystem().getUid() == 0;
    }

    /** Where per-run server state and logs go. */
    public Path serversDir() {
        return serversDir;
    }

    /** The Matrix homeserver, started on first use with the registrations of every {@link AppserviceProvider}. */
    public Homeserver homeserver() {
        return homeserver.get(() -> obtain(ServerKind.HOMESERVER, ExternalHomeserver::from, () -> {
            Path synapseRoot = installation.ensureSynapseRoot();
            EmbeddedSynapse.Builder builder = EmbeddedSynapse.builder()
                    .root(synapseRoot)
                    .workDir(serversDir.resolve("synapse"));
            String serverName = "localhost";
            for (AppserviceProvider provider : ServiceLoader.load(AppserviceProvider.class)) {
                provider.appservices(serverName).forEach(builder::appservice);
            }
            return builder.serverName(serverName).start();
        }));
    }

    /** The IRC network, started on first use. */
    public IrcNetwork irc() {
        return irc.get(() -> obtain(ServerKind.IRC, ExternalIrcNetwork::from, () -> {
            installation.ensureHostPackages();
            return EmbeddedIrcNetwork.builder().workDir(serversDir.resolve("irc")).start();
        }));
    }

    /** The PostgreSQL server, started on first use. */
    public PostgresServer postgres() {
        return postgres.get(() -> obtain(ServerKind.POSTGRES, ExternalPostgres::from, () -> {
            installation.ensureHostPackages();
            return EmbeddedPostgres.builder().workDir(serversDir.resolve("postgres")).start();
        }));
    }

    /** The log files of every server started so far. */
    public List<Path> logs() {
        List<Path> logs = new ArrayList<>();
        homeserver.ifPresent(server -> logs.addAll(server.logs()));
        irc.ifPresent(server -> logs.addAll(server.logs()));
        postgres.ifPresent(server -> logs.addAll(server.logs()));
        return logs;
    }

    private <T> T obtain(ServerKind kind, Function<ServerSource.External, T> external, Supplier<T> embedded) {
        ServerSource source = ServerSource.decide(kind, env, root);
        if (source instanceof ServerSource.External found) {
            LOG.log(Level.INFO, "using {0} that is already running, named by {1}", kind.description(),
                    found.settings().keySet());
            return external.apply(found);
        }
        if (source instanceof ServerSource.Unavailable unavailable) {
            throw new ServersUnavailableException(unavailable.message());
        }
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("the test servers were already stopped");
            }
        }
        T server = embedded.get();
        synchronized (this) {
            if (!closed) {
                started.add((AutoCloseable) server);
                return server;
            }
        }
        closeQuietly((AutoCloseable) server);
        throw new IllegalStateException("the test servers were stopped while " + kind.embeddedName() + " started");
    }

    /**
     * Stops every started server, last started first; idempotent. A later {@link #shared()} starts
     * afresh.
     */
    @Override
    public void close() {
        synchronized (TestServers.class) {
            if (shared == this) {
                shared = null;
            }
        }
        List<AutoCloseable> toStop;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toStop = new ArrayList<>(started);
            started.clear();
        }
        for (int i = toStop.size() - 1; i >= 0; i--) {
            closeQuietly(toStop.get(i));
        }
    }

    private static void closeQuietly(AutoCloseable server) {
        try {
            server.close();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "cannot stop " + server, e);
        }
    }

    /** A lazily obtained server, or the failure that prevented it. */
    private static final class Slot<T> {
        private T value;
        private RuntimeException failure;

        synchronized T get(Supplier<T> supplier) {
            if (value != null) {
                return value;
            }
            if (failure != null) {
                throw new ServersUnavailableException(failure.getMessage(), failure);
            }
            try {
                value = supplier.get();
                return value;
            } catch (RuntimeException e) {
                failure = e;
                throw e;
            }
        }

        synchronized void ifPresent(Consumer<T> action) {
            if (value != null) {
                action.accept(value);
            }
        }
    }
}
