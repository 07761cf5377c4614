package dev.byob.hosting.appservice;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The user ids the hosting bridge claims for its ghosts, {@code @<prefix>...:<server name>}: the exclusive
 * {@code users} namespace of its registration, and what it answers "exists" for when the homeserver asks.
 */
public final class GhostNamespace {
    private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=\\-/+]+");

    private final String localpartPrefix;
    private final String serverName;

    private GhostNamespace(String localpartPrefix, String serverName) {
        this.localpartPrefix = localpartPrefix;
        this.serverName = serverName;
    }

    /**
     * The namespace of local users whose localpart starts with {@code localpartPrefix}.
     *
     * @throws IllegalArgumentException if the prefix is empty or not made of localpart characters
     *     ({@code a-z 0-9 . _ = - / +}), or the server name is empty
     */
    public static GhostNamespace of(String localpartPrefix, String serverName) {
        Objects.requireNonNull(localpartPrefix, "localpartPrefix");
        Objects.requireNonNull(serverName, "serverName");
        if (!LOCALPART.matcher(localpartPrefix).matches()) {
            throw new IllegalArgumentException("a ghost prefix is made of a-z, 0-9 and ._=-/+: '" + localpartPrefix + "'");
        }
        if (serverName.isEmpty() || serverName.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("not a server name: '" + serverName + "'");
        }
        return new GhostNamespace(localpartPrefix, serverName);
    }

    /** The localpart prefix, e.g. {@code irc_}. */
    public String localpartPrefix() {
        return localpartPrefix;
    }

    /** The homeserver's name. */
    public String serverName() {
        return serverName;
    }

    /** Whether {@code userId} is {@code @<prefix>...:<server name>}, with no colon in the localpart. */
    public boolean contains(String userId) {
        if (userId == null || !userId.startsWith("@" + localpartPrefix)) {
            return false;
        }
        int colon = userId.indexOf(':');
        return colon > localpartPrefix.length() && userId.substring(colon + 1).equals(serverName);
    }

    /** The user id of the ghost with this localpart suffix: {@code @<prefix><suffix>:<server name>}. */
    public String userId(String localpartSuffix) {
        return "@" + localpartPrefix + localpartSuffix + ":" + serverName;
    }

    /**
     * The namespace as a regular expression, {@code ^@<prefix>.*:<server name>$}, valid both in Python's
     * {@code re} (the dialect Synapse applies to registrations) and in {@link java.util.regex.Pattern}: every
     * character of the prefix and server name other than letters, digits and {@code _} is escaped with a
     * backslash, since Python has no {@code \Q...\E}. For local user ids (one colon) it agrees with
     * {@link #contains(String)}.
     */
    public String regex() {
        return "^@" + escape(localpartPrefix) + ".*:" + escape(serverName) + "$";
    }

    private static String escape(String literal) {
        StringBuilder out = new StringBuilder(literal.length() * 2);
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
            if (!plain) {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GhostNamespace other && localpartPrefix.equals(other.localpartPrefix)
                && serverName.equals(other.serverName);
    }

    @Override
    public int hashCode() {
        return Objects.hash(localpartPrefix, serverName);
    }

    @Override
    public String toString() {
        return "@" + localpartPrefix + "*:" + serverName;
    }
}
