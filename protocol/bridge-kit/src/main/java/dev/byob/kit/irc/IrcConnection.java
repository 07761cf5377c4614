package dev.byob.kit.irc;

import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput.Failed;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One IRC client connection over Netty, wrapping the sans-IO {@link IrcSession}: connects (plain TCP
 * or TLS), frames lines, registers (capabilities, SASL), answers and sends pings, sends the bridge's
 * lines under flood control, and reconnects with exponential backoff and jitter when the connection
 * is lost for a reason that retrying can fix. A hosting bridge runs one for its bot and one per
 * relayed Matrix user; a visiting bridge one per user, logged in with SASL.
 *
 * <pre>{@code
 * IrcConnection irc = IrcConnection.builder("irc.example.org", 6697,
 *                 IrcSessionConfig.of("alice").withSasl(SaslPlain.of("alice", password)))
 *         .tls()
 *         .eventLoopGroup(group)                // shared by all connections of a bridge
 *         .listener(new IrcConnection.Listener() {
 *             public void onEvent(IrcMessage m) { ... }
 *         })
 *         .build();
 * Registered registered = irc.start().get(30, SECONDS);   // fails with IrcConnectionException on a wrong password
 * irc.send(IrcMessage.of("PRIVMSG", "#byob", "hello").withTag("+byob.dev/origin", eventId));
 * irc.close();
 * }</pre>
 *
 * <p>{@link #send} and {@link #close} are safe from any thread. {@link Listener} methods run on the
 * connection's event loop: they must return quickly and never block.
 */
public final class IrcConnection implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(IrcConnection.class);

    /**
     * What happens on a connection. Every method has an empty default; they run on the event loop.
     */
    public interface Listener {
        /** Registration completed, on the first connection and on every reconnect. */
        default void onRegistered(Registered registered) {
        }

        /** The SASL login failed; {@link SaslFailed#describe()} is a sentence for the user. */
        default void onSaslFailed(SaslFailed failure) {
        }

        /** A line received after registration (messages, joins, numerics...). */
        default void onEvent(IrcMessage message) {
        }

        /** The connection ended; see {@link Disconnected#reconnectIn()} for whether another follows. */
        default void onDisconnected(Disconnected disconnected) {
        }
    }

    /**
     * A connection ended.
     *
     * @param failure why, or empty when {@link #close} was called
     * @param detail what happened, for logs
     * @param reconnectIn when the next attempt starts, or empty if this connection is finished
     */
    public record Disconnected(Optional<IrcFailure> failure, String detail, Optional<Duration> reconnectIn) {
        /** Checks for null. */
        public Disconnected {
            Objects.requireNonNull(failure, "failure");
            Objects.requireNonNull(detail, "detail");
            Objects.requireNonNull(reconnectIn, "reconnectIn");
        }
    }

    private final String host;
    private final int port;
    private final IrcSessionConfig config;
    private final SslContext ssl;
    private final EventLoopGroup group;
    private final boolean ownGroup;
    private final Listener listener;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final Backoff backoff;
    private final Random random;
    private final boolean reconnect;
    private final Duration connectTimeout;
    private final Duration pingInterval;
    private final int maxLineBytes;
    private final IrcSessionHandler.Settings settings;

    private final CompletableFuture<Registered> firstRegistration = new CompletableFuture<>();
    private final CompletableFuture<Void> closeFuture = new CompletableFuture<>();

    // Guarded by this.
    private boolean started;
    private boolean finished;
    private boolean closing;
    private Channel channel;
    private IrcSessionHandler handler;
    private int failures;
    private Future<?> pendingReconnect;
    private SaslFailed lastSaslFailure;

    private IrcConnection(Builder b) {
        this.host = b.host;
        this.port = b.port;
        this.config = b.config;
        this.ssl = b.ssl;
        this.ownGroup = b.group == null;
        this.group = ownGroup ? new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory()) : b.group;
        this.listener = b.listener;
        this.scheduler = b.scheduler != null ? b.scheduler : Scheduler.of(group);
        this.clock = b.clock;
        this.backoff = b.backoff;
        this.random = b.random;
        this.reconnect = b.reconnect;
        this.connectTimeout = b.connectTimeout;
        this.pingInterval = b.pingInterval;
        this.maxLineBytes = b.maxLineBytes;
        this.settings = new IrcSessionHandler.Settings(b.registrationTimeout, b.burst, b.interval, b.maxQueued);
    }

    /** A builder for a connection to {@code host:port} registering with {@code config}. */
    public static Builder builder(String host, int port, IrcSessionConfig config) {
        return new Builder(host, port, config);
    }

    /**
     * Starts connecting; idempotent. The future completes on the first registration, or fails with
     * {@link IrcConnectionException} if the connection ends for good before registering (e.g. a wrong
     * SASL password) or is closed. Retryable failures before the first registration keep it waiting
     * while reconnecting.
     */
    public CompletableFuture<Registered> start() {
        synchronized (this) {
            if (started || finished) {
                return firstRegistration;
            }
            started = true;
        }
        connect();
        return firstRegistration;
    }

    /**
     * Sends a line from the bridge, through flood control. Safe from any thread.
     *
     * @return completes once the line is written to the socket; fails if the connection is not
     *     registered, closes first, or too many lines are waiting
     * @throws IllegalArgumentException at once, if the line is over the size limits
     */
    public CompletableFuture<Void> send(IrcMessage message) {
        return send(message, () -> true);
    }

    /**
     * Sends a line from the bridge, through flood control, if {@code mayStart} still allows it when flood
     * control lets it go: asked on the connection's event loop just before the line is written, so a line
     * that waited in the queue past the moment its sender may no longer start it is not written. A
     * visiting bridge uses it for its lease: a relay must not start after the lease ended (spec §12.2).
     *
     * @return completes once the line is written; fails with {@link LineWithdrawnException} if
     *     {@code mayStart} said no, and as {@link #send(IrcMessage)} does otherwise
     */
    public CompletableFuture<Void> send(IrcMessage message, BooleanSupplier mayStart) {
        Objects.requireNonNull(mayStart, "mayStart");
        message.formatAsClient();
        CompletableFuture<Void> written = new CompletableFuture<>();
        Channel ch;
        IrcSessionHandler h;
        synchronized (this) {
            ch = channel;
            h = handler;
        }
        if (ch == null || h == null) {
            written.completeExceptionally(new IllegalStateException("the IRC connection is not connected"));
            return written;
        }
        ch.eventLoop().execute(() -> h.submit(new IrcSessionHandler.Outgoing(message, written, mayStart)));
        return written;
    }

    /** The session of the current connection, if there is one: nick, capabilities, account, ISUPPORT. */
    public Optional<IrcSession> session() {
        IrcSessionHandler h;
        synchronized (this) {
            h = handler;
        }
        return h == null ? Optional.empty() : Optional.ofNullable(h.session());
    }

    /** Whether the current connection is registered. */
    public boolean isRegistered() {
        return session().map(IrcSession::isRegistered).orElse(false);
    }

    /**
     * Quits with {@code reason}, closes the connection and stops reconnecting; idempotent. The future
     * completes once the connection is closed (and an event loop group the connection created is shut down).
     */
    public CompletableFuture<Void> closeAsync(String reason) {
        return close(reason, false);
    }

    /**
     * Closes for good like {@link #closeAsync}, but only after the lines already waiting for flood control
     * are written: what was handed to this connection is not dropped. A bridge uses it when a user's own
     * connection leaves while lines of theirs it had accepted are still queued.
     */
    public CompletableFuture<Void> closeWhenSent(String reason) {
        return close(reason, true);
    }

    private CompletableFuture<Void> close(String reason, boolean whenSent) {
        Channel ch;
        IrcSessionHandler h;
        synchronized (this) {
            if (closing || finished) {
                return closeFuture;
            }
            closing = true;
            if (pendingReconnect != null) {
                pendingReconnect.cancel(false);
                pendingReconnect = null;
            }
            ch = channel;
            h = handler;
        }
        if (h == null) {
            finish(null, "closed", true);
        } else if (ch != null) {
            ch.eventLoop().execute(() -> {
                if (ch.isActive() && h.session() != null && whenSent) {
                    h.quitWhenDrained(reason);
                } else if (ch.isActive() && h.session() != null) {
                    h.quit(reason);
                } else {
                    ch.close();
                }
            });
        }
        // Otherwise a connect is starting: connect() sees closing and closes its channel.
        return closeFuture;
    }

    /** Quits and waits up to 10 seconds for the connection to close. */
    @Override
    public void close() {
        try {
            closeAsync("bye").get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("closing the IRC connection to {}:{} did not complete: {}", host, port, e.toString());
        }
    }

    private void connect() {
        Callbacks callbacks = new Callbacks();
        IrcSessionHandler h = new IrcSessionHandler(config, callbacks, scheduler, clock, settings);
        callbacks.owner = h;
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        configure(ch.pipeline(), h);
                    }
                });
        synchronized (this) {
            pendingReconnect = null;
            if (closing || finished) {
                return;
            }
            handler = h;
        }
        LOG.debug("connecting to IRC at {}:{} as {}", host, port, config.nick());
        ChannelFuture connected = bootstrap.connect(host, port);
        boolean closeNow;
        synchronized (this) {
            if (handler == h) {
                channel = connected.channel();
            }
            closeNow = closing;
        }
        if (closeNow) {
            connected.channel().close();
        }
        connected.addListener(f -> {
            if (!f.isSuccess()) {
                closed(h, new Failed(IrcFailure.CONNECTION_LOST,
                        "cannot connect to " + host + ":" + port + ": " + f.cause()));
            }
        });
    }

    /** The pipeline of one connection: [TLS,] idle detection, line framing, the codec and the session. */
    void configure(ChannelPipeline pipeline, IrcSessionHandler h) {
        if (ssl != null) {
            SslHandler tls = ssl.newHandler(pipeline.channel().alloc(), host, port);
            SSLParameters parameters = tls.engine().getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            tls.engine().setSSLParameters(parameters);
            pipeline.addLast("tls", tls);
        }
        pipeline.addLast("idle", new IdleStateHandler(pingInterval.toMillis(), 0, 0, TimeUnit.MILLISECONDS));
        pipeline.addLast("lines", new LineBasedFrameDecoder(maxLineBytes, true, false));
        pipeline.addLast("codec", new IrcCodec());
        pipeline.addLast("session", h);
    }

    private void closed(IrcSessionHandler h, Failed failure) {
        Optional<Duration> delay = Optional.empty();
        boolean terminal;
        boolean byCaller;
        synchronized (this) {
            if (handler != h) {
                return;
            }
            handler = null;
            channel = null;
            byCaller = closing;
            if (closing || failure == null) {
                terminal = true;
            } else if (reconnect && failure.reason().retryable()) {
                failures++;
                Duration wait = backoff.delay(failures, random);
                delay = Optional.of(wait);
                pendingReconnect = scheduler.schedule(wait, this::connect);
                terminal = false;
            } else {
                terminal = true;
            }
        }
        if (failure != null) {
            LOG.info("IRC connection to {}:{} as {} ended: {} ({}){}", host, port, config.nick(), failure.detail(),
                    failure.reason(), delay.map(d -> "; reconnecting in " + d.toMillis() + " ms").orElse(""));
        }
        Disconnected disconnected = new Disconnected(Optional.ofNullable(failure).map(Failed::reason),
                failure == null ? "closed" : failure.detail(), delay);
        safely(() -> listener.onDisconnected(disconnected));
        if (terminal) {
            finish(failure, disconnected.detail(), byCaller);
        }
    }

    private void finish(Failed failure, String detail, boolean byCaller) {
        SaslFailed sasl;
        synchronized (this) {
            if (finished) {
                return;
            }
            finished = true;
            sasl = lastSaslFailure;
        }
        IrcFailure reason = failure == null ? IrcFailure.CONNECTION_LOST : failure.reason();
        firstRegistration.completeExceptionally(new IrcConnectionException(reason,
                byCaller ? "the connection was closed before registering" : detail,
                reason == IrcFailure.SASL_FAILED ? Optional.ofNullable(sasl) : Optional.empty()));
        if (ownGroup) {
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS)
                    .addListener(f -> closeFuture.complete(null));
        } else {
            closeFuture.complete(null);
        }
    }

    private static void safely(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("an IRC listener failed", e);
        }
    }

    @Override
    public String toString() {
        return "IrcConnection[" + host + ":" + port + ", " + session().map(Object::toString).orElse(config.nick()) + "]";
    }

    /** One handler's reports; a handler that is no longer the current one is ignored when it closes. */
    private final class Callbacks implements IrcSessionHandler.Callbacks {
        private IrcSessionHandler owner;

        @Override
        public void registered(Registered registered) {
            synchronized (IrcConnection.this) {
                failures = 0;
            }
            LOG.info("registered with IRC at {}:{} as {}{}", host, port, registered.nick(),
                    registered.account().map(a -> " (account " + a + ")").orElse(""));
            firstRegistration.complete(registered);
            safely(() -> listener.onRegistered(registered));
        }

        @Override
        public void saslFailed(SaslFailed failure) {
            synchronized (IrcConnection.this) {
                lastSaslFailure = failure;
            }
            LOG.warn("{}", failure.describe());
            safely(() -> listener.onSaslFailed(failure));
        }

        @Override
        public void event(IrcMessage message) {
            safely(() -> listener.onEvent(message));
        }

        @Override
        public void closed(Failed failure) {
            IrcConnection.this.closed(owner, failure);
        }
    }

    /** Builds an {@link IrcConnection}. */
    public static final class Builder {
        private final String host;
        private final int port;
        private final IrcSessionConfig config;
        private SslContext ssl;
        private EventLoopGroup group;
        private Listener listener = new Listener() {
        };
        private Scheduler scheduler;
        private InstantSource clock = InstantSource.system();
        private Backoff backoff = Backoff.defaults();
        private Random random = new Random();
        private boolean reconnect = true;
        private Duration connectTimeout = Duration.ofSeconds(30);
        private Duration registrationTimeout = Duration.ofSeconds(60);
        private Duration pingInterval = Duration.ofSeconds(90);
        private int burst = 5;
        private Duration interval = Duration.ofMillis(1500);
        private int maxQueued = 1000;
        private int maxLineBytes = IrcMessage.MAX_LINE_BYTES;

        private Builder(String host, int port, IrcSessionConfig config) {
            this.host = Objects.requireNonNull(host, "host");
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a port: " + port);
            }
            this.port = port;
            this.config = Objects.requireNonNull(config, "config");
        }

        /** TLS with the JDK's trusted certificates and host name verification. */
        public Builder tls() {
            try {
                return tls(SslContextBuilder.forClient().build());
            } catch (SSLException e) {
                throw new IllegalStateException("cannot set up TLS", e);
            }
        }

        /** TLS with this context (host names are verified against {@code host}). */
        public Builder tls(SslContext context) {
            if (!context.isClient()) {
                throw new IllegalArgumentException("a client TLS context is needed");
            }
            this.ssl = context;
            return this;
        }

        /** The event loop group to run on, shared by a bridge's connections; default: one of its own, shut down on close. */
        public Builder eventLoopGroup(EventLoopGroup group) {
            this.group = Objects.requireNonNull(group, "group");
            return this;
        }

        /** Who hears about registration, events and disconnections. */
        public Builder listener(Listener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** What runs delayed tasks (reconnects, flood control, the registration timeout); default: the event loop group. */
        public Builder scheduler(Scheduler scheduler) {
            this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
            return this;
        }

        /** The clock of flood control; default: the system's. */
        public Builder clock(InstantSource clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How long to wait before reconnecting; default {@link Backoff#defaults()}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** The source of backoff jitter. */
        public Builder random(Random random) {
            this.random = Objects.requireNonNull(random, "random");
            return this;
        }

        /** Whether to reconnect after a retryable failure; default true. */
        public Builder reconnect(boolean reconnect) {
            this.reconnect = reconnect;
            return this;
        }

        /** How long a TCP connect may take; default 30 s. */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /** How long registration may take after connecting; default 60 s. */
        public Builder registrationTimeout(Duration timeout) {
            this.registrationTimeout = positive(timeout, "registrationTimeout");
            return this;
        }

        /** After this long without a line from the server, ping it; after as long again, give up; default 90 s. */
        public Builder pingInterval(Duration interval) {
            this.pingInterval = positive(interval, "pingInterval");
            return this;
        }

        /** Flood control: {@code burst} lines at once, then one per {@code interval}, at most {@code maxQueued} waiting; default 5, 1.5 s, 1000. */
        public Builder rateLimit(int burst, Duration interval, int maxQueued) {
            if (burst < 1 || maxQueued < 0) {
                throw new IllegalArgumentException("need burst >= 1 and maxQueued >= 0");
            }
            this.burst = burst;
            this.interval = positive(interval, "interval");
            this.maxQueued = maxQueued;
            return this;
        }

        /** The longest line accepted from the server, in bytes; longer ones are skipped. Default {@link IrcMessage#MAX_LINE_BYTES}. */
        public Builder maxLineBytes(int maxLineBytes) {
            if (maxLineBytes < 512) {
                throw new IllegalArgumentException("maxLineBytes must be at least 512, was " + maxLineBytes);
            }
            this.maxLineBytes = maxLineBytes;
            return this;
        }

        /** The connection, not yet started. */
        public IrcConnection build() {
            return new IrcConnection(this);
        }

        private static Duration positive(Duration d, String what) {
            Objects.requireNonNull(d, what);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + " must be positive, was " + d);
            }
            return d;
        }
    }
}
