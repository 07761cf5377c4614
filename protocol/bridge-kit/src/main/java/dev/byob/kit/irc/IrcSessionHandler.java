package dev.byob.kit.irc;

import dev.byob.protocol.Transition;
import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput;
import dev.byob.protocol.remote.irc.IrcOutput.Event;
import dev.byob.protocol.remote.irc.IrcOutput.Failed;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcOutput.SendLine;
import dev.byob.protocol.remote.irc.IrcSession;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link IrcSession} on a channel's event loop: starts it when the channel becomes active,
 * feeds it every received {@link IrcMessage}, writes its lines, and reports what happens through
 * {@link Callbacks}. It also enforces the registration timeout, pings a silent server (on
 * {@link IdleStateEvent}s from an {@code IdleStateHandler}) and closes the channel when the server
 * does not answer, and sends the bridge's own lines through a {@link RateLimitedSender}. Lines the
 * session sends itself (registration, PONG) skip the rate limit. One handler per channel.
 */
final class IrcSessionHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(IrcSessionHandler.class);

    /** What the handler reports; called on the channel's event loop. */
    interface Callbacks {
        /** Registration completed. */
        void registered(Registered registered);

        /** SASL failed (the session may continue without an account, or fail next). */
        void saslFailed(SaslFailed failure);

        /** A line after registration. */
        void event(IrcMessage message);

        /** The channel closed: with the failure that ended it, or {@code null} after {@link #quit}. */
        void closed(Failed failure);
    }

    /**
     * A line from the bridge and the future completed once it is written. {@code mayStart} is asked just
     * before the line is written, after flood control let it go; when it answers false the line is not
     * written and the future fails with {@link LineWithdrawnException}.
     */
    record Outgoing(IrcMessage message, CompletableFuture<Void> written, BooleanSupplier mayStart) {
        Outgoing(IrcMessage message, CompletableFuture<Void> written) {
            this(message, written, () -> true);
        }
    }

    /** Settings for one handler. */
    record Settings(Duration registrationTimeout, int burst, Duration interval, int maxQueued) {
    }

    private final IrcSessionConfig config;
    private final Callbacks callbacks;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final Settings settings;

    private ChannelHandlerContext ctx;
    private volatile IrcSession session;
    private RateLimitedSender<Outgoing> limiter;
    private Future<?> registrationTimer;
    private Failed failure;
    private boolean quitRequested;
    /** The reason of a quit that waits for the flood-control queue to drain; null when none does. */
    private String quitWhenDrained;
    private boolean pingOutstanding;
    private long pings;
    private boolean closedReported;

    IrcSessionHandler(IrcSessionConfig config, Callbacks callbacks, Scheduler scheduler, InstantSource clock,
                      Settings settings) {
        this.config = Objects.requireNonNull(config, "config");
        this.callbacks = Objects.requireNonNull(callbacks, "callbacks");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    /** The session as of the last line handled, or {@code null} before the channel became active. */
    IrcSession session() {
        return session;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        if (quitRequested) {
            ctx.close();
            return;
        }
        Scheduler onLoop = (delay, task) -> scheduler.schedule(delay, () -> ctx.executor().execute(task));
        limiter = new RateLimitedSender<>(settings.burst(), settings.interval(), clock, onLoop, this::write,
                settings.maxQueued());
        registrationTimer = onLoop.schedule(settings.registrationTimeout(), this::registrationTimedOut);
        apply(IrcSession.start(config));
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof IrcMessage)) {
            ctx.fireChannelRead(msg);
            return;
        }
        IrcMessage message = (IrcMessage) msg;
        LOG.trace("<< {}", message);
        pingOutstanding = false;
        if (session != null) {
            apply(session.receive(message));
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && ((IdleStateEvent) evt).state() == IdleState.READER_IDLE) {
            if (session == null || !session.isRegistered()) {
                return; // the registration timeout covers this
            }
            if (pingOutstanding) {
                fail(new Failed(IrcFailure.TIMEOUT, "the IRC server did not answer a PING"));
                return;
            }
            pingOutstanding = true;
            ctx.writeAndFlush(IrcMessage.of("PING", "byob-" + (++pings)));
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    /** Queues a line from the bridge; on the event loop. */
    void submit(Outgoing outgoing) {
        if (session == null || !session.isRegistered() || session.isQuitting() || !ctx.channel().isActive()) {
            outgoing.written().completeExceptionally(new IllegalStateException("the IRC connection is not registered"));
            return;
        }
        if (!limiter.submit(outgoing)) {
            outgoing.written().completeExceptionally(new IllegalStateException(
                    "too many lines waiting for flood control (" + limiter.queued() + ")"));
        }
    }

    /** Quits with {@code reason} and closes the channel once the QUIT is written; on the event loop. */
    /**
     * Quits once the lines waiting for flood control are written (at once when none wait): what the bridge had
     * already handed to this connection still goes out. Lines submitted meanwhile queue before the quit.
     */
    void quitWhenDrained(String reason) {
        if (limiter == null || limiter.queued() == 0) {
            quit(reason);
            return;
        }
        quitWhenDrained = reason;
    }

    void quit(String reason) {
        quitWhenDrained = null;
        quitRequested = true;
        if (session == null || ctx == null) {
            return; // not active yet: channelActive closes instead of registering
        }
        Transition<IrcSession, IrcOutput> t = session.quit(reason);
        session = t.state();
        for (IrcOutput output : t.outputs()) {
            if (output instanceof SendLine) {
                ctx.write(((SendLine) output).message());
            }
        }
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
    }

    /** Writes the line unless its sender withdrew it meanwhile; false when it was not written. */
    private boolean write(Outgoing outgoing) {
        boolean written = writeUnlessWithdrawn(outgoing);
        if (quitWhenDrained != null && limiter.queued() == 0) {
            quit(quitWhenDrained);
        }
        return written;
    }

    private boolean writeUnlessWithdrawn(Outgoing outgoing) {
        boolean mayStart;
        try {
            mayStart = outgoing.mayStart().getAsBoolean();
        } catch (RuntimeException e) {
            outgoing.written().completeExceptionally(e);
            return false;
        }
        if (!mayStart) {
            LOG.debug("withdrawn before it was written: {}", outgoing.message());
            outgoing.written().completeExceptionally(new LineWithdrawnException());
            return false;
        }
        LOG.debug(">> {}", outgoing.message());
        ctx.writeAndFlush(outgoing.message()).addListener(f -> {
            if (f.isSuccess()) {
                outgoing.written().complete(null);
            } else {
                outgoing.written().completeExceptionally(f.cause());
            }
        });
        return true;
    }

    private void apply(Transition<IrcSession, IrcOutput> transition) {
        session = transition.state();
        Failed failed = null;
        for (IrcOutput output : transition.outputs()) {
            if (output instanceof SendLine) {
                SendLine line = (SendLine) output;
                LOG.debug(">> {}", line.secret() ? line : line.message());
                ctx.write(line.message());
            } else if (output instanceof Registered) {
                cancelRegistrationTimer();
                guard(() -> callbacks.registered((Registered) output));
            } else if (output instanceof SaslFailed) {
                guard(() -> callbacks.saslFailed((SaslFailed) output));
            } else if (output instanceof Event) {
                guard(() -> callbacks.event(((Event) output).message()));
            } else if (output instanceof Failed) {
                failed = (Failed) output;
            }
        }
        ctx.flush();
        if (failed != null) {
            fail(failed);
        }
    }

    private void registrationTimedOut() {
        if (session != null && !session.isRegistered() && ctx.channel().isActive()) {
            fail(new Failed(IrcFailure.TIMEOUT, "not registered with the IRC server after "
                    + settings.registrationTimeout().toSeconds() + " s"));
        }
    }

    private void fail(Failed failed) {
        if (failure == null && !quitRequested) {
            failure = failed;
        }
        LOG.debug("closing the IRC connection as {}: {} ({})", session == null ? config.nick() : session.nick(),
                failed.detail(), failed.reason());
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> ctx.close());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            LOG.warn("skipping an overlong line from the IRC server: {}", cause.getMessage());
            return;
        }
        LOG.debug("IRC connection error", cause);
        if (failure == null && !quitRequested) {
            failure = new Failed(IrcFailure.CONNECTION_LOST, String.valueOf(cause));
        }
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        cancelRegistrationTimer();
        if (limiter != null) {
            for (Outgoing dropped : limiter.clear()) {
                dropped.written().completeExceptionally(new IllegalStateException("the IRC connection closed"));
            }
        }
        reportClosed();
        super.channelInactive(ctx);
    }

    private void reportClosed() {
        if (closedReported) {
            return;
        }
        closedReported = true;
        Failed reported = quitRequested ? null : failure != null ? failure
                : new Failed(IrcFailure.CONNECTION_LOST, "the IRC server closed the connection");
        guard(() -> callbacks.closed(reported));
    }

    private void cancelRegistrationTimer() {
        if (registrationTimer != null) {
            registrationTimer.cancel(false);
            registrationTimer = null;
        }
    }

    private static void guard(Runnable callback) {
        try {
            callback.run();
        } catch (RuntimeException e) {
            LOG.warn("an IRC listener failed", e);
        }
    }
}
