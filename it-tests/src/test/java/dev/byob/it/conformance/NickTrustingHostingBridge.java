package dev.byob.it.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.irc.IrcConnection;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.SyncRequest;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.RemoteProofMethod;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.remote.irc.IrcSessionConfig;
import dev.byob.protocol.trust.InMemoryTrustStore;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * A TEST DOUBLE with ONE DELIBERATE DEFECT, for checking that {@code byob conformance} catches a broken hosting
 * bridge: the protocol's {@link HostingEngine} behind a plain Matrix account (its bot; DMs joined on invite, read
 * with /sync) and an IRC bot (bridge-kit's {@link IrcConnection}), bridging nothing. The defect: it takes the
 * sender's nick for the sender's services account when it feeds a proof line to the engine, so anyone who uses
 * the user's account name as a nick passes the IRC proof — the mistake §8.2.3 warns about ("a nick proves
 * nothing"). Everything else is the reference engine's behaviour. Never use it for anything but that check.
 */
final class NickTrustingHostingBridge implements AutoCloseable {
    private record Line(String nick, String text) {}

    private final MatrixClient bot;
    private final UserId botId;
    private final Network network;
    private final IrcConnection irc;
    private final HostingEngine engine;
    private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();
    private final Map<UserId, RoomId> dms = new HashMap<>();
    private final Thread loop;
    private volatile boolean running = true;
    private String since;

    /** Starts it: {@code botToken} is the bot account's, {@code botNick} its IRC bot's nick on {@code ircHost}. */
    NickTrustingHostingBridge(URI homeserver, String botToken, Network network, String ircHost, int ircPort,
                              String botNick) throws Exception {
        this.bot = MatrixClient.builder(homeserver, botToken).build();
        this.botId = bot.whoami().userId();
        this.network = network;
        this.irc = IrcConnection.builder(ircHost, ircPort, IrcSessionConfig.of(botNick)).reconnect(false)
                .listener(new IrcConnection.Listener() {
                    @Override
                    public void onEvent(IrcMessage m) {
                        if ("PRIVMSG".equals(m.command()) && m.params().size() == 2 && m.source().isPresent()
                                && !m.params().get(0).startsWith("#")) {
                            lines.add(new Line(m.source().get().name(), m.params().get(1)));
                        }
                    }
                }).build();
        irc.start().get(30, TimeUnit.SECONDS);
        HostingPolicy policy = HostingPolicy.defaults(botId, Map.of(network, botNick),
                Map.<Network, RemoteProofMethod>of(network, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)),
                List.of(ProofMethods.MATRIX_DM));
        this.engine = new HostingEngine(policy, new InMemoryTrustStore(), new InMemoryFillInLog(), new SecureRandom(),
                Instant.now());
        this.since = bot.sync(SyncRequest.initial().withTimeout(Duration.ZERO)).path("next_batch").asText(null);
        this.loop = new Thread(this::run, "nick-trusting-hosting-bridge");
        loop.setDaemon(true);
        loop.start();
    }

    /** Its bot's user id. */
    UserId botId() {
        return botId;
    }

    private void run() {
        while (running) {
            try {
                JsonNode sync = bot.sync(SyncRequest.initial().since(since).withTimeout(Duration.ofMillis(300)));
                since = sync.path("next_batch").asText(since);
                for (var it = sync.path("rooms").path("invite").fields(); it.hasNext(); ) {
                    var invite = it.next();
                    RoomId room = RoomId.parse(invite.getKey());
                    bot.join(room);
                    for (JsonNode e : invite.getValue().path("invite_state").path("events")) {
                        if ("m.room.member".equals(e.path("type").asText())
                                && botId.value().equals(e.path("state_key").asText())) {
                            dms.put(UserId.parse(e.path("sender").asText()), room);
                        }
                    }
                }
                for (var it = sync.path("rooms").path("join").fields(); it.hasNext(); ) {
                    var joined = it.next();
                    for (JsonNode e : joined.getValue().path("timeline").path("events")) {
                        roomEvent(RoomId.parse(joined.getKey()), e);
                    }
                }
                for (Line line; (line = lines.poll()) != null; ) {
                    // THE DEFECT: the nick is taken for the account. A conforming bridge passes the line's account
                    // tag (or WHOIS 330), and nothing when the sender is not logged in.
                    handle(new HostingInput.RemoteMessageSeen(network, line.nick(), Optional.of(line.nick()),
                            line.text()));
                }
                if (engine.deadline().map(d -> !d.isAfter(Instant.now())).orElse(false)) {
                    handle(new HostingInput.Tick());
                }
            } catch (RuntimeException e) {
                if (running) {
                    System.err.println("nick-trusting hosting bridge: " + e);
                }
            }
        }
    }

    private void roomEvent(RoomId room, JsonNode e) {
        String type = e.path("type").asText("");
        if (!type.startsWith(MessageType.PREFIX) || !e.path("content").isObject()
                || botId.value().equals(e.path("sender").asText())) {
            return;
        }
        UserId sender = UserId.parse(e.path("sender").asText());
        boolean direct = bot.joinedMembers(room).keySet().equals(Set.of(botId, sender));
        if (MessageType.MATRIX_PROOF.eventType().equals(type)) {
            handle(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, sender, Optional.of(room),
                    Optional.of(EventId.parse(e.path("event_id").asText())), direct, false, e.path("content")));
        } else {
            handle(new HostingInput.RoomMessage(room, direct, sender, type, e.path("content")));
        }
    }

    private void handle(HostingInput input) {
        for (HostingOutput out : engine.handle(input, Instant.now())) {
            if (out instanceof HostingOutput.Send send && dms.containsKey(send.to())) {
                ObjectNode content = send.content();
                bot.sendMessageEvent(dms.get(send.to()), send.type().eventType(), content, send.clientTxnId());
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        loop.join(Duration.ofSeconds(10).toMillis());
        irc.close();
        bot.close();
    }
}
