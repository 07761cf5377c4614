package dev.byob.hosting;

import dev.byob.hosting.appservice.AppserviceServer;
import dev.byob.hosting.appservice.TransactionSink;
import dev.byob.hosting.bridge.BridgeActions;
import dev.byob.hosting.bridge.BridgeCore;
import dev.byob.hosting.bridge.RelayGate;
import dev.byob.hosting.byob.ByobCoordinator;
import dev.byob.hosting.byob.MatrixByobTransport;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.hosting.config.DatabaseConfig;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.OpenIdUserInfo;
import dev.byob.hosting.metrics.MetricsRegistry;
import dev.byob.hosting.store.Database;
import dev.byob.hosting.store.SqlBridgedRooms;
import dev.byob.hosting.store.SqlCanonicalDms;
import dev.byob.hosting.store.SqlFillInLog;
import dev.byob.hosting.store.SqlHostingJournal;
import dev.byob.hosting.store.SqlTrustStore;
import dev.byob.protocol.id.UserId;
import dev.byob.hosting.store.SqlTransactionSink;
import java.time.Clock;
import java.util.concurrent.ExecutionException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running hosting bridge: made from a validated {@link BridgeConfig}, it prepares the data directory, opens
 * its database, serves the application-service API and bridges the configured rooms until stopped
 * ({@link #bridging}); or, made with {@link #create}, only serves the API into a given sink. {@link #start()} and
 * {@link #stop()} may each be called more than once.
 */
public final class HostingBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostingBridge.class);

    private final BridgeConfig config;
    private final TransactionSink givenSink;
    private final RelayGate gate;
    private final MetricsRegistry metrics = new MetricsRegistry();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ready;
    private AppserviceServer server;
    private Database database;
    private MatrixClient matrix;
    private BridgeCore core;
    private ByobCoordinator byob;
    private ExecutorService byobWorker;

    private HostingBridge(BridgeConfig config, TransactionSink sink, RelayGate gate) {
        this.config = config;
        this.givenSink = sink;
        this.gate = gate;
    }

    private AppserviceServer server(TransactionSink sink) {
        return AppserviceServer.builder()
                .address(config.appservice().address())
                .port(config.appservice().port())
                .hsToken(config.tokens().hsToken().reveal())
                .sink(sink)
                .ghosts(config.ghosts())
                .ready(() -> ready)
                .metrics(metrics)
                .build();
    }

    /**
     * The whole bridge for {@code config} with byob: the {@link ByobCoordinator}, over the trust store, fill-in
     * log and journal in the bridge's database, is the core's gate, and steps aside for users whose visiting
     * bridge has proven itself.
     */
    public static HostingBridge bridging(BridgeConfig config) {
        Objects.requireNonNull(config, "config");
        return new HostingBridge(config, null, null);
    }

    /**
     * The whole bridge for {@code config}, which must have its tokens: it stores the transactions it receives
     * in the configured database and bridges rooms and channels, asking {@code gate} before relaying
     * ({@link RelayGate#ALWAYS} for a bridge without byob).
     */
    public static HostingBridge bridging(BridgeConfig config, RelayGate gate) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(gate, "gate");
        return new HostingBridge(config, null, gate);
    }

    /**
     * A bridge for {@code config}, which must have its tokens (loaded with {@link BridgeConfig#load}), storing
     * the transactions it receives in {@code sink}.
     */
    public static HostingBridge create(BridgeConfig config, TransactionSink sink) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sink, "sink");
        return new HostingBridge(config, sink, null);
    }

    /**
     * Creates the data directory and starts serving; ready once everything has started.
     *
     * @throws IOException if the data directory cannot be created or the address cannot be bound
     */
    public synchronized HostingBridge start() throws IOException {
        if (ready) {
            return this;
        }
        try {
            Files.createDirectories(config.dataDir());
        } catch (IOException e) {
            throw new IOException("cannot create the data directory " + config.dataDir() + ": " + e.getMessage(), e);
        }
        if (givenSink != null) {
            if (server == null) {
                server = server(givenSink);
            }
            server.start();
        } else {
            startBridging();
        }
        ready = true;
        LOG.info("hosting bridge {} ready: bot {}, ghosts {}, application-service API on {}:{} (registered as {})",
                config.appservice().id(), config.botUserId(), config.ghosts(),
                server.address().getAddress().getHostAddress(), server.port(), config.appservice().url());
        return this;
    }

    private void startBridging() throws IOException {
        database = Database.open(storeConfig(config.database()));
        SqlTransactionSink sink = new SqlTransactionSink(database, Clock.systemUTC());
        matrix = MatrixClient.builder(config.homeserver().url(), config.tokens().asToken().reveal()).build();
        core = new BridgeCore(config, matrix, sink, new SqlBridgedRooms(database), gate == null ? RelayGate.ALWAYS
                : gate, metrics);
        if (gate == null) {
            byobWorker = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "byob-bridge-kit");
                t.setDaemon(true);
                return t;
            });
            UserId botId = UserId.parse(config.botUserId());
            MatrixByobTransport transport = new MatrixByobTransport(matrix, botId, new SqlCanonicalDms(database),
                    byobWorker, OpenIdUserInfo.withDns(MatrixClient.sharedHttpClient(), botId.serverName(),
                    config.homeserver().url()));
            byob = ByobCoordinator.create(config, new SqlTrustStore(database), new SqlFillInLog(database),
                    new SqlHostingJournal(database), core, transport, core, core.executor(), Clock.systemUTC(),
                    metrics);
            core.useByob(byob);
        }
        server = server(sink);
        server.start();
        try {
            core.start();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting the bridge", e);
        } catch (ExecutionException e) {
            throw new IOException("the bridge could not start: " + e.getCause(), e.getCause());
        }
    }

    private static dev.byob.hosting.store.DatabaseConfig storeConfig(DatabaseConfig database) {
        if (database instanceof DatabaseConfig.Sqlite sqlite) {
            return new dev.byob.hosting.store.DatabaseConfig.Sqlite(sqlite.path());
        }
        DatabaseConfig.Postgres postgres = (DatabaseConfig.Postgres) database;
        return new dev.byob.hosting.store.DatabaseConfig.Postgres(postgres.jdbcUrl(), postgres.user(),
                postgres.password().map(secret -> secret.reveal()).orElse(null));
    }

    /**
     * What the byob side may ask of the bridge core (call it on the core's thread, from the gate); empty for a
     * bridge made with {@link #create}, and before {@link #start()}.
     */
    public java.util.Optional<BridgeActions> actions() {
        return java.util.Optional.ofNullable(core);
    }

    /** The byob side, once started; null for a bridge made with {@link #create} or with a gate of its own. */
    public ByobCoordinator byob() {
        return byob;
    }

    /** The bridge core, once started; null for a bridge made with {@link #create}. */
    public BridgeCore core() {
        return core;
    }

    /** The application-service server. */
    public AppserviceServer server() {
        return server;
    }

    /** Whether the bridge has started and not stopped. */
    public boolean ready() {
        return ready;
    }

    /** Stops serving; does nothing if already stopped. */
    public void stop() {
        synchronized (this) {
            ready = false;
            if (server != null) {
                server.stop();
            }
            if (core != null) {
                core.close();
            }
            if (byobWorker != null) {
                byobWorker.shutdownNow();
            }
            if (matrix != null) {
                matrix.close();
            }
            if (database != null) {
                database.close();
            }
        }
        stopped.countDown();
    }

    /** Waits until {@link #stop()} has completed. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }
}
