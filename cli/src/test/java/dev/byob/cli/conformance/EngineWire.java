package dev.byob.cli.conformance;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.hosting.HostingEngine;
import dev.byob.protocol.hosting.HostingInput;
import dev.byob.protocol.hosting.HostingOutput;
import dev.byob.protocol.hosting.HostingPolicy;
import dev.byob.protocol.hosting.InMemoryFillInLog;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.message.Answer;
import dev.byob.protocol.message.MessageType;
import dev.byob.protocol.message.ProofMethods;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.RemoteProofMethod;
import dev.byob.protocol.trust.InMemoryTrustStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The conformance run's wire to the protocol's own {@link HostingEngine}, in-process and on a virtual clock:
 * what the run sends becomes the engine's inputs as a hosting bridge's transport would make them, and the
 * engine's sends are what the run reads. A reply resent with a used client transaction id is dropped, as a
 * homeserver does. {@link Defect} turns it into a hosting bridge with one deliberate flaw.
 */
final class EngineWire implements HbWire {

    /** A deliberate flaw of the hosting bridge behind this wire. */
    enum Defect {
        NONE,
        /** Takes a sender's nick for its account: the classic mistake §8.2.3 warns about. */
        TRUSTS_NICKS,
        /** Reads a request out of the JSON body of a text message in the DM (§5.5). */
        READS_TEXT,
        /** Takes a message signed with a visiting bridge's key as that bridge's, whoever sent it (§5.5). */
        TRUSTS_THE_KEY_ALONE,
        /** Turns integral floats into integers before validating, as a lenient JSON reader would (§4.1). */
        LENIENT_NUMBERS
    }

    static final UserId HB_BOT = UserId.parse("@hb:hb.example");
    static final UserId USER = UserId.parse("@alice:home.example");
    static final UserId VB_BOT = UserId.parse("@vb:vb.example");
    static final Network NETWORK = Network.irc("irc.example.net");
    static final String ACCOUNT = "alice";
    private static final RoomId DM = RoomId.parse("!dm:hb.example");
    private static final RoomId USER_DM = RoomId.parse("!userdm:home.example");
    private static final RoomId BRIDGED = RoomId.parse("!bridged:hb.example");

    private final HostingEngine engine;
    private final Defect defect;
    private final List<HbMessage> received = new ArrayList<>();
    /** What the engine sent to the user, in the user's DM. */
    private final List<HbMessage> toUser = new ArrayList<>();
    private final Set<String> clientTxnIds = new HashSet<>();
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");
    private int events;

    EngineWire(Defect defect, Duration challengeTtl) {
        this.defect = defect;
        HostingPolicy policy = new HostingPolicy(HB_BOT, Map.of(NETWORK, "hb-bridge"),
                Map.<Network, RemoteProofMethod>of(NETWORK, new IrcAccountProof(IrcAccountProof.CaseMapping.RFC1459)),
                List.of(ProofMethods.MATRIX_DM), challengeTtl, new Accept.LeaseTerms(90_000, 30_000),
                Duration.ofSeconds(10), 64, 4, 100, 100, Duration.ofHours(1));
        this.engine = new HostingEngine(policy, new InMemoryTrustStore(), new InMemoryFillInLog(), new Random(7), now);
    }

    static ConformanceTarget target() {
        return new ConformanceTarget(HB_BOT, USER, VB_BOT, NETWORK, new dev.byob.protocol.id.RemoteAccount(ACCOUNT),
                Duration.ofSeconds(30), Duration.ofSeconds(5), Duration.ofSeconds(90));
    }

    @Override
    public Optional<List<String>> openDms(Duration timeout) {
        return Optional.of(List.of("DM " + DM, "user's DM " + USER_DM));
    }

