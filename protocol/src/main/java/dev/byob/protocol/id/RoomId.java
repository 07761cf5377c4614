package dev.byob.protocol.id;

import java.util.Objects;

/** A Matrix room id, {@code !opaque:server} (or opaque, as room versions 12+ allow), at most 255 bytes. */
public record RoomId(String value) {

    /** Validates on construction. */
    public RoomId {
        Objects.requireNonNull(value, "value");
        Opaque.check(value, '!', "room id");
    }

    /** Parses a room id, throwing {@link IllegalArgumentException} with the reason. */
    public static RoomId parse(String value) {
        return new RoomId(value);
    }

    @Override
    public String toString() {
        return value;
    }

    /** Shared check for sigil-prefixed opaque ids. */
    static final class Opaque {
        private Opaque() {}

        static void check(String value, char sigil, String what) {
            if (value.length() < 2 || value.charAt(0) != sigil) {
                throw new IllegalArgumentException("a " + what + " starts with '" + sigil + "'");
            }
            if (value.length() > 85 && utf8Length(value) > 255) { // 85 characters are at most 255 bytes
                throw new IllegalArgumentException("a " + what + " is at most 255 bytes");
            }
            for (int i = 1; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c <= 0x20 || c == 0x7F) {
                    throw new IllegalArgumentException("a " + what + " has no spaces or control characters");
                }
            }
        }

        /** The length of {@code value} in UTF-8, as {@code getBytes} encodes it (a lone surrogate as {@code ?}). */
        static int utf8Length(String value) {
            int bytes = 0;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c < 0x80) {
                    bytes += 1;
                } else if (c < 0x800) {
                    bytes += 2;
                } else if (Character.isHighSurrogate(c) && i + 1 < value.length()
                        && Character.isLowSurrogate(value.charAt(i + 1))) {
                    bytes += 4;
                    i++;
                } else {
                    bytes += Character.isSurrogate(c) ? 1 : 3;
                }
            }
            return bytes;
        }
    }
}
