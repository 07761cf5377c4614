package dev.byob.visiting.core;

import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.VisitingState;
import dev.byob.visiting.store.StateStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The commands the user gives the bridge's bot in their DM with it, and the bot's answers. Only messages
 * sent by the configured user are commands; anyone else in that room is ignored.
 */
final class Commands {

    /** A command, parsed from a message's body. */
    sealed interface Command {
        /** {@code help}: what the bot understands. */
        record Help() implements Command {}

        /** {@code status}: the rooms, hosting bridges, trust and leases. */
        record Status() implements Command {}

        /** {@code logout}: ask every hosting bridge to step back in, then stop bridging. */
        record Logout() implements Command {}

        /** {@code login}: bridge again after a logout or after another bridge took over. */
        record Login() implements Command {}

        /** {@code portal <network> <#channel>}: a private room of the user's for a channel no hosting bridge bridges. */
        record Portal(String network, String channel) implements Command {}

        /** A known command with wrong arguments; {@code message} says how it is used. */
        record BadUsage(String message) implements Command {}

        /** Anything else. */
        record Unknown(String word) implements Command {}
    }

    /** One room the bridge knows to be bridged, for {@code status}. */
    record RoomStatus(RoomId room, String channel) {}

    /** One hosting bridge relation, for {@code status}. */
    record RelationStatus(TrustKey key, Optional<VisitingState> state, List<RoomStatus> rooms,
                          Optional<String> endedWith) {
        RelationStatus {
            rooms = List.copyOf(rooms);
        }
    }

    static final String HELP = String.join("\n",
            "Commands (only yours are read):",
            "  status  which rooms are bridged, by which hosting bridges, and the trust and lease with each",
            "  logout  ask every hosting bridge to relay you again, then stop bridging",
            "  login   bridge again after a logout or after another bridge took over",
            "  portal <network> <#channel>  a private room of yours for a channel no hosting bridge bridges: this",
            "          bridge joins it as you, shows the others' lines through its bot, and retires the room",
            "          (a tombstone pointing there) once a hosting bridge it trusts bridges that channel in a room",
            "          you joined",
            "  help    this text");
    static final String PORTAL_USAGE = "Usage: portal <network> <#channel>, for example: portal libera #chat";

    private Commands() {
    }

    /** The command in {@code body}: its first word, case-insensitive, with or without a leading {@code !}. */
    static Command parse(String body) {
        String[] words = body.strip().split("\\s+");
        String word = words[0].toLowerCase(Locale.ROOT);
        if (word.startsWith("!")) {
            word = word.substring(1);
        }
        return switch (word) {
            case "help", "?" -> new Command.Help();
            case "status" -> new Command.Status();
            case "logout" -> new Command.Logout();
            case "login" -> new Command.Login();
            case "portal" -> portal(words);
            default -> new Command.Unknown(word);
        };
    }

    private static Command portal(String[] words) {
        if (words.length != 3) {
            return new Command.BadUsage(PORTAL_USAGE);
        }
        String channel = words[2];
        // RFC 2812 channel names: a prefix, then no space, comma, BEL or colon; at most 50 characters.
        if (channel.length() < 2 || channel.length() > 50 || "#&+!".indexOf(channel.charAt(0)) < 0
                || channel.chars().anyMatch(c -> c == ',' || c == 7 || c == ':' || Character.isISOControl(c))) {
            return new Command.BadUsage("\"" + channel + "\" is not an IRC channel name (it starts with # or &). "
                    + PORTAL_USAGE);
        }
        return new Command.Portal(words[1], channel);
    }

    /** The answer to an unknown command. */
    static String unknown(Command.Unknown u) {
        return (u.word().isEmpty() ? "That is not a command." : "Unknown command \"" + u.word() + "\".")
                + " Send \"help\" for the list.";
    }

    /** The answer to {@code status}, without portal rooms. */
    static String status(List<RelationStatus> relations, boolean loggedOut, Instant now) {
        return status(relations, List.of(), loggedOut, now);
    }

    /** The answer to {@code status}: the hosting bridges, then the portal rooms this bridge created. */
    static String status(List<RelationStatus> relations, List<StateStore.StoredPortal> portals, boolean loggedOut,
                         Instant now) {
        StringBuilder out = new StringBuilder();
        if (loggedOut) {
            out.append("Logged out: not bridging. Send \"login\" to bridge again.\n");
        }
        if (!portals.isEmpty()) {
            out.append("Portal rooms of this bridge:\n");
            for (StateStore.StoredPortal p : portals) {
                out.append("  ").append(p.channel()).append(" on ").append(p.network().id()).append(" = ")
                        .append(p.room()).append(switch (p.stage()) {
                            case LIVE -> ": bridged by this bridge";
                            case RETIRING, RETIRED -> ": retired, " + p.channel() + " is bridged in "
                                    + p.replacement().map(RoomId::value).orElse("another room");
                        }).append('\n');
            }
        }
        if (relations.isEmpty() && !portals.isEmpty()) {
            return out.toString().stripTrailing();
        }
        if (relations.isEmpty()) {
            out.append("No bridged rooms found yet: none of your rooms has a hosting bridge for a network this"
                    + " bridge serves.");
            return out.toString();
        }
        for (RelationStatus r : relations) {
            out.append(r.key().hbBot()).append(" on ").append(r.key().network().id()).append(": ")
                    .append(describe(r, now)).append('\n');
            for (RoomStatus room : r.rooms()) {
                out.append("  ").append(room.channel()).append(" = ").append(room.room()).append('\n');
            }
        }
        return out.toString().stripTrailing();
    }

    private static String describe(RelationStatus r, Instant now) {
        if (r.endedWith().isPresent() && r.state().map(s -> !(s instanceof VisitingState.Trusted)).orElse(true)) {
            return "not bridging (" + r.endedWith().get() + ")";
        }
        if (r.state().isEmpty()) {
            return "not started";
        }
        VisitingState s = r.state().get();
        if (s instanceof VisitingState.Trusted t) {
            String base = "trusted (epoch " + t.receipt().epoch() + ")";
            if (t.lapsed()) {
                return base + ", lease lapsed: the hosting bridge relays you until it renews";
            }
            long left = Math.max(0, Duration.between(now, t.leaseUntil()).toSeconds());
            return base + ", lease live for " + left + " s more: this bridge relays you";
        }
        if (s instanceof VisitingState.Releasing) {
            return "logging out: waiting for the hosting bridge to confirm";
        }
        if (s instanceof VisitingState.Ended e) {
            return "ended (" + e.code() + "): " + e.reason();
        }
        if (s instanceof VisitingState.Failed f) {
            return "handshake failed (" + f.code().value() + "): " + f.reason();
        }
        if (s instanceof VisitingState.Idle) {
            return "idle";
        }
        return "handshake under way";
    }
}