    @Override
    public String send(String eventType, ObjectNode content) {
        String id = nextEventId();
        if (MessageType.MATRIX_PROOF.eventType().equals(eventType)) {
            feed(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, VB_BOT, Optional.of(DM),
                    Optional.of(EventId.parse(id)), true, false, content));
        } else if (defect == Defect.READS_TEXT && "m.room.message".equals(eventType)) {
            feed(new HostingInput.RoomMessage(DM, true, VB_BOT, MessageType.REQUEST.eventType(),
                    readJson(content.path("body").asText())));
        } else {
            feed(new HostingInput.RoomMessage(DM, true, VB_BOT, eventType, lenient(content)));
        }
        return id;
    }

    @Override
    public UserSend sendAsUser(String eventType, ObjectNode content, Predicate<HbMessage> reply, Duration timeout) {
        String id = nextEventId();
        int from = toUser.size();
        if (defect == Defect.TRUSTS_THE_KEY_ALONE) {
            feed(new HostingInput.RoomMessage(DM, true, VB_BOT, eventType, content));
        } else {
            feed(new HostingInput.RoomMessage(USER_DM, true, USER, eventType, content));
        }
        return new UserSend(id, toUser.subList(from, toUser.size()).stream().filter(reply).findFirst());
    }

    private static JsonNode readJson(String text) {
        try {
            return new ObjectMapper().readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** With {@link Defect#LENIENT_NUMBERS}, a copy of {@code content} with integral floats made integers. */
    private JsonNode lenient(ObjectNode content) {
        if (defect != Defect.LENIENT_NUMBERS) {
            return content;
        }
        ObjectNode copy = content.deepCopy();
        copy.fields().forEachRemaining(f -> {
            if (f.getValue().isFloatingPointNumber() && f.getValue().asDouble() == Math.rint(f.getValue().asDouble())) {
                f.setValue(copy.numberNode(f.getValue().asLong()));
            }
        });
        return copy;
    }

    @Override
    public Optional<String> sendOutsideDm(String eventType, ObjectNode content) {
        String id = nextEventId();
        feed(new HostingInput.RoomMessage(BRIDGED, false, VB_BOT, eventType, content));
        return Optional.of(id);
    }

    @Override
    public String outsideDmUnavailable() {
        return "not used";
    }

    @Override
    public Answer.MatrixEvidence matrixProof(ObjectNode content) {
        String id = nextEventId();
        feed(new HostingInput.MatrixProofSeen(ProofMethods.MATRIX_DM, USER, Optional.of(USER_DM),
                Optional.of(EventId.parse(id)), true, false, content));
        return new Answer.MatrixEvidence(ProofMethods.MATRIX_DM, Optional.of(EventId.parse(id)), Optional.of(USER_DM),
                Optional.empty());
    }

    @Override
    public String remoteProof(RemoteSender who, String target, String text) {
        String nick = who == RemoteSender.OTHER_ACCOUNT ? "mallory" : ACCOUNT;
        Optional<String> account = switch (who) {
            case USER -> Optional.of(ACCOUNT);
            case OTHER_ACCOUNT -> Optional.of("mallory");
            case NOT_LOGGED_IN -> defect == Defect.TRUSTS_NICKS ? Optional.of(nick) : Optional.empty();
        };
        feed(new HostingInput.RemoteMessageSeen(NETWORK, nick, account, text));
        return "nick " + nick + account.map(a -> " (account " + a + ")").orElse(" (no account)");
    }

    @Override
    public boolean hasOtherAccount() {
        return true;
    }

    @Override
    public int mark() {
        return received.size();
    }

    @Override
    public Optional<HbMessage> await(int from, Predicate<HbMessage> wanted, Duration timeout) {
        Instant end = now.plus(timeout);
        while (true) {
            for (int i = from; i < received.size(); i++) {
                if (wanted.test(received.get(i))) {
                    return Optional.of(received.get(i));
                }
            }
            if (!now.isBefore(end)) {
                return Optional.empty();
            }
            Instant next = engine.deadline().filter(d -> d.isBefore(end)).orElse(end);
            now = next.isAfter(now) ? next : now.plusMillis(1);
            feed(new HostingInput.Tick());
        }
    }


    private void feed(HostingInput input) {
        for (HostingOutput out : engine.handle(input, now)) {
            if (out instanceof HostingOutput.Send send && clientTxnIds.add(send.clientTxnId())) {
                boolean user = send.to().equals(USER);
                (user ? toUser : received).add(new HbMessage(nextEventId(), (user ? USER_DM : DM).value(),
                        send.type().eventType(), send.content(), now.toEpochMilli()));
            }
        }
    }

    private String nextEventId() {
        return "$e" + (++events);
    }
}
