package dev.byob.kit.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput.Failed;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslFailure;
import dev.byob.protocol.remote.irc.SaslPlain;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.EncoderException;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class IrcSessionHandlerTest {
    private static final String LS = ":irc.test CAP * LS :account-tag echo-message message-tags sasl=PLAIN server-time";
    private static final String ACK = ":irc.test CAP * ACK :message-tags account-tag server-time echo-message";

    private final ManualTime time = new ManualTime();
    private final Recorder recorder = new Recorder();

    /** Everything the handler reported. */
    private static final class Recorder implements IrcSessionHandler.Callbacks {
        final List<Registered> registered = new ArrayList<>();
        final List<SaslFailed> saslFailed = new ArrayList<>();
        final List<IrcMessage> events = new ArrayList<>();
        final List<Optional<Failed>> closed = new ArrayList<>();

        @Override
        public void registered(Registered r) {
            registered.add(r);
        }

        @Override
        public void saslFailed(SaslFailed f) {
            saslFailed.add(f);
        }

        @Override
        public void event(IrcMessage m) {
            events.add(m);
        }

        @Override
        public void closed(Failed failure) {
            closed.add(Optional.ofNullable(failure));
        }
    }

    private IrcSessionHandler handler;

    private EmbeddedChannel channel(IrcSessionConfig config) {
        return channel(config, 100);
    }

    private EmbeddedChannel channel(IrcSessionConfig config, int burst) {
        handler = new IrcSessionHandler(config, recorder, time, time,
                new IrcSessionHandler.Settings(Duration.ofSeconds(60), burst, Duration.ofSeconds(1), 10));
        return new EmbeddedChannel(new LineBasedFrameDecoder(IrcMessage.MAX_LINE_BYTES, true, false), new IrcCodec(),
                handler);
    }

    private static void server(EmbeddedChannel ch, String line) {
        ch.writeInbound(Unpooled.copiedBuffer(line + "\r\n", StandardCharsets.UTF_8));
    }

    /** The lines written since the last call. */
    private static List<String> sent(EmbeddedChannel ch) {
        List<String> lines = new ArrayList<>();
        ByteBuf buf;
        while ((buf = ch.readOutbound()) != null) {
            String text = buf.toString(StandardCharsets.UTF_8);
            buf.release();
            for (String line : text.split("\r\n")) {
                if (!line.isEmpty()) {
                    lines.add(line);
                }
            }
        }
        return lines;
    }

    private EmbeddedChannel registered(IrcSessionConfig config, int burst) {
        EmbeddedChannel ch = channel(config, burst);
        server(ch, LS);
        server(ch, ACK);
        server(ch, ":irc.test 001 " + config.nick() + " :Welcome");
        sent(ch);
        assertEquals(1, recorder.registered.size());
        return ch;
    }

    @Test
    void channelActive_sendsRegistrationLines() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));

        assertEquals(List.of("CAP LS 302", "NICK bot", "USER bot 0 * bot"), sent(ch));
        assertFalse(handler.session().isRegistered());
    }

    @Test
    void saslLogin_scripted_registersWithAccount_thenEvents() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("alice").withSasl(SaslPlain.of("alice", "pw")));
        sent(ch);

        server(ch, LS);
        assertEquals(List.of("CAP REQ :message-tags account-tag server-time echo-message sasl"), sent(ch));
        server(ch, ACK + " sasl");
        assertEquals(List.of("AUTHENTICATE PLAIN"), sent(ch));
        server(ch, "AUTHENTICATE :+");
        String payload = Base64.getEncoder().encodeToString("alice\0alice\0pw".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("AUTHENTICATE " + payload), sent(ch));
        server(ch, ":irc.test 900 alice alice!alice@127.0.0.1 alice :You are now logged in as alice");
        server(ch, ":irc.test 903 alice :SASL authentication successful");
        assertEquals(List.of("CAP END"), sent(ch));
        server(ch, ":irc.test 001 alice :Welcome");

        assertEquals(Optional.of("alice"), recorder.registered.get(0).account());
        server(ch, "@account=bob;msgid=m1 :bob!b@h PRIVMSG alice :hi");
        assertEquals(Optional.of("bob"), recorder.events.get(0).account());
        assertTrue(ch.isOpen());
    }

    @Test
    void saslWrongPassword_reportsTypedFailure_quitsAndCloses() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("alice").withSasl(SaslPlain.of("alice", "wrong")));
        server(ch, LS);
        server(ch, ACK + " sasl");
        server(ch, "AUTHENTICATE +");
        sent(ch);

        server(ch, ":irc.test 904 alice :SASL authentication failed");

        assertEquals(SaslFailure.CREDENTIALS_REJECTED, recorder.saslFailed.get(0).reason());
        assertEquals(List.of("QUIT :byob: sasl failed"), sent(ch));
        assertFalse(ch.isOpen());
        assertEquals(IrcFailure.SASL_FAILED, recorder.closed.get(0).orElseThrow().reason());
        assertEquals(List.of(), recorder.registered);
    }

    @Test
    void serverPing_answeredWithPong() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));
        sent(ch);

        server(ch, "PING :irc.test");

        assertEquals(List.of("PONG irc.test"), sent(ch));
    }

    @Test
    void unparseableLine_skipped_connectionGoesOn() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));
        sent(ch);

        server(ch, "@ BROKEN");
        server(ch, ":irc.test 12 x");
        server(ch, "PING :still-here");

        assertEquals(List.of("PONG still-here"), sent(ch));
        assertTrue(ch.isOpen());
    }

    @Test
    void overlongLine_skipped_connectionGoesOn() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));
        sent(ch);

        server(ch, "PING :" + "x".repeat(IrcMessage.MAX_LINE_BYTES + 10));
        server(ch, "PING :after");

        assertEquals(List.of("PONG after"), sent(ch));
        assertTrue(ch.isOpen());
    }

    @Test
    void latin1Line_decoded() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        ch.writeInbound(Unpooled.copiedBuffer(":old!o@h PRIVMSG bot :caf\u00e9\r\n", StandardCharsets.ISO_8859_1));

        assertEquals("caf\u00e9", recorder.events.get(0).trailing().orElseThrow());
    }

    @Test
    void readerIdle_afterRegistration_pings_thenClosesWithoutAnswer() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertEquals(List.of("PING byob-1"), sent(ch));
        server(ch, ":irc.test PONG irc.test byob-1");
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertEquals(List.of("PING byob-2"), sent(ch));
        assertTrue(ch.isOpen(), "answered, so still open");

        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        assertFalse(ch.isOpen());
        assertEquals(IrcFailure.TIMEOUT, recorder.closed.get(0).orElseThrow().reason());
    }

    @Test
    void readerIdle_beforeRegistration_ignored() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));
        sent(ch);

        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);
        ch.pipeline().fireUserEventTriggered(IdleStateEvent.READER_IDLE_STATE_EVENT);

        assertEquals(List.of(), sent(ch));
        assertTrue(ch.isOpen());
    }

    @Test
    void registrationTimeout_closesWithTimeout() {
        EmbeddedChannel ch = channel(IrcSessionConfig.of("bot"));

        time.advance(Duration.ofSeconds(59));
        ch.runPendingTasks();
        assertTrue(ch.isOpen());
        time.advance(Duration.ofSeconds(1));
        ch.runPendingTasks();

        assertFalse(ch.isOpen());
        Failed failed = recorder.closed.get(0).orElseThrow();
        assertEquals(IrcFailure.TIMEOUT, failed.reason());
        assertTrue(failed.detail().contains("60 s"), failed.detail());
    }

    @Test
    void registered_cancelsRegistrationTimeout() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        time.advance(Duration.ofMinutes(5));
        ch.runPendingTasks();

        assertTrue(ch.isOpen());
        assertEquals(List.of(), time.pendingDelays());
    }

    @Test
    void submit_beforeRegistration_fails() {
        channel(IrcSessionConfig.of("bot"));
        CompletableFuture<Void> written = new CompletableFuture<>();

        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "hi"), written));

        assertTrue(written.isCompletedExceptionally());
    }

    @Test
    void submit_afterRegistration_floodControlled_futuresCompleteWhenWritten() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 2);
        List<CompletableFuture<Void>> futures = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            CompletableFuture<Void> written = new CompletableFuture<>();
            futures.add(written);
            handler.submit(new IrcSessionHandler.Outgoing(
                    IrcMessage.of("PRIVMSG", "#a", "line " + i).withTag("+byob.dev/origin", "$ev" + i + ":hs"), written));
        }

        assertEquals(List.of("@+byob.dev/origin=$ev1:hs PRIVMSG #a :line 1", "@+byob.dev/origin=$ev2:hs PRIVMSG #a :line 2"),
                sent(ch));
        assertTrue(futures.get(1).isDone() && !futures.get(2).isDone());

        time.advance(Duration.ofSeconds(1));
        ch.runPendingTasks();
        assertEquals(List.of("@+byob.dev/origin=$ev3:hs PRIVMSG #a :line 3"), sent(ch));
        time.advance(Duration.ofSeconds(1));
        ch.runPendingTasks();
        assertEquals(List.of("@+byob.dev/origin=$ev4:hs PRIVMSG #a :line 4"), sent(ch));
        futures.forEach(f -> assertTrue(f.isDone() && !f.isCompletedExceptionally()));
    }

    @Test
    void submit_aLineWhoseConditionLapsedWhileQueued_isNotWritten_laterLinesStillGo() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 1);
        java.util.concurrent.atomic.AtomicBoolean leaseLive = new java.util.concurrent.atomic.AtomicBoolean(true);
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> queued = new CompletableFuture<>();
        CompletableFuture<Void> unconditional = new CompletableFuture<>();
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "one"), first, leaseLive::get));
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "two"), queued, leaseLive::get));
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "three"), unconditional));
        assertEquals(List.of("PRIVMSG #a one"), sent(ch));

        leaseLive.set(false); // the lease ends while "two" waits for flood control
        time.advance(Duration.ofSeconds(1));
        ch.runPendingTasks();

        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                java.util.concurrent.ExecutionException.class, queued::get);
        assertTrue(e.getCause() instanceof LineWithdrawnException, String.valueOf(e.getCause()));
        assertEquals(List.of("PRIVMSG #a three"), sent(ch), "a withdrawn line is not written; the next one goes");
        assertTrue(unconditional.isDone() && !unconditional.isCompletedExceptionally());
    }

    @Test
    void sessionLines_skipFloodControl() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 1);
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "one"), new CompletableFuture<>()));
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "two"), new CompletableFuture<>()));
        assertEquals(List.of("PRIVMSG #a one"), sent(ch));

        server(ch, "PING :now");

        assertEquals(List.of("PONG now"), sent(ch));
    }

    @Test
    void remoteClose_failsQueuedLines_reportsConnectionLost() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 1);
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Void> queued = new CompletableFuture<>();
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "one"), first));
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "two"), queued));

        ch.close();

        assertTrue(first.isDone() && !first.isCompletedExceptionally());
        assertTrue(queued.isCompletedExceptionally());
        assertEquals(IrcFailure.CONNECTION_LOST, recorder.closed.get(0).orElseThrow().reason());
        assertEquals(List.of(), time.pendingDelays());
    }

    @Test
    void serverError_closesWithClosedByServer() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        server(ch, "ERROR :Closing link: (bot@127.0.0.1) [Killed (oper (bye))]");

        assertFalse(ch.isOpen());
        Failed failed = recorder.closed.get(0).orElseThrow();
        assertEquals(IrcFailure.CLOSED_BY_SERVER, failed.reason());
        assertTrue(failed.detail().contains("Killed"), failed.detail());
        assertEquals("ERROR", recorder.events.get(0).command());
    }

    @Test
    void quit_sendsQuitAndCloses_reportsNoFailure() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        handler.quit("see you");

        assertEquals(List.of("QUIT :see you"), sent(ch));
        assertFalse(ch.isOpen());
        assertEquals(List.of(Optional.empty()), recorder.closed);
    }

    @Test
    void quitWhenDrained_waitsForTheQueuedLines_thenQuits() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 1);
        CompletableFuture<Void> queued = new CompletableFuture<>();
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "one"), new CompletableFuture<>()));
        handler.submit(new IrcSessionHandler.Outgoing(IrcMessage.of("PRIVMSG", "#a", "two"), queued));
        assertEquals(List.of("PRIVMSG #a one"), sent(ch));

        handler.quitWhenDrained("bye");
        assertEquals(List.of(), sent(ch), "the quit waits behind the queued line");
        assertTrue(ch.isOpen());

        time.advance(Duration.ofSeconds(1));
        ch.runPendingTasks();
        assertEquals(List.of("PRIVMSG #a two", "QUIT bye"), sent(ch));
        assertTrue(queued.isDone() && !queued.isCompletedExceptionally());
        assertFalse(ch.isOpen());
        assertEquals(List.of(Optional.empty()), recorder.closed);
    }

    @Test
    void quitWhenDrained_withNothingQueued_quitsAtOnce() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 5);

        handler.quitWhenDrained("bye");

        assertEquals(List.of("QUIT bye"), sent(ch));
        assertFalse(ch.isOpen());
    }

    @Test
    void quit_beforeActive_closesInsteadOfRegistering() {
        handler = new IrcSessionHandler(IrcSessionConfig.of("bot"), recorder, time, time,
                new IrcSessionHandler.Settings(Duration.ofSeconds(60), 5, Duration.ofSeconds(1), 10));
        handler.quit("changed my mind");
        EmbeddedChannel ch = new EmbeddedChannel(new IrcCodec(), handler);

        assertEquals(List.of(), sent(ch));
        assertFalse(ch.isOpen());
        assertEquals(List.of(Optional.empty()), recorder.closed);
    }

    @Test
    void codec_overlongOutgoingLine_failsWrite() {
        EmbeddedChannel ch = registered(IrcSessionConfig.of("bot"), 100);

        assertThrows(EncoderException.class,
                () -> ch.writeOutbound(IrcMessage.of("PRIVMSG", "#a", "x ".repeat(300))));
        assertNull(ch.readOutbound());
    }
}
