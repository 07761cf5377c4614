package dev.byob.hosting.bridge;

import dev.byob.hosting.appservice.GhostNamespace;
import java.nio.charset.StandardCharsets;

/**
 * The Matrix user ids of IRC people: {@code @<ghost prefix><nick>:<server>}, the nick mapped to a Matrix
 * localpart as the specification's "mapping from other character sets" suggests: lower-case letters, digits,
 * {@code -} and {@code .} stay, an upper-case letter becomes {@code _} and its lower case, {@code _} becomes
 * {@code __}, anything else {@code =} and its UTF-8 bytes in hex. With more than one network the network id
 * and {@code _} come before the nick.
 */
public final class GhostIds {
    private GhostIds() {
    }

    /** The ghost of {@code nick} on {@code networkId}; {@code qualify} when several networks are bridged. */
    public static String userId(GhostNamespace ghosts, String networkId, String nick, boolean qualify) {
        return ghosts.userId((qualify ? networkId + "_" : "") + localpart(nick));
    }

    /** {@code nick} as a localpart suffix. */
    public static String localpart(String nick) {
        StringBuilder out = new StringBuilder(nick.length());
        for (byte b : nick.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
                out.append((char) c);
            } else if (c >= 'A' && c <= 'Z') {
                out.append('_').append((char) (c + ('a' - 'A')));
            } else if (c == '_') {
                out.append("__");
            } else {
                out.append('=').append(String.format("%02x", c));
            }
        }
        return out.toString();
    }
}
