package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.DirectChats;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.protocol.discovery.CanonicalDm;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.visiting.store.StateStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DMs of one of the bridge's accounts with hosting bridge bots (spec §3): one per bot, created with
 * {@code is_direct} and {@code trusted_private_chat}, recorded in the state database and {@code m.direct}, reused.
 * Actions in a DM wait until the bot has joined it.
 *
 * <ul>
 *   <li>§3.3: a DM whose invite failed, was refused, or was not accepted within {@link DmTimings#joinTimeout()} is
 *       left and forgotten; no DM with that bot is created again before the back-off has passed (durable, so a
 *       restart keeps it), and the {@link Listener} hears when it has.</li>
 *   <li>§3.2 (when {@code converge}): a second DM with a bot (its direct invite, or a byob message of it in a room of
 *       just the two) is resolved with {@link CanonicalDm}, as the hosting bridge resolves it: a notice naming the
 *       kept room in the other, which is left, and {@code m.direct} updated. When the kept room is the new one, the
 *       {@link Listener} hears so, to send again there what waits for a reply.</li>
 *   <li>§3.4: a bot that leaves its DM is forgotten with it; the next action creates a new one.</li>
 * </ul>
 *
 * <p>Runs on the bridge's core thread; not thread-safe.
 */
final class PairDms {
    private static final Logger LOG = LoggerFactory.getLogger(PairDms.class);
    /** How far before a failed createRoom (by this bridge's clock) the room it left behind may be stamped. */
    private static final Duration ORPHAN_MARGIN = Duration.ofMinutes(2);

    /** What these DMs need of the homeserver, as the account: narrow, so the decisions are testable alone. */
    interface Matrix {
        /** Creates a direct chat inviting {@code peer}. */
        RoomId createDirect(UserId peer);

        void join(RoomId room);

        void leave(RoomId room);

        void forget(RoomId room);

        void notice(RoomId room, String text);

        /** The room's joined members. */
        Set<UserId> joinedMembers(RoomId room);

        /** The rooms the account has joined. */
        List<RoomId> joinedRooms();

        /** The room's current state events. */
        List<JsonNode> state(RoomId room);

        /** The room with its creation time, for {@link CanonicalDm}. */
        CanonicalDm.Candidate candidate(RoomId room);

        /** Puts {@code add} (if not null) in {@code m.direct} under {@code peer} and takes {@code remove} out. */
        void updateDirect(UserId peer, RoomId add, RoomId remove);

        /** The real thing: {@code client} acting as {@code self}. */
        static Matrix of(MatrixClient client, UserId self) {
            return new Matrix() {
                @Override
                public RoomId createDirect(UserId peer) {
                    return client.createRoom(CreateRoomOptions.builder().direct(true)
                            .preset(RoomPreset.TRUSTED_PRIVATE_CHAT).invite(peer).build());
                }

                @Override
                public void join(RoomId room) {
                    client.join(room);
                }

                @Override
                public void leave(RoomId room) {
                    client.leave(room);
                }

                @Override
                public void forget(RoomId room) {
                    client.forget(room);
                }

                @Override
                public void notice(RoomId room, String text) {
                    client.sendMessageEvent(room, "m.room.message", Map.of("msgtype", "m.notice", "body", text));
                }

                @Override
                public Set<UserId> joinedMembers(RoomId room) {
                    return client.joinedMembers(room).keySet();
                }

                @Override
                public List<RoomId> joinedRooms() {
                    return client.joinedRooms();
                }

                @Override
                public List<JsonNode> state(RoomId room) {
                    return client.getRoomState(room);
                }

                @Override
                public CanonicalDm.Candidate candidate(RoomId room) {
                    return DirectChats.candidate(client, room);
                }

                @Override
                public void updateDirect(UserId peer, RoomId add, RoomId remove) {
                    DirectChats.update(client, self, peer, add, remove);
                }
            };
        }
    }

    /** Runs tasks later, on the core thread; the returned handle cancels. */
    interface Timer {
        Runnable schedule(Duration delay, Runnable task);
    }

    /** What the bridge does when a DM changes. */
    interface Listener {
        /** Does nothing: for DMs whose changes need no action. */
        Listener NONE = new Listener() {
            @Override
            public void moved(UserId peer) {
            }

            @Override
            public void retryDue(UserId peer) {
            }
        };

        /** The DM with {@code peer} is now another room, which its bot is in: send again what waits for a reply. */
        void moved(UserId peer);

        /** The back-off after a failed DM with {@code peer} has passed: a DM may be created again. */
        void retryDue(UserId peer);
    }

    /** An action in a DM. */
    @FunctionalInterface
    interface RoomAction {
        void run(RoomId room);
    }

    private static final class Dm {
        final RoomId room;
        final Optional<Instant> createdAt;
        boolean ready;
        final List<RoomAction> waiting = new ArrayList<>();
        Runnable cancelDeadline = () -> { };

        Dm(RoomId room, boolean ready, Optional<Instant> createdAt) {
            this.room = room;
            this.ready = ready;
            this.createdAt = createdAt;
        }
    }

    private final String name;
    private final UserId self;
    private final StateStore.DmOwner owner;
    private final boolean converge;
    private final Matrix matrix;
    private final StateStore store;
    private final DmTimings timings;
    private final Clock clock;
    private final Timer timer;
    private final Predicate<UserId> isPeer;
    private final Listener listener;
    private final Map<UserId, Dm> dms = new LinkedHashMap<>();
    private final Map<UserId, StateStore.DmRetry> retries = new HashMap<>();

    /**
     * @param name the account's name in logs ("bot", "user")
     * @param converge whether duplicates are resolved and direct invites of peers joined (the bridge's own bot)
     * @param isPeer whether a user is a hosting bridge bot this bridge deals with
     */
    PairDms(String name, UserId self, StateStore.DmOwner owner, boolean converge, Matrix matrix, StateStore store,
            DmTimings timings, Clock clock, Timer timer, Predicate<UserId> isPeer, Listener listener) {
        this.name = name;
        this.self = Objects.requireNonNull(self, "self");
        this.owner = Objects.requireNonNull(owner, "owner");
        this.converge = converge;
        this.matrix = Objects.requireNonNull(matrix, "matrix");
        this.store = Objects.requireNonNull(store, "store");
        this.timings = Objects.requireNonNull(timings, "timings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timer = Objects.requireNonNull(timer, "timer");
        this.isPeer = Objects.requireNonNull(isPeer, "isPeer");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** Loads the DMs and back-offs recorded before; DMs still waiting for their bot get the rest of their time. */
    void load() {
        Instant now = clock.instant();
        store.dmRecords(owner).forEach((peer, d) -> {
            Dm dm = new Dm(d.room(), d.peerJoined(), d.createdAt());
            dms.put(peer, dm);
            if (!dm.ready) {
                armDeadline(peer, dm, now);
            }
        });
        store.dmRetries(owner).forEach((peer, r) -> {
            retries.put(peer, r);
            armRetry(peer, r, now);
        });
    }

    /** The bot whose DM {@code room} is, if it is one. */
    Optional<UserId> peerOf(RoomId room) {
        for (Map.Entry<UserId, Dm> d : dms.entrySet()) {
            if (d.getValue().room.equals(room)) {
                return Optional.of(d.getKey());
            }
        }
        return Optional.empty();
    }

    /** The DM with {@code peer}, if one is known (joined by the bot or not yet). */
    Optional<RoomId> roomWith(UserId peer) {
        return Optional.ofNullable(dms.get(peer)).map(d -> d.room);
    }

    /** When a DM with {@code peer} may be created again after failures, if it is waiting for that. */
    Optional<StateStore.DmRetry> retryOf(UserId peer) {
        return Optional.ofNullable(retries.get(peer));
    }

    /**
     * Runs {@code action} in the DM with {@code peer} once the bot is in it, creating the DM if there is none. While
     * the back-off after a failed DM lasts, nothing is created and the action is dropped: the protocol resends.
     */
    void withDm(UserId peer, RoomAction action) {
        Dm dm = dms.get(peer);
        if (dm != null) {
            if (dm.ready) {
                action.run(dm.room);
            } else {
                dm.waiting.add(action);
            }
            return;
        }
        Instant now = clock.instant();
        StateStore.DmRetry retry = retries.get(peer);
        if (retry != null && now.isBefore(retry.nextAt())) {
            LOG.debug("no DM of the {} with {} before {} ({} failed: {})", name, peer, retry.nextAt(), retry.failures(),
                    retry.reason());
            return;
        }
        RoomId room;
        try {
            room = matrix.createDirect(peer);
        } catch (MatrixNetworkException e) {
            // Our own homeserver did not answer: nothing was refused; the protocol resends.
            LOG.warn("could not create a DM of the {} with {} (tried again on the next resend): {}", name, peer,
                    e.getMessage());
            return;
        } catch (MatrixRequestException e) {
            leaveOrphans(now);
            failed(peer, null, "creating it or inviting the bot failed: " + e.getMessage());
            return;
        }
        LOG.info("created the DM {} of the {} with {}", room, name, peer);
        dm = new Dm(room, false, Optional.of(now));
        dm.waiting.add(action);
        dms.put(peer, dm);
        store.dmCreated(owner, peer, room, now);
        updateDirect(peer, room, null);
        armDeadline(peer, dm, now);
    }

    /** An {@code m.room.member} event in a room of this account: a bot joining, refusing or leaving its DM. */
    void membership(RoomId room, JsonNode event) {
        Optional<UserId> peer = peerOf(room);
        if (peer.isEmpty() || !peer.get().value().equals(event.path("state_key").asText())) {
            return;
        }
        Dm dm = dms.get(peer.get());
        String membership = event.path("content").path("membership").asText();
        if ("join".equals(membership)) {
            joined(peer.get(), dm);
        } else if ("leave".equals(membership) || "ban".equals(membership)) {
            if (!dm.ready) {
                failed(peer.get(), dm, "the bot refused the invite");
            } else {
                left(peer.get(), dm);
            }
        }
    }

    /** A byob message of {@code peer} in its DM: it is in the room, whatever the membership events said. */
    void heardFrom(UserId peer) {
        Dm dm = dms.get(peer);
        if (dm != null) {
            joined(peer, dm);
        }
    }

    /** An invite of this account to {@code room} by {@code inviter}: a peer's direct invite is joined, then §3.2. */
    void invited(RoomId room, UserId inviter, boolean direct) {
        if (!converge || !direct || !isPeer.test(inviter) || roomWith(inviter).map(room::equals).orElse(false)) {
            return;
        }
        try {
            matrix.join(room);
        } catch (MatrixRequestException e) {
            LOG.warn("could not join the DM {} {} invited the {} to: {}", room, inviter, name, e.getMessage());
            return;
        }
        LOG.info("joined the DM {} {} invited the {} to", room, inviter, name);
        converge(inviter, room);
    }

    /**
     * A byob message of {@code sender} in {@code room}, which is no DM of this account: not to be acted on (§3.4),
     * unless the room is a second DM with that bot (only the two joined), which §3.2 resolves. Returns whether
     * {@code room} is the DM with {@code sender} afterwards, so that the message counts.
     */
    boolean strayMessage(RoomId room, UserId sender) {
        if (!converge || !isPeer.test(sender) || peerOf(room).isPresent()) {
            return false;
        }
        Set<UserId> members;
        try {
            members = matrix.joinedMembers(room);
        } catch (MatrixRequestException e) {
            LOG.debug("cannot read the members of {}: {}", room, e.getMessage());
            return false;
        }
        if (!members.equals(Set.of(self, sender))) {
            LOG.debug("a byob message of {} in {}, which is not a DM of the two: not acted on", sender, room);
            return false;
        }
        converge(sender, room);
        return roomWith(sender).map(room::equals).orElse(false);
    }

    // ---- internals ----

    /** {@code room}, which both the account and {@code peer} are in, is a DM with it: keep one (§3.2). */
    private void converge(UserId peer, RoomId room) {
        Dm known = dms.get(peer);
        if (known == null) {
            Dm dm = new Dm(room, true, Optional.empty());
            dms.put(peer, dm);
            store.dm(owner, peer, room);
            clearRetry(peer);
            updateDirect(peer, room, null);
            LOG.info("{} is the DM of the {} with {}", room, name, peer);
            return;
        }
        if (known.room.equals(room)) {
            return;
        }
        CanonicalDm.Candidate keep = CanonicalDm.keep(matrix.candidate(known.room), matrix.candidate(room));
        if (keep.room().equals(known.room)) {
            LOG.info("two DMs of the {} with {}: keeping {}, leaving {}", name, peer, known.room, room);
            drop(room, known.room);
            updateDirect(peer, known.room, room);
            return;
        }
        LOG.info("two DMs of the {} with {}: keeping {}, leaving {}", name, peer, room, known.room);
        known.cancelDeadline.run();
        Dm kept = new Dm(room, true, Optional.empty());
        dms.put(peer, kept);
        store.dm(owner, peer, room);
        clearRetry(peer);
        drop(known.room, room);
        updateDirect(peer, room, known.room);
        if (known.ready) {
            listener.moved(peer); // what the old room carried may never be answered there
        } else {
            known.waiting.forEach(a -> a.run(room)); // never sent: they go to the kept room instead
        }
    }

    /** A notice naming the kept room in the other, then leaving it. */
    private void drop(RoomId drop, RoomId keep) {
        try {
            matrix.notice(drop, "byob: duplicate DM, continuing in " + keep.value());
        } catch (MatrixRequestException e) {
            LOG.debug("could not say so in {}: {}", drop, e.getMessage());
        }
        try {
            matrix.leave(drop);
        } catch (MatrixRequestException e) {
            LOG.warn("could not leave the duplicate DM {}: {}", drop, e.getMessage());
        }
    }

    private void joined(UserId peer, Dm dm) {
        if (dm.ready) {
            return;
        }
        dm.ready = true;
        dm.cancelDeadline.run();
        store.dmJoined(owner, peer, dm.room);
        clearRetry(peer);
        LOG.info("{} joined the DM {} of the {}", peer, dm.room, name);
        List<RoomAction> waiting = new ArrayList<>(dm.waiting);
        dm.waiting.clear();
        waiting.forEach(a -> a.run(dm.room));
    }

    /** The bot left its DM (§3.4): forgotten, and left, so that no empty room stays behind. */
    private void left(UserId peer, Dm dm) {
        dms.remove(peer);
        LOG.info("{} left the DM {} of the {}: forgotten; a new one is made when needed", peer, dm.room, name);
        abandon(peer, dm.room);
    }

    /** A DM that failed (§3.3): left and forgotten, and the back-off starts; {@code dm} is null when none was made. */
    private void failed(UserId peer, Dm dm, String why) {
        Instant now = clock.instant();
        if (dm != null) {
            dms.remove(peer);
            dm.cancelDeadline.run();
            dm.waiting.clear();
            abandon(peer, dm.room);
        }
        StateStore.DmRetry before = retries.get(peer);
        int failures = before == null ? 1 : before.failures() + 1;
        StateStore.DmRetry retry = new StateStore.DmRetry(failures, now.plus(timings.retryAfter(failures)), why);
        retries.put(peer, retry);
        store.dmRetry(owner, peer, retry);
        armRetry(peer, retry, now);
        LOG.warn("the DM of the {} with {} failed ({}){}; trying again after {}", name, peer, why,
                dm == null ? "" : ": left and forgotten " + dm.room, retry.nextAt());
    }

    private void abandon(UserId peer, RoomId room) {
        try {
            matrix.leave(room);
        } catch (MatrixRequestException e) {
            LOG.debug("could not leave {}: {}", room, e.getMessage());
        }
        try {
            matrix.forget(room);
        } catch (MatrixRequestException e) {
            LOG.warn("could not forget {}: {}", room, e.getMessage());
        }
        store.forgetDm(owner, peer, room);
        updateDirect(peer, null, room);
    }

    /**
     * After a failed {@code createRoom}: the homeserver may have made the room and then failed the invite, without
     * telling its id. Such a room (created by this account since a little before {@code since}, no one else in it or
     * invited) is left and forgotten (§3.3).
     */
    private void leaveOrphans(Instant since) {
        try {
            for (RoomId room : matrix.joinedRooms()) {
                if (peerOf(room).isEmpty() && orphan(matrix.state(room), self, since.minus(ORPHAN_MARGIN))) {
                    LOG.info("leaving and forgetting {}, made by the failed createRoom", room);
                    matrix.leave(room);
                    matrix.forget(room);
                }
            }
        } catch (MatrixRequestException e) {
            LOG.warn("could not look for a room left behind by the failed createRoom: {}", e.getMessage());
        }
    }

    /** Whether {@code state} is of a room {@code self} created after {@code after} and is alone in, no one invited. */
    static boolean orphan(List<JsonNode> state, UserId self, Instant after) {
        boolean created = false;
        boolean alone = true;
        for (JsonNode e : state) {
            String type = e.path("type").asText();
            if ("m.room.create".equals(type)) {
                created = self.value().equals(e.path("sender").asText())
                        && e.path("origin_server_ts").asLong(0) >= after.toEpochMilli();
            } else if ("m.room.member".equals(type) && !self.value().equals(e.path("state_key").asText())) {
                String membership = e.path("content").path("membership").asText();
                alone &= !"join".equals(membership) && !"invite".equals(membership);
            }
        }
        return created && alone;
    }

    private void clearRetry(UserId peer) {
        if (retries.remove(peer) != null) {
            store.dmRetry(owner, peer, null);
        }
    }

    private void armDeadline(UserId peer, Dm dm, Instant now) {
        Instant deadline = dm.createdAt.orElse(now).plus(timings.joinTimeout());
        dm.cancelDeadline = timer.schedule(positive(Duration.between(now, deadline)), () -> {
            if (dms.get(peer) == dm && !dm.ready) {
                failed(peer, dm, "the bot did not join within " + timings.joinTimeout().toSeconds() + " s");
            }
        });
    }

    private void armRetry(UserId peer, StateStore.DmRetry retry, Instant now) {
        timer.schedule(positive(Duration.between(now, retry.nextAt())), () -> {
            if (retries.get(peer) == retry && !dms.containsKey(peer)) {
                LOG.info("a DM of the {} with {} may be created again", name, peer);
                listener.retryDue(peer);
            }
        });
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    private void updateDirect(UserId peer, RoomId add, RoomId remove) {
        try {
            matrix.updateDirect(peer, add, remove);
        } catch (MatrixRequestException e) {
            LOG.warn("could not update the m.direct of the {} for {}: {}", name, peer, e.getMessage());
        }
    }
}
