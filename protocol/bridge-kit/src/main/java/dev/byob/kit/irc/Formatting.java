package dev.byob.kit.irc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns Matrix message events into IRC lines and IRC lines into Matrix message content: {@code m.text} ↔
 * {@code PRIVMSG}, {@code m.emote} ↔ CTCP {@code ACTION}, {@code m.notice} ↔ {@code NOTICE}.
 */
public final class Formatting {
    /** At most this many IRC lines are sent for one Matrix message; the rest is cut with {@link #CUT}. */
    public static final int MAX_LINES = 8;
    /** What ends the last line when a message was longer than {@link #MAX_LINES} lines. */
    public static final String CUT = " [...]";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char CTCP = '\u0001';
    private static final String ACTION_PREFIX = CTCP + "ACTION ";
    /** A server shows a sender as {@code nick!user@host}: a generous guess at the user and host. */
    private static final int USER_HOST_ESTIMATE = 10 + 63 + 2;
    /** IRC formatting: bold, colour (with its numbers), hex colour, reset, reverse, italics, underline, strike, monospace. */
    private static final Pattern IRC_FORMATTING = Pattern.compile(
            "\\x03(?:\\d{1,2}(?:,\\d{1,2})?)?|\\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?|[\\x02\\x0F\\x16\\x1D\\x1F\\x1E\\x11]");

    private Formatting() {
    }

    /** The kind of a message, the same on both sides. */
    public enum Kind {
        /** {@code m.text}, {@code PRIVMSG}. */
        TEXT,
        /** {@code m.emote}, CTCP {@code ACTION}. */
        EMOTE,
        /** {@code m.notice}, {@code NOTICE}. */
        NOTICE
    }

    /** A message's kind and text. */
    public record Message(Kind kind, String text) {
    }

    /**
     * The kind and text of a Matrix {@code m.room.message} content, or empty for message types not relayed as
     * text (files, locations...) and a content without a text {@code body}. Other text types relay their body.
     */
    public static Optional<Message> fromMatrix(JsonNode content) {
        JsonNode body = content.get("body");
        if (body == null || !body.isTextual() || body.textValue().isBlank()) {
            return Optional.empty();
        }
        String msgtype = content.path("msgtype").asText("");
        Kind kind = switch (msgtype) {
            case "m.emote" -> Kind.EMOTE;
            case "m.notice" -> Kind.NOTICE;
            case "m.text" -> Kind.TEXT;
            case "m.image", "m.file", "m.audio", "m.video", "m.location" -> null;
            default -> Kind.TEXT;
        };
        return kind == null ? Optional.empty() : Optional.of(new Message(kind, body.textValue()));
    }

    /**
     * The lines that say {@code message} in {@code channel} from a connection with nick {@code nick}: one or
     * more per line of text, each within what the server relays, at most {@link #MAX_LINES}.
     *
     * @param relayedFor the Matrix user's name when the bridge's bot speaks for them ({@code <alice> text},
     *     {@code * alice waves}), or null when they have a connection of their own
     */
    public static List<IrcMessage> toIrc(Message message, String channel, String nick, String relayedFor) {
        String command = message.kind() == Kind.NOTICE ? "NOTICE" : "PRIVMSG";
        boolean action = message.kind() == Kind.EMOTE && relayedFor == null;
        String prefix = relayedFor == null ? ""
                : message.kind() == Kind.EMOTE ? "* " + relayedFor + " " : "<" + relayedFor + "> ";
        int budget = IrcMessage.textBudget(command, channel, nick.length() + USER_HOST_ESTIMATE)
                - IrcMessage.utf8Length(prefix) - (action ? ACTION_PREFIX.length() + 1 : 0);
        List<String> pieces = IrcMessage.splitText(message.text(), Math.max(16, budget));
        if (pieces.size() > MAX_LINES) {
            List<String> kept = new ArrayList<>(pieces.subList(0, MAX_LINES));
            String last = kept.get(MAX_LINES - 1);
            List<String> room = IrcMessage.splitText(last, Math.max(16, budget - CUT.length()));
            kept.set(MAX_LINES - 1, room.get(0) + CUT);
            pieces = kept;
        }
        List<IrcMessage> lines = new ArrayList<>(pieces.size());
        for (String piece : pieces) {
            String text = action ? ACTION_PREFIX + piece + CTCP : prefix + piece;
            lines.add(IrcMessage.of(command, channel, text));
        }
        return lines;
    }

    /**
     * The kind and text of an IRC {@code PRIVMSG} or {@code NOTICE}, without IRC formatting; empty for other
     * commands, CTCP requests other than {@code ACTION}, and empty text.
     */
    public static Optional<Message> fromIrc(IrcMessage line) {
        if (!line.is("PRIVMSG") && !line.is("NOTICE")) {
            return Optional.empty();
        }
        String text = line.param(1).orElse("");
        Kind kind = line.is("NOTICE") ? Kind.NOTICE : Kind.TEXT;
        if (!text.isEmpty() && text.charAt(0) == CTCP) {
            String inner = text.substring(1, text.endsWith(String.valueOf(CTCP)) && text.length() > 1
                    ? text.length() - 1 : text.length());
            if (!line.is("PRIVMSG") || !(inner.startsWith("ACTION ") || inner.equals("ACTION"))) {
                return Optional.empty();
            }
            kind = Kind.EMOTE;
            text = inner.length() > 7 ? inner.substring(7) : "";
        }
        text = IRC_FORMATTING.matcher(text).replaceAll("");
        return text.isBlank() ? Optional.empty() : Optional.of(new Message(kind, text));
    }

    /** The {@code m.room.message} content for {@code message}. */
    public static ObjectNode toMatrix(Message message) {
        String msgtype = switch (message.kind()) {
            case TEXT -> "m.text";
            case EMOTE -> "m.emote";
            case NOTICE -> "m.notice";
        };
        return JSON.createObjectNode().put("msgtype", msgtype).put("body", message.text());
    }
}
