package dev.byob.hosting.appservice;

import dev.byob.hosting.metrics.MetricsRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hosting bridge's HTTP server: the Matrix application-service API ({@code PUT
 * /_matrix/app/v1/transactions/{txnId}}, {@code GET /_matrix/app/v1/users/{userId}}, {@code POST
 * /_matrix/app/v1/ping}), liveness and readiness ({@code GET /health/live}, {@code GET /health/ready}) and
 * Prometheus metrics ({@code GET /metrics}).
 *
 * <p>The event loops never block: transactions are stored in the {@link TransactionSink} by one intake thread
 * with a bounded queue (a full queue answers {@code 429 M_LIMIT_EXCEEDED}), in arrival order, and answered only
 * once stored. {@link #start()} and {@link #stop()} may each be called more than once; a stopped server does not
 * start again.
 */
public final class AppserviceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AppserviceServer.class);

    /** The default request body limit: 16 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

    private final InetAddress address;
    private final int port;
    private final int maxBodyBytes;
    private final int ioThreads;
    private final int intakeQueueCapacity;
    private final String hsToken;
    private final TransactionSink sink;
    private final Predicate<String> userExists;
    private final BooleanSupplier ready;
    private final AppserviceMetrics metrics;
    private final int recentCapacity;

    private EventLoopGroup acceptGroup;
    private EventLoopGroup ioGroup;
    private ThreadPoolExecutor intake;
    private Channel serverChannel;
    private InetSocketAddress boundAddress;
    private boolean started;
    private boolean stopped;

    private AppserviceServer(Builder builder) {
        this.address = builder.address;
        this.port = builder.port;
        this.maxBodyBytes = builder.maxBodyBytes;
        this.ioThreads = builder.ioThreads;
        this.intakeQueueCapacity = builder.intakeQueueCapacity;
        this.hsToken = Objects.requireNonNull(builder.hsToken, "hsToken");
        this.sink = Objects.requireNonNull(builder.sink, "sink");
        this.userExists = builder.userExists;
        this.ready = builder.ready;
        this.metrics = new AppserviceMetrics(builder.metrics);
        this.recentCapacity = builder.recentCapacity;
    }

    /** A builder; {@link Builder#hsToken(String)} and {@link Builder#sink(TransactionSink)} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds and starts serving; does nothing if already started.
     *
     * @throws IOException if the address cannot be bound (e.g. the port is taken)
     * @throws IllegalStateException if the server was stopped
     */
    public synchronized AppserviceServer start() throws IOException {
        if (stopped) {
            throw new IllegalStateException("a stopped server does not start again");
        }
        if (started) {
            return this;
        }
        intake = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(intakeQueueCapacity), new DefaultThreadFactory("appservice-intake"));
        AppserviceApi api = new AppserviceApi(new HsTokenCheck(hsToken), sink, intake, userExists, ready, metrics,
                new RecentTransactionIds(recentCapacity));
        acceptGroup = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("appservice-accept"),
                NioIoHandler.newFactory());
        ioGroup = new MultiThreadIoEventLoopGroup(ioThreads, new DefaultThreadFactory("appservice-io"),
                NioIoHandler.newFactory());
        try {
            serverChannel = new ServerBootstrap()
                    .group(acceptGroup, ioGroup)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childHandler(new AppserviceInitializer(api, maxBodyBytes))
                    .bind(address, port)
                    .sync()
                    .channel();
        } catch (Exception e) {
            shutDownExecutors();
            stopped = true;
            throw new IOException("cannot listen on " + address.getHostAddress() + ":" + port + ": " + e.getMessage(), e);
        }
        boundAddress = (InetSocketAddress) serverChannel.localAddress();
        started = true;
        LOG.info("application-service API listening on {}:{}", boundAddress.getAddress().getHostAddress(),
                boundAddress.getPort());
        return this;
    }

    /** The address and port bound (the real port when 0 was asked for). */
    public synchronized InetSocketAddress address() {
        if (boundAddress == null) {
            throw new IllegalStateException("the server is not started");
        }
        return boundAddress;
    }

    /** The port bound. */
    public int port() {
        return address().getPort();
    }

    /** What the server counts. */
    public AppserviceMetrics metrics() {
        return metrics;
    }

    /**
     * Stops accepting connections, lets the transactions already taken in finish, then closes every connection;
     * does nothing if already stopped.
     */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        if (!started) {
            return;
        }
        serverChannel.close().syncUninterruptibly();
        shutDownExecutors();
        LOG.info("application-service API stopped");
    }

    private void shutDownExecutors() {
        if (intake != null) {
            intake.shutdown();
            try {
                if (!intake.awaitTermination(30, TimeUnit.SECONDS)) {
                    LOG.warn("transactions still being stored after 30 s; stopping anyway");
                    intake.shutdownNow();
                }
            } catch (InterruptedException e) {
                intake.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
        if (ioGroup != null) {
            // The answers of the transactions just finished were queued on the event loops: let them be written
            // before the loops close their connections.
            for (EventExecutor loop : ioGroup) {
                loop.submit(() -> { }).awaitUninterruptibly(5, TimeUnit.SECONDS);
            }
        }
        for (EventLoopGroup group : new EventLoopGroup[] {acceptGroup, ioGroup}) {
            if (group != null) {
                group.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
            }
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /** Builds an {@link AppserviceServer}. */
    public static final class Builder {
        private InetAddress address = InetAddress.getLoopbackAddress();
        private int port;
        private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
        private int ioThreads = 2;
        private int intakeQueueCapacity = 64;
        private int recentCapacity = 1024;
        private String hsToken;
        private TransactionSink sink;
        private Predicate<String> userExists = userId -> false;
        private BooleanSupplier ready = () -> true;
        private MetricsRegistry metrics = new MetricsRegistry();

        private Builder() {
        }

        /** Where to listen (default: the loopback address). */
        public Builder address(InetAddress address) {
            this.address = Objects.requireNonNull(address, "address");
            return this;
        }

        /** The port (default 0: any free port, see {@link AppserviceServer#port()}). */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port " + port);
            }
            this.port = port;
            return this;
        }

        /** The homeserver's token, which every application-service request must carry. Required. */
        public Builder hsToken(String hsToken) {
            this.hsToken = hsToken;
            return this;
        }

        /** Where transactions go. Required. */
        public Builder sink(TransactionSink sink) {
            this.sink = sink;
            return this;
        }

        /** Answers user queries for the ids in {@code ghosts} as existing, any other as unknown. */
        public Builder ghosts(GhostNamespace ghosts) {
            Objects.requireNonNull(ghosts, "ghosts");
            return userQuery(ghosts::contains);
        }

        /**
         * Answers user queries with {@code userExists} (default: nobody exists). It runs on an event loop, so it
         * must answer at once, without I/O.
         */
        public Builder userQuery(Predicate<String> userExists) {
            this.userExists = Objects.requireNonNull(userExists, "userExists");
            return this;
        }

        /** Whether the bridge is ready, for {@code /health/ready} (default: always). Must answer at once. */
        public Builder ready(BooleanSupplier ready) {
            this.ready = Objects.requireNonNull(ready, "ready");
            return this;
        }

        /** The registry to count in, served at {@code /metrics} (default: a new one). */
        public Builder metrics(MetricsRegistry metrics) {
            this.metrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** The request body limit (default 16 MiB); larger requests get {@code 413}. */
        public Builder maxBodyBytes(int maxBodyBytes) {
            if (maxBodyBytes < 1024) {
                throw new IllegalArgumentException("a body limit below 1 KiB cannot carry a transaction");
            }
            this.maxBodyBytes = maxBodyBytes;
            return this;
        }

        /** How many event-loop threads serve connections (default 2). */
        public Builder ioThreads(int ioThreads) {
            if (ioThreads < 1) {
                throw new IllegalArgumentException("at least one I/O thread");
            }
            this.ioThreads = ioThreads;
            return this;
        }

        /** How many transactions may wait for the intake thread (default 64). */
        public Builder intakeQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("the intake queue needs room for one transaction");
            }
            this.intakeQueueCapacity = capacity;
            return this;
        }

        /** The server, not yet started. */
        public AppserviceServer build() {
            return new AppserviceServer(this);
        }
    }
}
