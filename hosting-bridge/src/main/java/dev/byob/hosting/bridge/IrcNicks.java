package dev.byob.hosting.bridge;

import dev.byob.hosting.config.IrcNetworkConfig;

/**
 * Nicks for Matrix users on IRC: the user's localpart put through the network's nick template
 * ({@code <name>[m]}), made to follow IRC's nick rules. A nick already in use is left to the IRC session,
 * which tries {@code _} suffixes.
 */
public final class IrcNicks {
    /** The longest nick made: most networks accept 30 characters (NICKLEN), some fewer. */
    public static final int MAX_NICK_LENGTH = 30;

    private IrcNicks() {
    }

    /**
     * The nick for the Matrix user with {@code localpart} on {@code network}: characters IRC does not allow in
     * a nick become {@code _}, a name that would start with a digit or {@code -} gets a {@code _} in front, and
     * the name is shortened so that the whole nick fits {@value #MAX_NICK_LENGTH} characters.
     */
    public static String forUser(IrcNetworkConfig network, String localpart) {
        String template = network.nickTemplate();
        int room = MAX_NICK_LENGTH - (template.length() - IrcNetworkConfig.NAME_PLACEHOLDER.length());
        String name = sanitise(localpart, template.startsWith(IrcNetworkConfig.NAME_PLACEHOLDER));
        if (name.length() > room) {
            name = name.substring(0, Math.max(1, room));
        }
        return network.nickFor(name);
    }

    /** {@code name} with every character IRC does not allow in nicks replaced by {@code _}; never empty. */
    static String sanitise(String name, boolean first) {
        StringBuilder out = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            out.append(isNickChar(c) ? c : '_');
        }
        if (out.length() == 0) {
            return "_";
        }
        char head = out.charAt(0);
        if (first && (Character.isDigit(head) || head == '-')) {
            out.insert(0, '_');
        }
        return out.toString();
    }

    private static boolean isNickChar(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || "[]\\`_^{|}-".indexOf(c) >= 0;
    }
}
