package dev.byob.visiting.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.protocol.discovery.CanonicalDm;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.visiting.store.StateStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The decisions of §3.2 and §3.3 for the bridge's DMs with hosting bridge bots, on a recording homeserver. */
class PairDmsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final UserId VB = UserId.parse("@vbbot:home.example");
    private static final UserId HB = UserId.parse("@hb:hosting.example");
    private static final UserId STRANGER = UserId.parse("@stranger:evil.example");
    private static final RoomId A = RoomId.parse("!a:home.example");
    private static final RoomId B = RoomId.parse("!b:hosting.example");
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final DmTimings TIMINGS = DmTimings.DEFAULT;

    @TempDir
    Path dir;

    private StateStore store;
    private final FakeMatrix matrix = new FakeMatrix();
    private final ManualTime time = new ManualTime();
    private final List<String> heard = new ArrayList<>();
    private final List<String> ran = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        store = StateStore.open(dir);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private PairDms dms() {
        return new PairDms("bot", VB, StateStore.DmOwner.PAIR, true, matrix, store, TIMINGS, time.clock(), time,
                u -> u.equals(HB), new PairDms.Listener() {
                    @Override
                    public void moved(UserId peer) {
                        heard.add("moved " + peer.value());
                    }

                    @Override
                    public void retryDue(UserId peer) {
                        heard.add("retry " + peer.value());
                    }
                });
    }

    private static JsonNode member(UserId who, String membership) throws Exception {
        return JSON.readTree("{\"type\": \"m.room.member\", \"state_key\": \"" + who.value()
                + "\", \"sender\": \"" + who.value() + "\", \"content\": {\"membership\": \"" + membership + "\"}}");
    }

    private PairDms.RoomAction action(String name) {
        return room -> ran.add(name + " in " + room.value());
    }

    @Test
    void withDm_createsTheDmOnce_andActionsWaitUntilTheBotJoins() throws Exception {
        PairDms dms = dms();
        matrix.created.add(A);
        dms.withDm(HB, action("request"));
        dms.withDm(HB, action("resend"));
        assertEquals(List.of("create " + HB.value(), "direct +" + A.value()), matrix.calls);
        assertTrue(ran.isEmpty(), "the bot has not joined yet");
        assertFalse(store.dmRecords(StateStore.DmOwner.PAIR).get(HB).peerJoined());

        dms.membership(A, member(HB, "join"));
        assertEquals(List.of("request in " + A.value(), "resend in " + A.value()), ran);
        assertTrue(store.dmRecords(StateStore.DmOwner.PAIR).get(HB).peerJoined());
        dms.withDm(HB, action("heartbeat"));
        assertEquals("heartbeat in " + A.value(), ran.get(2));
    }

    @Test
    void aBotThatDoesNotJoinInTime_theRoomIsLeftAndForgotten_andCreatingIsTriedAgainWithBackoff() throws Exception {
        PairDms dms = dms();
        matrix.created.add(A);
        dms.withDm(HB, action("request"));
        time.advance(TIMINGS.joinTimeout().minusSeconds(1));
        assertEquals(Optional.of(A), dms.roomWith(HB), "still waiting");
        time.advance(Duration.ofSeconds(1));

        assertEquals(List.of("create " + HB.value(), "direct +" + A.value(), "leave " + A.value(),
                "forget " + A.value(), "direct -" + A.value()), matrix.calls);
        assertEquals(Optional.empty(), dms.roomWith(HB));
        assertTrue(store.dmRecords(StateStore.DmOwner.PAIR).isEmpty());
        StateStore.DmRetry retry = store.dmRetries(StateStore.DmOwner.PAIR).get(HB);
        assertEquals(1, retry.failures());
        assertEquals(time.now().plus(Duration.ofMinutes(10)), retry.nextAt());
        assertTrue(ran.isEmpty(), "the waiting request is dropped with the room");

        // During the back-off nothing is created; then the bridge is told, and the next action creates a DM.
        dms.withDm(HB, action("resend"));
        assertEquals(5, matrix.calls.size());
        time.advance(Duration.ofMinutes(10));
        assertEquals(List.of("retry " + HB.value()), heard);
        matrix.created.add(B);
        dms.withDm(HB, action("resend"));
        assertEquals(Optional.of(B), dms.roomWith(HB));

        // A second failure waits twice as long; a join ends the back-off.
        time.advance(TIMINGS.joinTimeout());
        assertEquals(2, store.dmRetries(StateStore.DmOwner.PAIR).get(HB).failures());
        assertEquals(time.now().plus(Duration.ofMinutes(20)), store.dmRetries(StateStore.DmOwner.PAIR).get(HB).nextAt());
        time.advance(Duration.ofMinutes(20));
        RoomId c = RoomId.parse("!c:home.example");
        matrix.created.add(c);
        dms.withDm(HB, action("again"));
        dms.membership(c, member(HB, "join"));
        assertEquals(List.of("again in " + c.value()), ran);
        assertTrue(store.dmRetries(StateStore.DmOwner.PAIR).isEmpty());
    }

    @Test
    void backoff_growsToAtMostADay() {
        assertEquals(Duration.ofMinutes(10), TIMINGS.retryAfter(1));
        assertEquals(Duration.ofMinutes(40), TIMINGS.retryAfter(3));
        assertEquals(Duration.ofDays(1), TIMINGS.retryAfter(9));
        assertEquals(Duration.ofDays(1), TIMINGS.retryAfter(1000));
    }

    @Test
    void aFailedInvite_startsTheBackoff_andARefusedOneLeavesTheRoom() throws Exception {
        PairDms dms = dms();
        matrix.createFails = true;
        dms.withDm(HB, action("request"));
        assertEquals(1, store.dmRetries(StateStore.DmOwner.PAIR).get(HB).failures());
        assertTrue(store.dmRetries(StateStore.DmOwner.PAIR).get(HB).reason().contains("inviting the bot failed"));

        time.advance(Duration.ofMinutes(10));
        matrix.createFails = false;
        matrix.created.add(A);
        dms.withDm(HB, action("request"));
        dms.membership(A, member(HB, "leave")); // the bot rejects the invite
        assertTrue(matrix.calls.containsAll(List.of("leave " + A.value(), "forget " + A.value())), matrix.calls.toString());
        StateStore.DmRetry retry = store.dmRetries(StateStore.DmOwner.PAIR).get(HB);
        assertEquals(2, retry.failures());
        assertTrue(retry.reason().contains("refused"), retry.reason());
    }

    private static List<JsonNode> roomState(UserId creator, Instant created, String... members) throws Exception {
        List<JsonNode> state = new ArrayList<>();
        state.add(JSON.readTree("{\"type\": \"m.room.create\", \"state_key\": \"\", \"sender\": \"" + creator.value()
                + "\", \"origin_server_ts\": " + created.toEpochMilli() + ", \"content\": {}}"));
        for (String m : members) {
            String[] who = m.split(" ");
            state.add(JSON.readTree("{\"type\": \"m.room.member\", \"state_key\": \"" + who[0]
                    + "\", \"sender\": \"" + creator.value() + "\", \"content\": {\"membership\": \"" + who[1] + "\"}}"));
        }
        return state;
    }

    @Test
    void aFailedCreateRoom_thatLeftARoomBehind_itIsLeftAndForgotten_andNothingElse() throws Exception {
        RoomId orphan = RoomId.parse("!orphan:home.example");
        RoomId control = RoomId.parse("!control:home.example");
        RoomId old = RoomId.parse("!old:home.example");
        RoomId foreign = RoomId.parse("!foreign:home.example");
        matrix.states.put(orphan, roomState(VB, T0, VB.value() + " join"));
        matrix.states.put(control, roomState(VB, T0, VB.value() + " join", "@alice:home.example invite"));
        matrix.states.put(old, roomState(VB, T0.minus(Duration.ofDays(3)), VB.value() + " join"));
        matrix.states.put(foreign, roomState(STRANGER, T0, VB.value() + " join", STRANGER.value() + " leave"));
        matrix.createFails = true;
        dms().withDm(HB, action("request"));
        assertEquals(List.of("leave " + orphan.value(), "forget " + orphan.value()), matrix.calls);
        assertEquals(1, store.dmRetries(StateStore.DmOwner.PAIR).get(HB).failures());
    }

    @Test
    void ourHomeserverUnreachable_isNoFailedInvite_andStartsNoBackoff() {
        PairDms dms = dms();
        matrix.homeserverDown = true;
        dms.withDm(HB, action("request"));
        assertTrue(store.dmRetries(StateStore.DmOwner.PAIR).isEmpty());
        matrix.homeserverDown = false;
        matrix.created.add(A);
        dms.withDm(HB, action("resend"));
        assertEquals(Optional.of(A), dms.roomWith(HB), "tried again at once");
    }

    @Test
    void afterARestart_aDmStillWaitingGetsTheRestOfItsTime_andTheBackoffHolds() throws Exception {
        matrix.created.add(A);
        dms().withDm(HB, action("request"));
        time.advance(Duration.ofMinutes(4));

        PairDms restarted = dms();
        restarted.load();
        time.advance(Duration.ofMinutes(6).minusSeconds(1));
        assertEquals(Optional.of(A), restarted.roomWith(HB));
        time.advance(Duration.ofSeconds(1));
        assertEquals(Optional.empty(), restarted.roomWith(HB), "ten minutes after it was created");

        PairDms again = dms();
        again.load();
        again.withDm(HB, action("request"));
        assertEquals(1, matrix.calls.stream().filter(c -> c.startsWith("create")).count(), "no DM during the back-off");
        time.advance(Duration.ofMinutes(10));
        assertTrue(heard.contains("retry " + HB.value()), heard.toString());
    }

    @Test
    void aSecondDm_theOlderIsKept_theOtherGetsANoticeAndIsLeft() throws Exception {
        store.dm(StateStore.DmOwner.PAIR, HB, A);
        PairDms dms = dms();
        dms.load();
        matrix.createdAt.put(A, 1_000L);
        matrix.createdAt.put(B, 2_000L);
        dms.invited(B, HB, true);

        assertEquals(List.of("join " + B.value(), "notice " + B.value() + " byob: duplicate DM, continuing in "
                + A.value(), "leave " + B.value(), "direct +" + A.value() + " -" + B.value()), matrix.calls);
        assertEquals(Optional.of(A), dms.roomWith(HB));
        assertTrue(heard.isEmpty(), "nothing moved");
    }

    @Test
    void aSecondDm_thatIsOlder_isKept_andWhatWaitsForAReplyIsSentAgainThere() throws Exception {
        store.dm(StateStore.DmOwner.PAIR, HB, A);
        PairDms dms = dms();
        dms.load();
        matrix.createdAt.put(A, 2_000L);
        matrix.createdAt.put(B, 1_000L);
        matrix.members.put(B, Set.of(VB, HB));

        assertTrue(dms.strayMessage(B, HB), "a byob message in the kept room counts");
        assertEquals(List.of("members " + B.value(), "notice " + A.value() + " byob: duplicate DM, continuing in "
                + B.value(),
                "leave " + A.value(), "direct +" + B.value() + " -" + A.value()), matrix.calls);
        assertEquals(Optional.of(B), dms.roomWith(HB));
        assertEquals(B, store.dmRecords(StateStore.DmOwner.PAIR).get(HB).room());
        assertEquals(List.of("moved " + HB.value()), heard);
        dms.withDm(HB, action("answer"));
        assertEquals(List.of("answer in " + B.value()), ran);
    }

    @Test
    void equalCreateTimes_theSmallerRoomIdIsKept() throws Exception {
        store.dm(StateStore.DmOwner.PAIR, HB, B);
        PairDms dms = dms();
        dms.load();
        matrix.createdAt.put(A, 1_000L);
        matrix.createdAt.put(B, 1_000L);
        dms.invited(A, HB, true);
        assertEquals(Optional.of(A), dms.roomWith(HB));
    }

    @Test
    void messagesAndInvites_thatAreNoDmOfAPeer_areNotActedOn() throws Exception {
        store.dm(StateStore.DmOwner.PAIR, HB, A);
        PairDms dms = dms();
        dms.load();
        matrix.members.put(B, Set.of(VB, HB, STRANGER));
        assertFalse(dms.strayMessage(B, HB), "a room with a third member is no DM");
        dms.invited(B, STRANGER, true);
        dms.invited(B, HB, false);
        assertFalse(dms.strayMessage(B, STRANGER));
        assertEquals(List.of(), matrix.calls.stream().filter(c -> !c.startsWith("members")).toList());
        assertEquals(Optional.of(A), dms.roomWith(HB));
    }

    @Test
    void aFirstDirectInviteOfAPeer_becomesItsDm() throws Exception {
        PairDms dms = dms();
        dms.invited(B, HB, true);
        assertEquals(Optional.of(B), dms.roomWith(HB));
        dms.withDm(HB, action("request"));
        assertEquals(List.of("request in " + B.value()), ran, "the bot is in it: it invited us");
        assertEquals(List.of("join " + B.value(), "direct +" + B.value()), matrix.calls);
    }

    @Test
    void aBotThatLeavesItsDm_isForgottenWithIt_andTheNextActionMakesANewOne() throws Exception {
        store.dm(StateStore.DmOwner.PAIR, HB, A);
        PairDms dms = dms();
        dms.load();
        dms.membership(A, member(HB, "leave"));
        assertEquals(Optional.empty(), dms.roomWith(HB));
        assertTrue(store.dmRetries(StateStore.DmOwner.PAIR).isEmpty(), "no back-off: the bot had been there");
        matrix.created.add(B);
        dms.withDm(HB, action("heartbeat"));
        assertEquals(Optional.of(B), dms.roomWith(HB));
    }

    /** A homeserver that records what it is asked. */
    private static final class FakeMatrix implements PairDms.Matrix {
        final List<String> calls = new ArrayList<>();
        final Deque<RoomId> created = new ArrayDeque<>();
        final Map<RoomId, Long> createdAt = new HashMap<>();
        final Map<RoomId, Set<UserId>> members = new HashMap<>();
        boolean createFails;
        boolean homeserverDown;
        final Map<RoomId, List<JsonNode>> states = new java.util.LinkedHashMap<>();

        @Override
        public RoomId createDirect(UserId peer) {
            if (homeserverDown) {
                throw new MatrixNetworkException("POST createRoom", new java.io.IOException("connection refused"), false,
                        false);
            }
            if (createFails) {
                throw new MatrixException("POST createRoom", 403, "M_FORBIDDEN", "no", null, JSON.createObjectNode());
            }
            calls.add("create " + peer.value());
            return created.remove();
        }

        @Override
        public void join(RoomId room) {
            calls.add("join " + room.value());
        }

        @Override
        public void leave(RoomId room) {
            calls.add("leave " + room.value());
        }

        @Override
        public void forget(RoomId room) {
            calls.add("forget " + room.value());
        }

        @Override
        public void notice(RoomId room, String text) {
            calls.add("notice " + room.value() + " " + text);
        }

        @Override
        public Set<UserId> joinedMembers(RoomId room) {
            calls.add("members " + room.value());
            return members.getOrDefault(room, Set.of());
        }

        @Override
        public List<RoomId> joinedRooms() {
            return List.copyOf(states.keySet());
        }

        @Override
        public List<JsonNode> state(RoomId room) {
            return states.get(room);
        }

        @Override
        public CanonicalDm.Candidate candidate(RoomId room) {
            return new CanonicalDm.Candidate(room, createdAt.getOrDefault(room, Long.MAX_VALUE));
        }

        @Override
        public void updateDirect(UserId peer, RoomId add, RoomId remove) {
            calls.add("direct" + (add == null ? "" : " +" + add.value()) + (remove == null ? "" : " -" + remove.value()));
        }
    }

    /** A clock and a timer moved by hand. */
    private static final class ManualTime implements PairDms.Timer {
        private record Task(Instant at, Runnable run, boolean[] cancelled) {}

        private Instant now = T0;
        private final List<Task> tasks = new ArrayList<>();

        Instant now() {
            return now;
        }

        Clock clock() {
            return new Clock() {
                @Override
                public ZoneOffset getZone() {
                    return ZoneOffset.UTC;
                }

                @Override
                public Clock withZone(java.time.ZoneId zone) {
                    return this;
                }

                @Override
                public Instant instant() {
                    return now;
                }
            };
        }

        @Override
        public Runnable schedule(Duration delay, Runnable task) {
            boolean[] cancelled = {false};
            tasks.add(new Task(now.plus(delay), task, cancelled));
            return () -> cancelled[0] = true;
        }

        void advance(Duration d) {
            Instant end = now.plus(d);
            while (true) {
                Task next = tasks.stream().filter(t -> !t.at().isAfter(end)).min((x, y) -> x.at().compareTo(y.at()))
                        .orElse(null);
                if (next == null) {
                    break;
                }
                tasks.remove(next);
                now = next.at().isAfter(now) ? next.at() : now;
                if (!next.cancelled()[0]) {
                    next.run().run();
                }
            }
            now = end;
        }
    }
}
