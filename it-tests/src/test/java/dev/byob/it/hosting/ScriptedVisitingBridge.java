package dev.byob.it.hosting;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.it.fixtures.IrcUserClient;
import dev.byob.it.fixtures.MatrixUserClient;
import dev.byob.it.fixtures.RoomEvent;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.visiting.VisitingConfig;
import dev.byob.protocol.visiting.VisitingHandshake;
import dev.byob.protocol.visiting.VisitingInput;
import dev.byob.protocol.visiting.VisitingOutput;
import dev.byob.protocol.visiting.VisitingState;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A visiting bridge for one user, for the hosting bridge's integration tests: the protocol's
 * {@link VisitingHandshake}, with its sends (the visiting bridge's DM with the bridge bot) and proofs (an
 * {@code org.matrix.msc3647.matrix_proof} event in the user's DM with the bot, a PRIVMSG to the bridge's IRC bot
 * from the user's own IRC connection) done for real. It is driven from the test thread ({@link #awaitState}) or,
 * to keep heartbeating while the test waits for other things, from a thread of its own
 * ({@link #heartbeatInBackground}) until it {@linkplain #goDown() goes down}.
 *
 * <p>To play a faulty or hostile visiting bridge it can {@linkplain #hold hold} outputs back (a message or proof
 * delayed in transit) and {@linkplain #release() release} them later, {@linkplain #rewrite rewrite} a message
 * before it is sent (e.g. signed with another key), {@linkplain #rewriteRemoteProof rewrite} the IRC proof line,
 * and {@linkplain #sendIn send} any content as its bot in any room.
 */
final class ScriptedVisitingBridge {
    private final MatrixUserClient vb;
    private final String dm;
    private final UserId hbBot;
    private final MatrixUserClient user;
    private final String userDm;
    private final IrcUserClient userIrc;
    private final VisitingHandshake handshake;
    private VisitingState state = VisitingHandshake.initial();
    private final List<VisitingOutput> outputs = new ArrayList<>();
    private final List<RoomEvent> received = new ArrayList<>();
    private final List<VisitingOutput> held = new ArrayList<>();
    private final Map<MessageType, UnaryOperator<ObjectNode>> rewrites = new EnumMap<>(MessageType.class);
    private Predicate<VisitingOutput> hold = out -> false;
    private UnaryOperator<String> remoteProofText = UnaryOperator.identity();
    private int read;
    private volatile Thread background;
    private volatile boolean running;

    ScriptedVisitingBridge(MatrixUserClient vb, String dm, UserId hbBot, MatrixUserClient user, String userDm,
                           IrcUserClient userIrc, VisitingConfig config) {
        this.vb = vb;
        this.dm = dm;
        this.hbBot = hbBot;
        this.user = user;
        this.userDm = userDm;
        this.userIrc = userIrc;
        this.handshake = new VisitingHandshake(config, new SecureRandom());
    }

    /** Creates a DM of {@code client} with {@code bot} ({@code is_direct}, an invite) and waits for the bot in it. */
    static String directRoomWith(MatrixUserClient client, String bot, Duration timeout) {
        String room = client.createRoom(Map.of("is_direct", true, "preset", "trusted_private_chat",
                "invite", List.of(bot)));
        client.awaitEvent(bot + " joining the DM", e -> room.equals(e.roomId()) && "m.room.member".equals(e.type())
                && bot.equals(e.stateKey()) && "join".equals(e.content().path("membership").asText()), timeout);
        return room;
    }

    synchronized VisitingState state() {
        return state;
    }

    synchronized List<String> receivedTypes() {
        return received.stream().map(RoomEvent::type).toList();
    }

    synchronized List<VisitingOutput> outputs() {
        return List.copyOf(outputs);
    }

    /** The contents of the {@code type} messages the state machine sent (as it made them, before any rewrite), in order. */
    synchronized List<ObjectNode> sent(MessageType type) {
        List<ObjectNode> out = new ArrayList<>();
        for (VisitingOutput o : outputs) {
            if (o instanceof VisitingOutput.Send s && s.type() == type) {
                out.add(s.content());
            }
        }
        return out;
    }

    /** The bridge bot's byob events in the DM, in order, as read so far (also those the state machine ignored). */
    synchronized List<RoomEvent> received() {
        return List.copyOf(received);
    }

    /** The first {@code type} message of {@code txnId} from the bridge bot in the DM, reading the DM until it comes. */
    RoomEvent awaitReceived(MessageType type, String txnId, Duration timeout) {
        return awaitReceived(type.suffix() + " " + txnId, 0, e -> type.eventType().equals(e.type())
                && txnId.equals(e.content().path("txn_id").asText()), timeout);
    }

    /** The first event from index {@code from} on of {@link #received()} matching {@code wanted}, reading the DM until it comes. */
    RoomEvent awaitReceived(String what, int from, Predicate<RoomEvent> wanted, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (true) {
            List<RoomEvent> now = received();
            for (int i = from; i < now.size(); i++) {
                if (wanted.test(now.get(i))) {
                    return now.get(i);
                }
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("the visiting bridge did not receive " + what + " in " + timeout + "; state "
                        + state() + ", received " + now);
            }
            step();
        }
    }

    /** From now on, outputs matching {@code predicate} are held back (not carried out) until {@link #release()}. */
    synchronized ScriptedVisitingBridge hold(Predicate<VisitingOutput> predicate) {
        this.hold = predicate;
        return this;
    }

    /** Carries out the outputs held back so far, in order, and what they lead to; holds nothing from now on. */
    synchronized void release() {
        hold = out -> false;
        List<VisitingOutput> due = List.copyOf(held);
        held.clear();
        Deque<VisitingInput> inbox = new ArrayDeque<>();
        for (VisitingOutput out : due) {
            carryOut(out, inbox);
        }
        run(inbox);
    }

    /** The content of every {@code type} message is passed through {@code rewrite} before it is sent. */
    synchronized ScriptedVisitingBridge rewrite(MessageType type, UnaryOperator<ObjectNode> rewrite) {
        rewrites.put(type, rewrite);
        return this;
    }

    /** The IRC proof line's text is passed through {@code rewrite} before it is sent. */
    synchronized ScriptedVisitingBridge rewriteRemoteProof(UnaryOperator<String> rewrite) {
        remoteProofText = rewrite;
        return this;
    }

    /** Sends {@code content} as a {@code type} message from the visiting bridge's bot in {@code room}; the event id. */
    String sendIn(String room, MessageType type, ObjectNode content) {
        return vb.sendEvent(room, type.eventType(), content);
    }

    /** Sends {@code content} as a {@code type} message in the DM with the bridge bot, outside the state machine. */
    String send(MessageType type, ObjectNode content) {
        return sendIn(dm, type, content);
    }

    /** Feeds {@code first} and whatever it leads to (the proofs it asks for), carrying out the outputs. */
    synchronized void feed(VisitingInput first) {
        run(new ArrayDeque<>(List.of(first)));
    }

    private void run(Deque<VisitingInput> inbox) {
        while (!inbox.isEmpty()) {
            var step = handshake.step(state, inbox.poll(), Instant.now());
            state = step.state();
            for (VisitingOutput out : step.outputs()) {
                outputs.add(out);
                if (hold.test(out)) {
                    held.add(out);
                } else {
                    carryOut(out, inbox);
                }
            }
        }
    }

    private void carryOut(VisitingOutput out, Deque<VisitingInput> inbox) {
        if (out instanceof VisitingOutput.Send send) {
            ObjectNode content = rewrites.getOrDefault(send.type(), UnaryOperator.identity()).apply(send.content());
            vb.sendEvent(dm, send.type().eventType(), content);
        } else if (out instanceof VisitingOutput.MakeMatrixProof proof) {
            assertEquals(ProofMethods.MATRIX_DM, proof.method());
            String id = user.sendEvent(userDm, MessageType.MATRIX_PROOF.eventType(), proof.content());
            inbox.add(new VisitingInput.MatrixProofMade(new Answer.MatrixEvidence(proof.method(),
                    Optional.of(EventId.parse(id)), Optional.of(RoomId.parse(userDm)), Optional.empty())));
        } else if (out instanceof VisitingOutput.MakeRemoteProof proof) {
            userIrc.privmsg(proof.target(), remoteProofText.apply(proof.text()));
            inbox.add(new VisitingInput.RemoteProofMade());
        }
    }

    /** One short /sync: feeds the hosting bridge's new messages in the DM, and the time. */
    synchronized void pump() {
        vb.sync(Duration.ofMillis(300));
        List<RoomEvent> seen = vb.seen();
        while (read < seen.size()) {
            RoomEvent e = seen.get(read++);
            if (dm.equals(e.roomId()) && hbBot.value().equals(e.sender()) && e.type() != null
                    && e.type().startsWith(MessageType.PREFIX)) {
                received.add(e);
                JsonNode ts = e.json().get("origin_server_ts");
                feed(new VisitingInput.Received(hbBot, e.type(), e.content(),
                        ts == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(ts.asLong()))));
            }
        }
        Optional<Instant> deadline = handshake.deadline(state);
        if (deadline.isPresent() && !deadline.get().isAfter(Instant.now())) {
            feed(new VisitingInput.Tick());
        }
    }

    /** Drives the bridge (or, while it runs in the background, watches it) until its state is {@code wanted}. */
    void awaitState(String what, Predicate<VisitingState> wanted, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (!wanted.test(state())) {
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("the visiting bridge did not reach " + what + " in " + timeout
                        + "; state " + state() + ", received " + receivedTypes() + ", outputs " + outputs());
            }
            step();
        }
    }

    /** Drives the bridge (or watches it) until an output from index {@code from} on is {@code wanted}; returns it. */
    VisitingOutput awaitOutput(String what, int from, Predicate<VisitingOutput> wanted, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        while (true) {
            List<VisitingOutput> now = outputs();
            for (int i = from; i < now.size(); i++) {
                if (wanted.test(now.get(i))) {
                    return now.get(i);
                }
            }
            if (Instant.now().isAfter(end)) {
                throw new AssertionError("the visiting bridge did not see " + what + " in " + timeout + "; state "
                        + state() + ", outputs " + now);
            }
            step();
        }
    }

    private void step() {
        if (running) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        } else {
            pump();
        }
    }

    /** Keeps reading the DM and heartbeating on a thread of its own, until {@link #goDown()}. */
    void heartbeatInBackground() {
        if (running) {
            return;
        }
        running = true;
        Thread t = new Thread(() -> {
            while (running) {
                pump();
            }
        }, "scripted-visiting-bridge");
        t.setDaemon(true);
        background = t;
        t.start();
    }

    /** The visiting bridge stops: no more heartbeats, nothing read. */
    void goDown() throws InterruptedException {
        running = false;
        Thread t = background;
        if (t != null) {
            t.join(Duration.ofSeconds(10).toMillis());
            background = null;
        }
    }

    /**
     * The visiting bridge restarts from its receipt (§12.8, case 4): lapsed until the first lease reply, with a
     * heartbeat carrying {@code fillAck} due at once, and heartbeats in the background again. Returns the index
     * of its next output.
     */
    int comeBack(long fillAck) {
        int from;
        synchronized (this) {
            VisitingState.Trusted trusted = (VisitingState.Trusted) state;
            state = VisitingHandshake.resume(trusted.receipt(), fillAck, Instant.now());
            from = outputs.size();
        }
        heartbeatInBackground();
        return from;
    }

    /** When the visiting bridge's lease ends by its own clock (trusted only). */
    synchronized Instant leaseUntil() {
        return ((VisitingState.Trusted) state).leaseUntil();
    }

    /** Whether the visiting bridge may start a relay now: trusted, and its lease not lapsed. */
    synchronized boolean leaseLive() {
        return state instanceof VisitingState.Trusted t && !t.lapsed() && Instant.now().isBefore(t.leaseUntil());
    }

    /** Stops the background thread if it runs. */
    void close() throws InterruptedException {
        goDown();
    }
}
