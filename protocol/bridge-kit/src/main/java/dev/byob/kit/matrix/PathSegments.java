package dev.byob.kit.matrix;

import java.nio.charset.StandardCharsets;

/**
 * Percent-encodes one URL path segment: every byte of its UTF-8 form except the RFC 3986 unreserved
 * characters {@code A-Z a-z 0-9 - . _ ~}. So {@code @}, {@code :}, {@code !}, {@code $}, {@code #},
 * {@code /}, {@code %} and spaces in user ids, room ids, aliases, event types, state keys and
 * transaction ids never change the path's structure.
 */
final class PathSegments {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private PathSegments() {
    }

    /**
     * The encoded segment.
     *
     * @throws IllegalArgumentException for {@code .} and {@code ..}, which HTTP clients and servers
     *     resolve as relative paths whatever their encoding
     */
    static String encode(String segment) {
        if (segment.equals(".") || segment.equals("..")) {
            throw new IllegalArgumentException("'" + segment + "' cannot be sent as a path segment");
        }
        StringBuilder out = new StringBuilder(segment.length() + 8);
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_' || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }
}
