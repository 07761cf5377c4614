package dev.byob.protocol.discovery;

import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.json.CanonicalJson;
import java.util.Comparator;
import java.util.Objects;

/**
 * Which of two DMs between the same pair of bots both keep (spec §3.2): the one whose {@code m.room.create}
 * event has the smaller {@code origin_server_ts}, then the smaller room id in code-point order. Both sides
 * choose alike without talking about it.
 */
public final class CanonicalDm {
    /** A DM and when its create event was stamped by its homeserver. */
    public record Candidate(RoomId room, long createdAt) {
        /** Checks for null. */
        public Candidate {
            Objects.requireNonNull(room, "room");
        }
    }

    private static final Comparator<Candidate> ORDER = Comparator.comparingLong(Candidate::createdAt)
            .thenComparing(c -> c.room().value(), CanonicalJson.CODE_POINT_ORDER);

    private CanonicalDm() {
    }

    /** The DM to keep of {@code a} and {@code b}. */
    public static Candidate keep(Candidate a, Candidate b) {
        return ORDER.compare(a, b) <= 0 ? a : b;
    }
}
