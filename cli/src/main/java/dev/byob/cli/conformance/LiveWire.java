package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcOutput;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.remote.irc.SaslPlain;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The conformance run's {@link HbWire} on a real homeserver and IRC network: the visiting bridge's bot and the
 * user are {@link MatrixClient}s; each remote proof is a short {@link IrcConnection} of its own (connect, log in,
 * send the line, quit), so no connection outlives the proof it made. {@link #close} leaves every room it created
 * or joined.
 */
public final class LiveWire implements HbWire, AutoCloseable {

    /** An IRC server and how to reach it. */
    public record IrcServer(String host, int port, boolean tls) {
        /** Checks the host and port. */
        public IrcServer {
            Objects.requireNonNull(host, "host");
            if (host.isBlank() || port < 1 || port > 65535) {
                throw new IllegalArgumentException("not a host and port: " + host + ":" + port);
            }
        }
    }

    /** A services account and its password, for SASL PLAIN. */
    public record IrcLogin(String account, String password) {
        /** Checks for emptiness. */
        public IrcLogin {
            SaslPlain.of(account, password);
        }

        @Override
        public String toString() {
            return "IrcLogin[" + account + ", password hidden]";
        }
    }

    private static final Duration IRC_TIMEOUT = Duration.ofSeconds(30);

    private final MatrixClient vb;
    private final MatrixClient user;
    private final UserId hbBot;
    private final Optional<RoomId> bridgedRoom;
    private final IrcServer irc;
    private final IrcLogin userLogin;
    private final String userNick;
    private final Optional<IrcLogin> otherLogin;
    private final List<RoomId> created = new ArrayList<>();
    private HbInbox inbox;
    /** What the bot says in the user's DM, read as the user; opened on first use. */
    private HbInbox userInbox;
    private RoomId dm;
    private RoomId userDm;
    private boolean joinedBridgedRoom;
    private String outsideUnavailable = "no bridged room given (--room), so there is no room outside the DM to use";

    /**
     * A wire for the visiting bridge's bot {@code vb} and the user {@code user} (clients with their own tokens),
     * talking to {@code hbBot}; {@code bridgedRoom}, if given, is used for the request outside the DM.
     */
    public LiveWire(MatrixClient vb, MatrixClient user, UserId hbBot, Optional<RoomId> bridgedRoom, IrcServer irc,
                    IrcLogin userLogin, String userNick, Optional<IrcLogin> otherLogin) {
        this.vb = Objects.requireNonNull(vb, "vb");
        this.user = Objects.requireNonNull(user, "user");
        this.hbBot = Objects.requireNonNull(hbBot, "hbBot");
        this.bridgedRoom = Objects.requireNonNull(bridgedRoom, "bridgedRoom");
        this.irc = Objects.requireNonNull(irc, "irc");
        this.userLogin = Objects.requireNonNull(userLogin, "userLogin");
        this.userNick = Objects.requireNonNull(userNick, "userNick");
        this.otherLogin = Objects.requireNonNull(otherLogin, "otherLogin");
    }

    @Override
    public Optional<List<String>> openDms(Duration timeout) {
        HbInbox messages = inbox();
        Instant end = Instant.now().plus(timeout);
        HbInbox.DirectRoom vbDm = HbInbox.openDm(vb, hbBot, timeout);
        dm = vbDm.room();
        created.add(dm);
        messages.watch(dm);
        Duration left = Duration.between(Instant.now(), end);
        HbInbox.DirectRoom userDirect = HbInbox.openDm(user, hbBot, left.isNegative() ? Duration.ZERO : left);
        userDm = userDirect.room();
        created.add(userDm);
        if (!vbDm.botJoined() || !userDirect.botJoined()) {
            return Optional.empty();
        }
        return Optional.of(List.of("DM " + dm + " (visiting bridge's bot with " + hbBot + ")",
                "user's DM " + userDm + " (for dm proofs)"));
    }

    /** What the hosting bridge's bot says in the DM and the bridged room, read as the visiting bridge's bot. */
    private HbInbox inbox() {
        if (inbox == null) {
            inbox = new HbInbox(vb, hbBot);
            bridgedRoom.ifPresent(inbox::watch);
        }
        return inbox;
    }

    @Override
    public String send(String eventType, ObjectNode content) {
        return sendRefusable(vb, dm, eventType, content);
    }

    @Override
    public UserSend sendAsUser(String eventType, ObjectNode content, Predicate<HbMessage> reply, Duration timeout) {
        if (userInbox == null) {
            userInbox = new HbInbox(user, hbBot);
            userInbox.watch(userDm);
        }
        int from = userInbox.mark();
        String id = sendRefusable(user, userDm, eventType, content);
        return new UserSend(id, userInbox.await(from, reply, timeout));
    }

    /** Sends an event; a homeserver that refuses the event itself (HTTP 400 or 413) is {@link EventRefused}. */
    private static String sendRefusable(MatrixClient client, RoomId room, String eventType, ObjectNode content) {
        try {
            return client.sendMessageEvent(room, eventType, content).value();
        } catch (MatrixException e) {
            if (e.status() == 400 || e.status() == 413) {
                throw new EventRefused(e.rawErrcode() + ": " + e.error(), e);
            }
            throw e;
        }
    }

    @Override
    public Optional<String> sendOutsideDm(String eventType, ObjectNode content) {
        if (bridgedRoom.isEmpty()) {
            return Optional.empty();
        }
        RoomId room = bridgedRoom.get();
        if (!joinedBridgedRoom && !isMember(vb, room)) {
            try {
                vb.join(room);
                joinedBridgedRoom = true;
            } catch (MatrixException e) {
                outsideUnavailable = "the visiting bridge's bot cannot join " + room + ": " + e.errcode() + " "
                        + e.error();
                return Optional.empty();
            }
        }
        return Optional.of(vb.sendMessageEvent(room, eventType, content).value());
    }

    @Override
    public String outsideDmUnavailable() {
        return outsideUnavailable;
    }

    @Override
    public Answer.MatrixEvidence matrixProof(ObjectNode content) {
        EventId id = user.sendMessageEvent(userDm, MessageType.MATRIX_PROOF.eventType(), content);
        return new Answer.MatrixEvidence(ProofMethods.MATRIX_DM, Optional.of(id), Optional.of(userDm),
                Optional.empty());
    }

    @Override
    public String remoteProof(RemoteSender who, String target, String text) {
        IrcSessionConfig config = switch (who) {
            case USER -> IrcSessionConfig.of(userNick)
                    .withSasl(SaslPlain.of(userLogin.account(), userLogin.password()));
            // The claimed account's name as nick: a nick proves nothing (§8.2.3), and this checks the bridge knows.
            case NOT_LOGGED_IN -> IrcSessionConfig.of(nickFor(userLogin.account()))
                    .withAlternativeNicks(List.of(nickFor(userLogin.account()) + "_"));
            case OTHER_ACCOUNT -> {
                IrcLogin other = otherLogin.orElseThrow(() -> new IllegalStateException("no other account"));
                yield IrcSessionConfig.of(nickFor(other.account())).withSasl(SaslPlain.of(other.account(),
                        other.password()));
            }
        };
        // The server handles a client's lines in order: its PONG to a PING sent after the proof means the proof was
        // processed. Quitting before that could lose the line (a reset connection discards what the server has not
        // read yet).
        String token = "byob-conformance-" + Long.toHexString(System.nanoTime());
        CompletableFuture<Void> processed = new CompletableFuture<>();
        IrcConnection.Builder builder = IrcConnection.builder(irc.host(), irc.port(), config).reconnect(false)
                .listener(new IrcConnection.Listener() {
                    @Override
                    public void onEvent(IrcMessage m) {
                        if (m.is("PONG") && m.params().contains(token)) {
                            processed.complete(null);
                        }
                    }
                });
        if (irc.tls()) {
            builder.tls();
        }
        try (IrcConnection connection = builder.build()) {
            IrcOutput.Registered registered = connection.start().get(IRC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            connection.send(IrcMessage.of("PRIVMSG", target, text)).get(IRC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            connection.send(IrcMessage.of("PING", token));
            processed.get(IRC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            connection.closeAsync("byob conformance").get(IRC_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return "nick " + registered.nick() + registered.account().map(a -> " (logged in to account " + a + ")")
                    .orElse(" (logged in to no account)");
        } catch (ExecutionException e) {
            throw new WireException("IRC " + irc.host() + ":" + irc.port() + " as " + config.nick() + ": "
                    + (e.getCause() == null ? e.getMessage() : e.getCause().getMessage()), e);
        } catch (TimeoutException e) {
            throw new WireException("IRC " + irc.host() + ":" + irc.port() + ": no registration, send or PONG within "
                    + ConformanceRun.secs(IRC_TIMEOUT), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireException("interrupted", e);
        }
    }

    @Override
    public boolean hasOtherAccount() {
        return otherLogin.isPresent();
    }

    @Override
    public int mark() {
        return inbox().mark();
    }

    @Override
    public Optional<HbMessage> await(int from, Predicate<HbMessage> wanted, Duration timeout) {
        return inbox().await(from, wanted, timeout);
    }

    /** Leaves every room this wire created or joined. */
    @Override
    public void close() {
        for (RoomId room : created) {
            MatrixClient who = room.equals(userDm) ? user : vb;
            try {
                who.leave(room);
            } catch (RuntimeException e) {
                // Best effort: the run's outcome does not depend on it.
            }
        }
        if (joinedBridgedRoom) {
            try {
                vb.leave(bridgedRoom.get());
            } catch (RuntimeException e) {
                // Best effort.
            }
        }
    }

    /** Whether {@code client}'s own user is joined to {@code room}; false when it may not even look. */
    private static boolean isMember(MatrixClient client, RoomId room) {
        try {
            return client.joinedMembers(room).containsKey(client.whoami().userId());
        } catch (MatrixException e) {
            return false;
        }
    }

    /** A nick for an account name: the name itself where it is a plain nick, else a sanitised one. */
    private static String nickFor(String account) {
        String nick = account.replaceAll("[^A-Za-z0-9_\\-\\[\\]\\\\^{}|`]", "");
        if (nick.isEmpty() || Character.isDigit(nick.charAt(0)) || nick.charAt(0) == '-') {
            nick = "b" + nick;
        }
        return nick.length() > 30 ? nick.substring(0, 30) : nick;
    }
}
