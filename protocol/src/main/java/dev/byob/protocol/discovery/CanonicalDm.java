package dev.byob.protocol.discovery;

import dev.byob.protocol.id.RoomId;
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
            .thenComparing((a, b) -> compareCodePoints(a.room().value(), b.room().value()));

    private CanonicalDm() {
    }

    /** The DM to keep of {@code a} and {@code b}. */
    public static Candidate keep(Candidate a, Candidate b) {
        return ORDER.compare(a, b) <= 0 ? a : b;
    }

    /** Unicode code-point order (String.compareTo orders UTF-16 units, which differs past the BMP). */
    static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
