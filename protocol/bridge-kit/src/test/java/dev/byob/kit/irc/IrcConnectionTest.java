package dev.byob.kit.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.kit.irc.IrcConnection.Disconnected;
import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslFailure;
import dev.byob.protocol.remote.irc.SaslPlain;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.ssl.SslHandler;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IrcConnectionTest {
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final Backoff BACKOFF = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0, 0.0);
    private static EventLoopGroup group;

    private final ManualTime time = new ManualTime();
    private final Events events = new Events();
    private FakeIrcServer server;
    private IrcConnection connection;

    /** What the connection reported, for waiting on. */
    static final class Events implements IrcConnection.Listener {
        final BlockingQueue<Registered> registered = new LinkedBlockingQueue<>();
        final BlockingQueue<SaslFailed> saslFailed = new LinkedBlockingQueue<>();
        final BlockingQueue<IrcMessage> messages = new LinkedBlockingQueue<>();
        final BlockingQueue<Disconnected> disconnected = new LinkedBlockingQueue<>();

        @Override
        public void onRegistered(Registered r) {
            registered.add(r);
        }

        @Override
        public void onSaslFailed(SaslFailed f) {
            saslFailed.add(f);
        }

        @Override
        public void onEvent(IrcMessage m) {
            messages.add(m);
        }

        @Override
        public void onDisconnected(Disconnected d) {
            disconnected.add(d);
        }
    }

    private static <T> T next(BlockingQueue<T> queue) throws InterruptedException {
        T item = queue.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertNotNull(item, "nothing reported within " + WAIT);
        return item;
    }

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void tearDown() throws IOException {
        if (connection != null) {
            connection.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private IrcConnection.Builder builder(int port, IrcSessionConfig config) {
        return IrcConnection.builder("127.0.0.1", port, config)
                .eventLoopGroup(group)
                .listener(events)
                .scheduler(time)
                .clock(time)
                .backoff(BACKOFF)
                .random(new Random(1));
    }

    @Test
    void start_registers_linesBothWays() throws Exception {
        server = new FakeIrcServer();
        connection = builder(server.port(), IrcSessionConfig.of("bot")).build();

        CompletableFuture<Registered> registered = connection.start();
        FakeIrcServer.Client client = server.accept(WAIT);
        assertEquals("CAP LS 302", client.line());
        assertEquals("NICK bot", client.line());
        client.register("bot");
        assertEquals("bot", registered.get(5, TimeUnit.SECONDS).nick());
        assertTrue(connection.isRegistered());
        assertEquals("bot", connection.session().orElseThrow().nick());

        connection.send(IrcMessage.of("PRIVMSG", "#byob", "hello there").withTag("+byob.dev/origin", "$ev:hs"))
                .get(5, TimeUnit.SECONDS);
        assertEquals("@+byob.dev/origin=$ev:hs PRIVMSG #byob :hello there", client.line());

        client.send("@account=alice;msgid=m1 :alice!a@127.0.0.1 PRIVMSG bot :byob-proof abc");
        IrcMessage event = next(events.messages);
        assertEquals(Optional.of("alice"), event.account());
        assertEquals(Optional.of("byob-proof abc"), event.trailing());
    }

    @Test
    void send_overLimits_throwsAtOnce_beforeStart_failsFuture() {
        connection = IrcConnection.builder("127.0.0.1", 6667, IrcSessionConfig.of("bot")).eventLoopGroup(group).build();

        assertThrows(IllegalArgumentException.class,
                () -> connection.send(IrcMessage.of("PRIVMSG", "#a", "x ".repeat(300))));
        CompletableFuture<Void> written = connection.send(IrcMessage.of("PRIVMSG", "#a", "hi"));
        ExecutionException e = assertThrows(ExecutionException.class, () -> written.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    @Test
    void lostConnection_reconnectsWithExponentialBackoff_resetAfterRegistering() throws Exception {
        server = new FakeIrcServer();
        connection = builder(server.port(), IrcSessionConfig.of("bot")).build();
        connection.start();
        FakeIrcServer.Client first = server.accept(WAIT);
        first.register("bot");
        next(events.registered);

        first.close();
        Disconnected lost = next(events.disconnected);
        assertEquals(Optional.of(IrcFailure.CONNECTION_LOST), lost.failure());
        assertEquals(Optional.of(Duration.ofSeconds(1)), lost.reconnectIn());
        assertEquals(List.of(Duration.ofSeconds(1)), time.pendingDelays());

        time.advance(Duration.ofSeconds(1));
        FakeIrcServer.Client second = server.accept(WAIT);
        second.line();
        second.close(); // dropped before registering: the next wait doubles
        assertEquals(Optional.of(Duration.ofSeconds(2)), next(events.disconnected).reconnectIn());

        time.advance(Duration.ofSeconds(2));
        FakeIrcServer.Client third = server.accept(WAIT);
        third.register("bot");
        next(events.registered);
        third.close();
        assertEquals(Optional.of(Duration.ofSeconds(1)), next(events.disconnected).reconnectIn(), "reset by registering");
    }

    @Test
    void serverError_reconnects() throws Exception {
        server = new FakeIrcServer();
        connection = builder(server.port(), IrcSessionConfig.of("bot")).build();
        connection.start();
        FakeIrcServer.Client client = server.accept(WAIT);
        client.register("bot");
        next(events.registered);

        client.send("ERROR :Closing link: (bot@127.0.0.1) [Server shutting down]");

        Disconnected disconnected = next(events.disconnected);
        assertEquals(Optional.of(IrcFailure.CLOSED_BY_SERVER), disconnected.failure());
        assertTrue(disconnected.detail().contains("Server shutting down"), disconnected.detail());
        assertEquals(Optional.of(Duration.ofSeconds(1)), disconnected.reconnectIn());
    }

    @Test
    void wrongSaslPassword_startFailsWithTypedFailure_noReconnect() throws Exception {
        server = new FakeIrcServer();
        connection = builder(server.port(), IrcSessionConfig.of("alice").withSasl(SaslPlain.of("alice", "wrong"))).build();

        CompletableFuture<Registered> registered = connection.start();
        FakeIrcServer.Client client = server.accept(WAIT);
        client.lineStartingWith("USER ");
        client.send(":irc.test CAP * LS :message-tags sasl");
        assertEquals("CAP REQ :message-tags sasl", client.line());
        client.send(":irc.test CAP * ACK :message-tags sasl");
        assertEquals("AUTHENTICATE PLAIN", client.line());
        client.send("AUTHENTICATE :+");
        assertTrue(client.line().startsWith("AUTHENTICATE "));
        client.send(":irc.test 904 alice :SASL authentication failed");
        assertEquals("QUIT :byob: sasl failed", client.line());
        client.awaitClosed();

        ExecutionException e = assertThrows(ExecutionException.class, () -> registered.get(5, TimeUnit.SECONDS));
        IrcConnectionException failure = (IrcConnectionException) e.getCause();
        assertEquals(IrcFailure.SASL_FAILED, failure.failure());
        assertEquals(SaslFailure.CREDENTIALS_REJECTED, failure.saslFailure().orElseThrow().reason());
        assertEquals(SaslFailure.CREDENTIALS_REJECTED, next(events.saslFailed).reason());
        Disconnected disconnected = next(events.disconnected);
        assertEquals(Optional.of(IrcFailure.SASL_FAILED), disconnected.failure());
        assertEquals(Optional.empty(), disconnected.reconnectIn());
        assertEquals(List.of(), time.pendingDelays());
    }

    @Test
    void close_quits_noReconnect_sendFailsAfterwards() throws Exception {
        server = new FakeIrcServer();
        connection = builder(server.port(), IrcSessionConfig.of("bot")).build();
        connection.start();
        FakeIrcServer.Client client = server.accept(WAIT);
        client.register("bot");
        next(events.registered);

        connection.closeAsync("maintenance").get(5, TimeUnit.SECONDS);

        assertEquals("QUIT maintenance", client.line());
        client.awaitClosed();
        Disconnected disconnected = next(events.disconnected);
        assertEquals(Optional.empty(), disconnected.failure());
        assertEquals(Optional.empty(), disconnected.reconnectIn());
        assertEquals(List.of(), time.pendingDelays());
        assertTrue(connection.send(IrcMessage.of("PRIVMSG", "#a", "late")).isCompletedExceptionally());
        assertFalse(connection.isRegistered());
        connection.close(); // idempotent
    }

    @Test
    void connectionRefused_withoutReconnect_startFails() throws Exception {
        int port = freePort();
        connection = builder(port, IrcSessionConfig.of("bot")).reconnect(false).build();

        ExecutionException e = assertThrows(ExecutionException.class, () -> connection.start().get(10, TimeUnit.SECONDS));
        IrcConnectionException failure = (IrcConnectionException) e.getCause();
        assertEquals(IrcFailure.CONNECTION_LOST, failure.failure());
        assertTrue(failure.getMessage().contains("cannot connect to 127.0.0.1:" + port), failure.getMessage());
        assertEquals(Optional.empty(), failure.saslFailure());
    }

    @Test
    void connectionRefused_withReconnect_waits_closeCancelsTheWait() throws Exception {
        connection = builder(freePort(), IrcSessionConfig.of("bot")).build();
        CompletableFuture<Registered> registered = connection.start();

        assertEquals(Optional.of(Duration.ofSeconds(1)), next(events.disconnected).reconnectIn());
        assertFalse(registered.isDone(), "still trying");
        connection.closeAsync("stop").get(5, TimeUnit.SECONDS);

        assertEquals(List.of(), time.pendingDelays());
        assertThrows(ExecutionException.class, () -> registered.get(5, TimeUnit.SECONDS));
    }

    @Test
    void ownEventLoopGroup_shutDownOnClose() throws Exception {
        server = new FakeIrcServer();
        connection = IrcConnection.builder("127.0.0.1", server.port(), IrcSessionConfig.of("solo")).listener(events).build();
        connection.start();
        server.accept(WAIT).register("solo");
        next(events.registered);

        connection.closeAsync("bye").get(5, TimeUnit.SECONDS);

        assertEquals(Optional.empty(), next(events.disconnected).failure());
    }

    @Test
    void tls_pipelineStartsWithSslHandlerVerifyingTheHostName() {
        connection = IrcConnection.builder("irc.example.org", 6697, IrcSessionConfig.of("bot")).tls().build();
        EmbeddedChannel ch = new EmbeddedChannel();
        IrcSessionHandler handler = new IrcSessionHandler(IrcSessionConfig.of("bot"), new IrcSessionHandler.Callbacks() {
            @Override
            public void registered(Registered registered) {
            }

            @Override
            public void saslFailed(SaslFailed failure) {
            }

            @Override
            public void event(IrcMessage message) {
            }

            @Override
            public void closed(dev.byob.protocol.remote.irc.IrcOutput.Failed failure) {
            }
        }, time, time, new IrcSessionHandler.Settings(Duration.ofSeconds(60), 5, Duration.ofSeconds(1), 10));

        connection.configure(ch.pipeline(), handler);

        assertEquals(List.of("tls", "idle", "lines", "codec", "session"), ch.pipeline().names().subList(0, 5));
        SslHandler tls = (SslHandler) ch.pipeline().get("tls");
        assertEquals("HTTPS", tls.engine().getSSLParameters().getEndpointIdentificationAlgorithm());
        assertEquals("irc.example.org", tls.engine().getPeerHost());
        ch.finishAndReleaseAll();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
