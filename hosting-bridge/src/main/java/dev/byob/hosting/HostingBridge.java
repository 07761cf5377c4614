package dev.byob.hosting;

import dev.byob.hosting.appservice.AppserviceServer;
import dev.byob.hosting.appservice.TransactionSink;
import dev.byob.hosting.config.BridgeConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running hosting bridge: made from a validated {@link BridgeConfig}, it prepares the data directory and
 * serves the application-service API until stopped. {@link #start()} and {@link #stop()} may each be called
 * more than once.
 */
public final class HostingBridge implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HostingBridge.class);

    private final BridgeConfig config;
    private final AppserviceServer server;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean ready;

    private HostingBridge(BridgeConfig config, TransactionSink sink) {
        this.config = config;
        this.server = AppserviceServer.builder()
                .address(config.appservice().address())
                .port(config.appservice().port())
                .hsToken(config.tokens().hsToken().reveal())
                .sink(sink)
                .ghosts(config.ghosts())
                .ready(() -> ready)
                .build();
    }

    /**
     * A bridge for {@code config}, which must have its tokens (loaded with {@link BridgeConfig#load}), storing
     * the transactions it receives in {@code sink}.
     */
    public static HostingBridge create(BridgeConfig config, TransactionSink sink) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(sink, "sink");
        return new HostingBridge(config, sink);
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
        server.start();
        ready = true;
        LOG.info("hosting bridge {} ready: bot {}, ghosts {}, application-service API on {}:{} (registered as {})",
                config.appservice().id(), config.botUserId(), config.ghosts(),
                server.address().getAddress().getHostAddress(), server.port(), config.appservice().url());
        return this;
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
            server.stop();
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
