package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.hosting.bridge.GhostIds;
import dev.byob.hosting.bridge.IrcNicks;
import dev.byob.hosting.config.BridgeConfig;
import dev.byob.it.fixtures.IrcMessage;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.it.harness.AppserviceRegistration;
import dev.byob.it.harness.Homeserver;
import dev.byob.it.harness.IrcNetwork;
import dev.byob.it.harness.MatrixAccount;
import dev.byob.it.harness.Names;
import dev.byob.protocol.crypto.JsonSigning;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.json.CanonicalJsonException;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * One bridged room and its channel, shared by the tests of a class that run one hosting bridge: the room's owner
 * (also the bridge's admin, with a DM with the bridge bot for {@code trust show}), an IRC observer in the channel,
 * and a {@link Person} per test, so that the tests stay independent while the bridge and the room are set up once.
 */
final class BridgedChannel implements AutoCloseable {
    static final String NETWORK = "test";
    static final Duration WAIT = Duration.ofSeconds(45);

    final Homeserver homeserver;
    final IrcNetwork irc;
    final String bot;
    final UserId hbBot;
    final String botNick;
    final String room;
    final String channel;
    final MatrixUserClient owner;
    /** Sees the channel from IRC. */
    final IrcUserClient bob;
    final Path configFile;
    final BridgeConfig config;
    private String adminDm;

    private BridgedChannel(Homeserver homeserver, IrcNetwork irc, String bot, String botNick, String room,
                           String channel, MatrixUserClient owner, IrcUserClient bob, Path configFile,
                           BridgeConfig config) {
        this.homeserver = homeserver;
        this.irc = irc;
        this.bot = bot;
        this.hbBot = UserId.parse(bot);
        this.botNick = botNick;
        this.room = room;
        this.channel = channel;
        this.owner = owner;
        this.bob = bob;
        this.configFile = configFile;
        this.config = config;
    }

    /**
     * A room and a channel for the bridge of {@code registration}, and its configuration written to
     * {@code configFile}: the room's owner is the bridge's admin, and {@code byobLines} (indented YAML keys) are
     * added to its {@code byob:} section.
     */
    static BridgedChannel create(Homeserver homeserver, IrcNetwork irc, AppserviceRegistration registration,
                                 String botLocalpart, String ghostPrefix, String botNick, Path configFile,
                                 String... byobLines) throws Exception {
        String bot = registration.senderUserId(homeserver.serverName());
        MatrixAccount ownerAccount = homeserver.newUser("owner");
        MatrixUserClient owner = MatrixUserClient.of(ownerAccount);
        String channel = "#" + Names.unique("byob");
        IrcUserClient bob = irc.user(Names.unique("bob")).connect();
        bob.join(channel);
        String room = HostingBridgeAppservices.createBridgedRoom(owner, ownerAccount.userId(), bot, channel);
        List<String> byob = new ArrayList<>(List.of("byob:", "  admins: [\"" + ownerAccount.userId() + "\"]"));
        byob.addAll(List.of(byobLines));
        HostingBridgeAppservices.writeBridgeConfig(configFile, homeserver, registration, botLocalpart, ghostPrefix,
                irc, NETWORK, botNick, room, channel, byob.toArray(String[]::new));
        return new BridgedChannel(homeserver, irc, bot, botNick, room, channel, owner, bob, configFile,
                BridgeConfig.load(configFile));
    }

    /** Waits for the bridge's IRC bot to join the channel (the {@code nth} time, from 1). */
    void awaitBotInChannel(int nth) {
        awaitLines(bob, "the bot joining " + channel + " (" + nth + ")", m -> m.is("JOIN")
                && botNick.equalsIgnoreCase(m.nick()) && channel.equalsIgnoreCase(m.param(0)), nth);
    }

    /**
     * A new person: a Matrix user in the room (so the bridge's puppet for them is in the channel) and a NickServ
     * account with a SASL connection in the channel.
     */
    Person newPerson(String hint) {
        MatrixAccount account = homeserver.newUser(hint);
        IrcNetwork.IrcAccount ircAccount = irc.newAccount(hint);
        MatrixUserClient matrix = MatrixUserClient.of(account);
        IrcUserClient ircClient = irc.user(ircAccount.name()).sasl(ircAccount.name(), ircAccount.password()).connect();
        ircClient.join(channel);
        String puppet = IrcNicks.forUser(config.ircNetworks().get(0), account.localpart());
        matrix.join(room);
        bob.await(puppet + " joining " + channel, m -> m.is("JOIN") && puppet.equalsIgnoreCase(m.nick()), WAIT);
        return new Person(account, matrix, ircAccount, ircClient, puppet,
                GhostIds.userId(config.ghosts(), NETWORK, ircAccount.name(), false));
    }

    /**
     * The bridge still relays {@code p} both ways, as it does for anyone it has no trust for: their Matrix message
     * reaches IRC from their puppet, which never left, and a line of their own IRC account reaches Matrix from its
     * ghost.
     */
    void assertRelayedByTheBridge(Person p) {
        String fromMatrix = "from matrix " + Names.unique("m");
        p.matrix().sendText(room, fromMatrix);
        assertEquals(p.puppet(), bob.awaitPrivmsg(channel, fromMatrix, WAIT).nick(), "relayed by the puppet");
        String fromIrc = "from irc " + Names.unique("m");
        p.irc().privmsg(channel, fromIrc);
        assertEquals(p.ghost(), owner.awaitMessage(room, fromIrc, WAIT).sender(), "relayed by the ghost");
        assertTrue(bob.received().stream().noneMatch(m -> m.is("QUIT") && p.puppet().equalsIgnoreCase(m.nick())),
                p.puppet() + " left IRC: the bridge stepped aside");
    }

    /** The bridge bot's answer to its admin's {@code trust show} for {@code user}: every record, in force or ended. */
    String trustShow(String user) {
        if (adminDm == null) {
            adminDm = ScriptedVisitingBridge.directRoomWith(owner, bot, WAIT);
        }
        return command(owner, adminDm, "trust show " + user, body -> body.contains(user));
    }

    /** Sends {@code command} in {@code dm} with the bridge bot; returns the bot's first notice after it that fits. */
    String command(MatrixUserClient client, String dm, String command, Predicate<String> fits) {
        int from = client.seen().size();
        client.sendText(dm, command);
        return awaitNotice(client, dm, from, fits).body();
    }

    /** The first notice of the bridge bot in {@code dm} from index {@code from} of what {@code client} saw that fits. */
    RoomEvent awaitNotice(MatrixUserClient client, String dm, int from, Predicate<String> fits) {
        Instant end = Instant.now().plus(WAIT);
        while (true) {
            List<RoomEvent> seen = client.seen();
            for (int i = from; i < seen.size(); i++) {
                RoomEvent e = seen.get(i);
                if (dm.equals(e.roomId()) && bot.equals(e.sender()) && "m.room.message".equals(e.type())
                        && "m.notice".equals(e.content().path("msgtype").asText()) && e.body() != null
                        && fits.test(e.body())) {
                    return e;
                }
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("no fitting notice from " + bot + " in " + dm + " within " + WAIT + "; saw "
                        + seen.subList(Math.min(from, seen.size()), seen.size()));
            }
            client.sync(Duration.ofSeconds(1));
        }
    }

    /** A visiting bridge's handshake settings for {@code p}, claiming their IRC account, with its bot and key. */
    VisitingConfig visitingConfig(Person p, String vbBot, SigningKey key) {
        return VisitingConfig.of(new TrustKey(hbBot, UserId.parse(p.account().userId()), Network.irc(NETWORK)),
                new RemoteAccount(p.ircAccount().name()), UserId.parse(vbBot), key,
                List.of(ProofMethods.MATRIX_DM), List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG));
    }

    /** A visiting bridge's own bot account, its DM with the bridge bot (made now) and a fresh signing key. */
    VisitingBot newVisitingBot(String keyName) {
        MatrixAccount account = homeserver.newUser("vbbot");
        MatrixUserClient client = MatrixUserClient.of(account);
        String dm = ScriptedVisitingBridge.directRoomWith(client, bot, WAIT);
        return new VisitingBot(account, client, dm,
                SigningKey.generate(KeyId.ed25519(keyName), new SecureRandom()));
    }

    /**
     * A scripted visiting bridge of {@code vb} for {@code p}: it makes the Matrix proof as {@code p} in
     * {@code userDm} and the IRC proof from {@code proofIrc}.
     */
    ScriptedVisitingBridge visitingBridge(VisitingBot vb, Person p, String userDm, IrcUserClient proofIrc) {
        return new ScriptedVisitingBridge(vb.client(), vb.dm(), hbBot, p.matrix(), userDm, proofIrc,
                visitingConfig(p, vb.userId(), vb.key()));
    }

    /** {@code content} with its signatures replaced by one of {@code entity} with {@code key}. */
    static ObjectNode resigned(ObjectNode content, String entity, SigningKey key) {
        ObjectNode copy = content.deepCopy();
        copy.remove("signatures");
        try {
            return JsonSigning.sign(copy, entity, key);
        } catch (CanonicalJsonException e) {
            throw new AssertionError("a byob message is canonical JSON", e);
        }
    }

    /** The {@code txn_id} of {@code vb}'s first {@code type} message. */
    static String txnOf(ScriptedVisitingBridge vb, MessageType type) {
        List<ObjectNode> sent = vb.sent(type);
        assertTrue(!sent.isEmpty(), "no " + type + " sent: " + vb.outputs());
        return sent.get(0).path("txn_id").asText();
    }

    /** Waits until {@code client} has received {@code count} lines matching {@code predicate}. */
    static void awaitLines(IrcUserClient client, String what, Predicate<IrcMessage> predicate, int count) {
        Instant end = Instant.now().plus(WAIT);
        while (indexOf(client.received(), predicate, count) < 0) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("no " + what + " in " + WAIT + "; received " + client.received());
            }
            sleep(Duration.ofMillis(50));
        }
    }

    /** The index of the {@code nth} line (from 1) matching {@code predicate}, or -1. */
    static int indexOf(List<IrcMessage> lines, Predicate<IrcMessage> predicate, int nth) {
        int seen = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (predicate.test(lines.get(i)) && ++seen == nth) {
                return i;
            }
        }
        return -1;
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        owner.close();
        bob.close();
    }

    /**
     * A visiting bridge's bot.
     *
     * @param account its Matrix account
     * @param client its client
     * @param dm its DM with the bridge bot, which the bot has joined
     * @param key the visiting bridge's signing key
     */
    record VisitingBot(MatrixAccount account, MatrixUserClient client, String dm, SigningKey key)
            implements AutoCloseable {
        String userId() {
            return account.userId();
        }

        @Override
        public void close() {
            client.close();
        }
    }

    /**
     * Someone in the bridged room, on both sides.
     *
     * @param account their Matrix account
     * @param matrix their Matrix client, joined to the room
     * @param ircAccount their NickServ account
     * @param irc their own IRC connection, logged in to {@code ircAccount} and in the channel
     * @param puppet the nick of the bridge's puppet for their Matrix account
     * @param ghost the bridge's ghost on Matrix for their IRC nick
     */
    record Person(MatrixAccount account, MatrixUserClient matrix, IrcNetwork.IrcAccount ircAccount, IrcUserClient irc,
                  String puppet, String ghost) implements AutoCloseable {
        String userId() {
            return account.userId();
        }

        @Override
        public void close() {
            matrix.close();
            irc.close();
        }
    }
}
