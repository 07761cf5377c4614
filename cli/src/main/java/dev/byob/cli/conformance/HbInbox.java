package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.cli.conformance.HbWire.HbMessage;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.kit.matrix.SyncRequest;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.MessageType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The byob messages a hosting bridge's bot sends in some rooms, as one Matrix account reads them through its
 * {@code /sync}; and the DM with the bot that a visiting bridge opens (§3.1). Shared by the conformance run and
 * {@code byob inspect --probe}.
 */
public final class HbInbox {
    private static final Duration POLL = Duration.ofMillis(250);

    private final MatrixClient client;
    private final UserId hbBot;
    private final Set<String> watched = new HashSet<>();
    private final List<HbMessage> received = new ArrayList<>();
    private String since;

    /** An inbox of {@code client}'s account for what {@code hbBot} says; reads only what is sent from now on. */
    public HbInbox(MatrixClient client, UserId hbBot) {
        this.client = Objects.requireNonNull(client, "client");
        this.hbBot = Objects.requireNonNull(hbBot, "hbBot");
        this.since = client.sync(SyncRequest.initial().withTimeout(Duration.ZERO)).path("next_batch").asText(null);
    }

    /**
     * Creates a DM of {@code client}'s account with {@code hbBot} ({@code is_direct}, {@code trusted_private_chat},
     * an invite) and waits up to {@code timeout} for the bot to join; the room is returned either way, so that the
     * caller can leave it, with whether the bot joined.
     */
    public static DirectRoom openDm(MatrixClient client, UserId hbBot, Duration timeout) {
        RoomId dm = client.createRoom(CreateRoomOptions.builder().invite(hbBot).direct(true)
                .preset(RoomPreset.TRUSTED_PRIVATE_CHAT).build());
        Instant end = Instant.now().plus(timeout);
        while (!client.joinedMembers(dm).containsKey(hbBot)) {
            if (Instant.now().isAfter(end)) {
                return new DirectRoom(dm, false);
            }
            sleep(POLL);
        }
        return new DirectRoom(dm, true);
    }

    /** A DM opened by {@link #openDm}, and whether the bot joined it in time. */
    public record DirectRoom(RoomId room, boolean botJoined) {
    }

    /** Reads the bot's byob messages in {@code room} too. */
    public void watch(RoomId room) {
        watched.add(room.value());
    }

    /** How many messages have been seen so far: a mark for {@link #await}. */
    public int mark() {
        syncOnce(Duration.ZERO);
        return received.size();
    }

    /** Waits up to {@code timeout} for a message, seen from mark {@code from} on, that matches. */
    public Optional<HbMessage> await(int from, Predicate<HbMessage> wanted, Duration timeout) {
        Instant end = Instant.now().plus(timeout);
        int scanned = from;
        while (true) {
            for (; scanned < received.size(); scanned++) {
                if (wanted.test(received.get(scanned))) {
                    return Optional.of(received.get(scanned));
                }
            }
            Duration left = Duration.between(Instant.now(), end);
            if (left.isNegative() || left.isZero()) {
                return Optional.empty();
            }
            syncOnce(left.compareTo(Duration.ofSeconds(1)) < 0 ? left : Duration.ofSeconds(1));
        }
    }

    private void syncOnce(Duration timeout) {
        SyncRequest request = since == null ? SyncRequest.initial() : SyncRequest.initial().since(since);
        JsonNode sync = client.sync(request.withTimeout(timeout));
        since = sync.path("next_batch").asText(since);
        for (var rooms = sync.path("rooms").path("join").fields(); rooms.hasNext(); ) {
            var room = rooms.next();
            if (!watched.contains(room.getKey())) {
                continue;
            }
            for (JsonNode event : room.getValue().path("timeline").path("events")) {
                String type = event.path("type").asText("");
                if (hbBot.value().equals(event.path("sender").asText()) && type.startsWith(MessageType.PREFIX)
                        && event.path("content").isObject()) {
                    received.add(new HbMessage(event.path("event_id").asText(), room.getKey(), type,
                            (ObjectNode) event.path("content"), event.path("origin_server_ts").asLong(0)));
                }
            }
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WireException("interrupted", e);
        }
    }
}
