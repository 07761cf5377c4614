package dev.byob.hosting.byob;

import static org.mockito.Mockito.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.hosting.bridge.BridgeActions;
import dev.byob.hosting.config.ByobPolicyConfig;
import dev.byob.hosting.config.IrcNetworkConfig;
import dev.byob.hosting.metrics.MetricsRegistry;
import dev.byob.hosting.store.Database;
import dev.byob.hosting.store.DatabaseConfig;
import dev.byob.hosting.store.SqlFillInLog;
import dev.byob.hosting.store.SqlHostingJournal;
import dev.byob.hosting.store.SqlTrustStore;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.irc.IrcMessage;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.UnaryOperator;

/**
 * A coordinator over SQLite stores, a recording transport, a mocked core and a hand-moved clock, with a
 * visiting bridge scripted from the protocol's {@link VisitingHandshake} that talks to it the way the
 * core would relay it: its messages as events in its DM with the bot, alice's Matrix proof as an event in
 * her DM with the bot, her remote proof as a PRIVMSG to the bridge's IRC bot tagged with her account.
 */
final class ByobHarness implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final UserId HB_BOT = UserId.parse("@ircbridge:hb.example");
    static final UserId VB_BOT = UserId.parse("@vb:home.example");
    static final UserId ALICE = UserId.parse("@alice:home.example");
    static final UserId BOB = UserId.parse("@bob:hb.example");
    static final UserId ADMIN = UserId.parse("@root:hb.example");
    static final Network LIBERA = Network.irc("libera");
    static final String IRC_BOT = "HbBot";
    static final RoomId VB_DM = RoomId.parse("!vbdm:home.example");
    static final RoomId ALICE_DM = RoomId.parse("!alicedm:home.example");
    static final RoomId BRIDGED = RoomId.parse("!chan:hb.example");

    /** A clock moved by hand. */
    static final class ManualClock extends Clock {
        Instant now = Instant.parse("2026-03-01T12:00:00Z");

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }
    }

    /** What the coordinator asked of Matrix, in order. */
    static final class RecordingTransport implements ByobTransport {
        record Sent(UserId to, String eventType, ObjectNode content, String txnId) {}

        final List<Sent> toVb = new ArrayList<>();
        final List<String> notices = new ArrayList<>();
        final List<String> replies = new ArrayList<>();
        final List<RoomId> joined = new ArrayList<>();
        final List<RoomId> seenDms = new ArrayList<>();
        CompletableFuture<Optional<UserId>> openId = new CompletableFuture<>();

        @Override
        public void sendToVisitingBridge(UserId vbBot, String eventType, ObjectNode content, String clientTxnId) {
            toVb.add(new Sent(vbBot, eventType, content, clientTxnId));
        }

        @Override
        public void notifyUser(UserId user, String text) {
            notices.add(user + ": " + text);
        }

        @Override
        public void reply(RoomId room, String text) {
            replies.add(text);
        }

        @Override
        public void joinDirect(RoomId room, UserId inviter) {
            joined.add(room);
        }

        @Override
        public void directRoomSeen(RoomId room, UserId peer) {
            seenDms.add(room);
        }

        @Override
        public void directRoomLeft(RoomId room, UserId peer) {
        }

        @Override
        public CompletionStage<Optional<UserId>> checkOpenId(String matrixServerName, String accessToken) {
            return openId;
        }

        List<String> typesToVb() {
            return toVb.stream().map(s -> s.eventType().substring(MessageType.PREFIX.length())).toList();
        }
    }

    final ManualClock clock = new ManualClock();
    final RecordingTransport transport = new RecordingTransport();
    final BridgeActions actions = mock(BridgeActions.class);
    final MetricsRegistry metrics = new MetricsRegistry();
    final Database database;
    final SqlTrustStore store;
    final SqlFillInLog fillIns;
    final SqlHostingJournal journal;
    final ByobCoordinator coordinator;
    private int events;

    ByobHarness(Path dir) {
        this(dir, List.of(ProofMethods.MATRIX_DM));
    }

    ByobHarness(Path dir, List<String> matrixMethods) {
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        database = Database.open(new DatabaseConfig.Sqlite(dir.resolve("hb.sqlite3")));
        store = new SqlTrustStore(database);
        fillIns = new SqlFillInLog(database);
        journal = new SqlHostingJournal(database);
        ByobPolicyConfig byob = new ByobPolicyConfig(matrixMethods, Duration.ofSeconds(90), Duration.ofSeconds(30),
                Duration.ofMinutes(10), 10, 20, Duration.ofHours(1), 64, 4, List.of(ADMIN));
        coordinator = new ByobCoordinator(HB_BOT,
                List.of(new IrcNetworkConfig("libera", "irc.example", 6697, true, IRC_BOT, "<name>[m]", false)),
                byob, store, fillIns, journal, BridgedRoomDirectory.NONE, transport, actions, Runnable::run, clock,
                new Random(7), metrics);
    }

    @Override
    public void close() {
        database.close();
    }

    TrustKey aliceKey() {
        return new TrustKey(HB_BOT, ALICE, LIBERA);
    }

    /** A visiting bridge for alice on libera, as remote account {@code alice}. */
    final class ScriptedVb {
        final VisitingHandshake handshake;
        VisitingState state = VisitingHandshake.initial();
        /** How alice's Matrix proof leaves her account: who sends it (mallory, in a forgery). */
        UserId proofSender = ALICE;
        /** A change to the VB's messages on their way (a forgery). */
        UnaryOperator<ObjectNode> tamper = UnaryOperator.identity();
        /** The account the network reports for the connection sending the remote proof; null: not logged in. */
        String ircAccount = "alice";
        private int read;

        ScriptedVb(List<String> matrixMethods) {
            SigningKey key = SigningKey.generate(KeyId.ed25519("vb1"), new java.security.SecureRandom());
            handshake = new VisitingHandshake(VisitingConfig.of(aliceKey(), new RemoteAccount("alice"), VB_BOT, key,
                    matrixMethods, List.of(ProofMethods.IRC_ACCOUNT_PRIVMSG)), new Random(13));
        }

        ScriptedVb() {
            this(List.of(ProofMethods.MATRIX_DM));
        }

        /** Feeds {@code first} and everything that follows from it, both ways, until both sides are quiet. */
        void run(VisitingInput first) {
            Deque<VisitingInput> inbox = new ArrayDeque<>(List.of(first));
            while (!inbox.isEmpty()) {
                var step = handshake.step(state, inbox.poll(), clock.instant());
                state = step.state();
                for (VisitingOutput out : step.outputs()) {
                    if (out instanceof VisitingOutput.Send send) {
                        roomEvent(VB_DM, VB_BOT, send.type().eventType(), tamper.apply(send.content().deepCopy()), true);
                    } else if (out instanceof VisitingOutput.MakeMatrixProof proof) {
                        if (proof.method().equals(ProofMethods.MATRIX_OPENID)) {
                            inbox.add(new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(proof.method(),
                                    Optional.empty(), Optional.empty(),
                                    Optional.of(new Answer.OpenIdToken("secret-token", ALICE.serverName())))));
                        } else {
                            EventId id = roomEvent(ALICE_DM, proofSender, MessageType.MATRIX_PROOF.eventType(),
                                    proof.content(), true);
                            inbox.add(new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(proof.method(),
                                    Optional.of(id), Optional.of(ALICE_DM), Optional.empty())));
                        }
                    } else if (out instanceof VisitingOutput.MakeRemoteProof proof) {
                        coordinator.onBotPrivateMessage(LIBERA, IrcMessage.parse(
                                "@" + (ircAccount == null ? "" : "account=" + ircAccount + ";") + "msgid=p" + events++
                                        + " :alice!a@host PRIVMSG " + proof.target() + " :" + proof.text()));
                        inbox.add(new VisitingInput.RemoteProofMade());
                    }
                }
                while (read < transport.toVb.size()) {
                    RecordingTransport.Sent sent = transport.toVb.get(read++);
                    inbox.add(new VisitingInput.Received(HB_BOT, sent.eventType(), sent.content()));
                }
            }
        }

        void start() {
            run(new VisitingInput.Start());
        }
    }

    /** An event in {@code room} as the core hands it over; returns its id. */
    EventId roomEvent(RoomId room, UserId sender, String type, JsonNode content, boolean direct) {
        EventId id = EventId.parse("$e" + events++);
        ObjectNode event = JSON.createObjectNode();
        event.put("type", type);
        event.put("sender", sender.value());
        event.put("event_id", id.value());
        event.put("room_id", room.value());
        event.set("content", content);
        coordinator.onRoomEvent(room, event, direct);
        return id;
    }

    /** A text message as the core hands it to the gate. */
    ObjectNode message(String body) {
        ObjectNode event = JSON.createObjectNode();
        event.put("type", "m.room.message");
        event.put("sender", ALICE.value());
        event.put("event_id", "$m" + events++);
        ObjectNode content = event.putObject("content");
        content.put("msgtype", "m.text");
        content.put("body", body);
        return event;
    }

    /** alice (or anyone) typing {@code text} in her DM with the bot. */
    void say(UserId sender, RoomId room, String text) {
        ObjectNode content = JSON.createObjectNode();
        content.put("msgtype", "m.text");
        content.put("body", text);
        roomEvent(room, sender, "m.room.message", content, true);
    }

    /** A channel line from {@code nick} logged in to {@code account} (null: not logged in), with a msgid. */
    IrcMessage line(String nick, String account, String msgid, String text) {
        String tags = "msgid=" + msgid + (account == null ? "" : ";account=" + account);
        return IrcMessage.parse("@" + tags + " :" + nick + "!u@host PRIVMSG #chan :" + text);
    }
}
