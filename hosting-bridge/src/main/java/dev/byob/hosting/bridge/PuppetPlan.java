package dev.byob.hosting.bridge;

/**
 * How the core sends a Matrix user's message to a network, and what it does with the user's connection when
 * the byob side asks it to refresh their presence. A user whose puppet the {@link RelayGate} does not want
 * (trust is in force) still has messages the hosting bridge must relay: fill-ins, and messages arriving while
 * the lease has lapsed. Those go through a <em>temporary</em> puppet, the same {@code alice[m]} connection an
 * unlinked user has, which quits at the next refresh that still does not want it (when the fill-in stops).
 */
final class PuppetPlan {
    private PuppetPlan() {
    }

    /** The connection a message goes through. */
    enum Via {
        /** The bot's connection, as {@code <alice> text} ({@code relaybot} networks). */
        BOT,
        /** The user's own puppet, kept on the network. */
        PUPPET,
        /** The user's puppet, started (if needed) only for this relay and quit when the fill-in ends. */
        TEMPORARY_PUPPET
    }

    /** What a refresh of the user's presence does with their connection. */
    enum Refresh {
        /** Nothing: no puppet, and none wanted. */
        NOTHING,
        /** The puppet is wanted: start it if needed, join the user's rooms, and keep it (no longer temporary). */
        JOIN_ROOMS,
        /** The puppet is not wanted (a temporary one included): quit it. */
        QUIT
    }

    /** The way a message goes to a network configured with {@code relaybot} or not. */
    static Via relay(boolean relaybot, boolean puppetWanted) {
        if (relaybot) {
            return Via.BOT;
        }
        return puppetWanted ? Via.PUPPET : Via.TEMPORARY_PUPPET;
    }

    /** What a refresh does, given the network's mode, the gate's answer and whether a puppet is connected. */
    static Refresh refresh(boolean relaybot, boolean puppetWanted, boolean connected) {
        if (!puppetWanted) {
            return connected ? Refresh.QUIT : Refresh.NOTHING;
        }
        return relaybot ? Refresh.NOTHING : Refresh.JOIN_ROOMS;
    }

    /**
     * Whether a puppet that relays now is temporary afterwards: a new one started for a temporary relay is, a
     * permanent one stays permanent, and a temporary one becomes permanent once the gate wants it.
     */
    static boolean temporaryAfter(Via via, boolean existed, boolean wasTemporary) {
        if (via != Via.TEMPORARY_PUPPET) {
            return false;
        }
        return !existed || wasTemporary;
    }
}
