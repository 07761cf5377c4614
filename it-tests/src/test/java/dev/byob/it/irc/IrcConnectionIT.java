package dev.byob.it.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.irc.IrcConnection.Disconnected;
import dev.byob.kit.irc.IrcConnectionException;
import dev.byob.it.fixtures.EventLog;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.Names;
import dev.byob.it.harness.RealServers;
import dev.byob.protocol.id.Nonce;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.irc.IrcFailure;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcNumerics;
import dev.byob.protocol.remote.irc.IrcOutput.Registered;
import dev.byob.protocol.remote.irc.IrcOutput.SaslFailed;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslFailure;
import dev.byob.protocol.remote.irc.SaslPlain;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The bridges' IRC transport against the harness's real InspIRCd and Atheme. */
@RealServers
class IrcConnectionIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static EventLoopGroup group;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** What one connection reported. */
    private static final class Recorder implements IrcConnection.Listener {
        final EventLog<IrcMessage> events = new EventLog<>();
        final EventLog<SaslFailed> saslFailures = new EventLog<>();
        final EventLog<Disconnected> disconnections = new EventLog<>();

        @Override
        public void onEvent(IrcMessage message) {
            events.add(message);
        }

        @Override
        public void onSaslFailed(SaslFailed failure) {
            saslFailures.add(failure);
        }

        @Override
        public void onDisconnected(Disconnected disconnected) {
            disconnections.add(disconnected);
        }
    }

    private static IrcConnection connection(IrcNetwork irc, IrcSessionConfig config, Recorder recorder) {
        return IrcConnection.builder(irc.host(), irc.port(), config)
                .eventLoopGroup(group)
                .listener(recorder)
                .build();
    }

    private static Registered register(IrcConnection connection) throws Exception {
        return connection.start().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static void join(IrcConnection connection, Recorder recorder, String channel) throws Exception {
        int from = recorder.events.size();
        connection.send(IrcMessage.of("JOIN", channel)).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        IrcMessage end = recorder.events.await(from, "the end of the member list of " + channel,
                m -> m.is("366") && m.param(1).map(channel::equalsIgnoreCase).orElse(false), WAIT);
        assertEquals("366", end.command());
    }

    @Test
    void saslLogin_succeeds_accountTagProvesTheSenderToAnotherConnection(IrcNetwork irc) throws Exception {
        IrcNetwork.IrcAccount alice = irc.newAccount("alice");
        String botNick = Names.unique("hbbot");
        Recorder bot = new Recorder();
        Recorder user = new Recorder();
        try (IrcConnection botConnection = connection(irc, IrcSessionConfig.of(botNick), bot);
             IrcConnection userConnection = connection(irc, IrcSessionConfig.of(Names.unique("alicem"))
                     .withSasl(SaslPlain.of(alice.name(), alice.password())), user)) {
            Registered botRegistered = register(botConnection);
            assertTrue(botRegistered.capabilities().containsAll(List.of("account-tag", "message-tags")),
                    botRegistered.capabilities().toString());
            Registered userRegistered = register(userConnection);
            assertEquals(Optional.of(alice.name()), userRegistered.account());
            assertEquals(Optional.of(alice.name()), userConnection.session().orElseThrow().account());

            // The visiting side sends the proof; the hosting bot checks the server's account tag.
            IrcAccountProof proof = new IrcAccountProof(botConnection.session().orElseThrow().caseMapping());
            Nonce nonce = Nonce.random(new SecureRandom());
            userConnection.send(IrcMessage.of("PRIVMSG", botRegistered.nick(), proof.proofText(nonce)))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);

            IrcMessage seen = bot.events.await("the proof", m -> m.is("PRIVMSG")
                    && m.trailing().map(t -> t.startsWith(IrcAccountProof.PREFIX)).orElse(false), WAIT);
            assertEquals(Optional.of(userRegistered.nick()), seen.nick());
            assertEquals(Optional.of(alice.name()), seen.account());
            assertEquals(Optional.of(nonce), proof.parseProof(seen.trailing().orElseThrow()));
            assertTrue(proof.sameAccount(new RemoteAccount(alice.name()), seen.account().orElseThrow()));

            // Without the tag, WHOIS says the same (330).
            int from = bot.events.size();
            botConnection.send(IrcMessage.of("WHOIS", userRegistered.nick())).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            IrcMessage whois = bot.events.await(from, "WHOIS account", m -> m.is(IrcNumerics.RPL_WHOISACCOUNT), WAIT);
            assertEquals(alice.name(), IrcNumerics.WhoisAccount.from(whois).orElseThrow().account());
            assertEquals(Optional.of("ByobTest"), botConnection.session().orElseThrow().isupport().network());
        }
    }

    @Test
    void saslLogin_wrongPassword_typedFailure_noReconnect(IrcNetwork irc) throws Exception {
        IrcNetwork.IrcAccount carol = irc.newAccount("carol");
        Recorder recorder = new Recorder();
        try (IrcConnection connection = connection(irc, IrcSessionConfig.of(Names.unique("mallory"))
                .withSasl(SaslPlain.of(carol.name(), "not-" + carol.password())), recorder)) {

            ExecutionException e = assertThrows(ExecutionException.class, () -> register(connection));

            IrcConnectionException failure = (IrcConnectionException) e.getCause();
            assertEquals(IrcFailure.SASL_FAILED, failure.failure());
            SaslFailed sasl = failure.saslFailure().orElseThrow();
            assertEquals(SaslFailure.CREDENTIALS_REJECTED, sasl.reason());
            assertEquals(Optional.of("904"), sasl.numeric());
            assertEquals(carol.name(), sasl.account());
            assertTrue(sasl.describe().contains("the account name or password is wrong"), sasl.describe());
            Disconnected disconnected = recorder.disconnections.await("the disconnection", d -> true, WAIT);
            assertEquals(Optional.of(IrcFailure.SASL_FAILED), disconnected.failure());
            assertEquals(Optional.empty(), disconnected.reconnectIn());
        }
    }

    @Test
    void clientTag_sentWithMessage_reachesAnotherClientAndEchoes(IrcNetwork irc) throws Exception {
        Recorder sender = new Recorder();
        Recorder receiver = new Recorder();
        String channel = "#" + Names.unique("origin");
        try (IrcConnection senderConnection = connection(irc, IrcSessionConfig.of(Names.unique("visitor")), sender);
             IrcConnection receiverConnection = connection(irc, IrcSessionConfig.of(Names.unique("reader")), receiver)) {
            Registered senderRegistered = register(senderConnection);
            Registered receiverRegistered = register(receiverConnection);
            assertTrue(senderRegistered.capabilities().contains("echo-message"), senderRegistered.capabilities().toString());
            assertTrue(receiverRegistered.capabilities().contains("message-tags"), receiverRegistered.capabilities().toString());
            join(senderConnection, sender, channel);
            join(receiverConnection, receiver, channel);

            String text = "relayed " + Names.unique("msg");
            senderConnection.send(IrcMessage.of("PRIVMSG", channel, text).withTag("+byob.dev/origin", "$ev:hs"))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);
            String tricky = "$ev;with space\\and:colon:hs";
            senderConnection.send(IrcMessage.of("PRIVMSG", channel, text + " 2").withTag("+byob.dev/origin", tricky))
                    .get(WAIT.toSeconds(), TimeUnit.SECONDS);

            IrcMessage seen = receiver.events.await("the tagged message",
                    m -> m.is("PRIVMSG") && m.trailing().map(text::equals).orElse(false), WAIT);
            assertEquals(Optional.of("$ev:hs"), seen.tag("+byob.dev/origin"));
            assertEquals(Optional.of(senderRegistered.nick()), seen.nick());
            assertTrue(seen.msgid().isPresent(), seen.toString());
            assertTrue(seen.time().isPresent(), seen.toString());
            IrcMessage second = receiver.events.await("the second tagged message",
                    m -> m.is("PRIVMSG") && m.trailing().map((text + " 2")::equals).orElse(false), WAIT);
            assertEquals(Optional.of(tricky), second.tag("+byob.dev/origin"));

            IrcMessage echo = sender.events.await("the echo", m -> m.is("PRIVMSG")
                    && m.trailing().map(text::equals).orElse(false), WAIT);
            assertEquals(Optional.of("$ev:hs"), echo.tag("+byob.dev/origin"));
            assertEquals(seen.msgid(), echo.msgid());
        }
    }

    @Test
    void nickInUse_secondConnectionTakesTheAlternative(IrcNetwork irc) throws Exception {
        String nick = Names.unique("twin");
        try (IrcConnection first = connection(irc, IrcSessionConfig.of(nick), new Recorder());
             IrcConnection second = connection(irc, IrcSessionConfig.of(nick), new Recorder())) {
            assertEquals(nick, register(first).nick());
            assertEquals(nick + "_", register(second).nick());
        }
    }
}
