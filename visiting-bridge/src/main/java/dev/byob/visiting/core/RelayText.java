package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The user's own messages as the visiting bridge relays them: {@code m.text} ↔ {@code PRIVMSG}, {@code m.emote} ↔
 * CTCP {@code ACTION}, {@code m.notice} ↔ {@code NOTICE}, sent from the user's own connection and so without a
 * {@code <nick>} prefix. The same mapping as the hosting bridge's {@code Formatting}, for a user with a
 * connection of their own: a candidate for the bridge kit.
 */
final class RelayText {
    /** At most this many IRC lines for one Matrix message; the last one kept ends with {@link #CUT}. */
    static final int MAX_LINES = 8;
    static final String CUT = " [...]";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char CTCP = '\u0001';
    private static final String ACTION_PREFIX = CTCP + "ACTION ";
    /** A server shows a sender as {@code nick!user@host}: a generous guess at the user and host. */
    private static final int USER_HOST_ESTIMATE = 10 + 63 + 2;
    private static final Pattern IRC_FORMATTING = Pattern.compile(
            "\\x03(?:\\d{1,2}(?:,\\d{1,2})?)?|\\x04(?:[0-9A-Fa-f]{6}(?:,[0-9A-Fa-f]{6})?)?|[\\x02\\x0F\\x16\\x1D\\x1F\\x1E\\x11]");

    enum Kind { TEXT, EMOTE, NOTICE }

    /** A message's kind and text, the same on both sides. */
    record Message(Kind kind, String text) {
    }

    private RelayText() {
    }

    /** An {@code m.text}, {@code m.emote} or {@code m.notice} content with a non-blank body; empty otherwise. */
    static Optional<Message> fromMatrix(JsonNode content) {
        JsonNode body = content.get("body");
        if (body == null || !body.isTextual() || body.textValue().isBlank()) {
            return Optional.empty();
        }
        Kind kind = switch (content.path("msgtype").asText("")) {
            case "m.text" -> Kind.TEXT;
            case "m.emote" -> Kind.EMOTE;
            case "m.notice" -> Kind.NOTICE;
            default -> null;
        };
        return kind == null ? Optional.empty() : Optional.of(new Message(kind, body.textValue()));
    }

    /** The lines from the user's connection (nick {@code nick}) that say {@code message} in {@code channel}. */
    static List<IrcMessage> toIrc(Message message, String channel, String nick) {
        String command = message.kind() == Kind.NOTICE ? "NOTICE" : "PRIVMSG";
        boolean action = message.kind() == Kind.EMOTE;
        int budget = IrcMessage.textBudget(command, channel, nick.length() + USER_HOST_ESTIMATE)
                - (action ? ACTION_PREFIX.length() + 1 : 0);
        List<String> pieces = IrcMessage.splitText(message.text(), Math.max(16, budget));
        if (pieces.size() > MAX_LINES) {
            List<String> kept = new ArrayList<>(pieces.subList(0, MAX_LINES));
            String last = kept.get(MAX_LINES - 1);
            kept.set(MAX_LINES - 1, IrcMessage.splitText(last, Math.max(16, budget - CUT.length())).get(0) + CUT);
            pieces = kept;
        }
        List<IrcMessage> lines = new ArrayList<>(pieces.size());
        for (String piece : pieces) {
            lines.add(IrcMessage.of(command, channel, action ? ACTION_PREFIX + piece + CTCP : piece));
        }
        return lines;
    }

    /** A {@code PRIVMSG} (CTCP {@code ACTION} included) or {@code NOTICE} without IRC formatting; empty otherwise. */
    static Optional<Message> fromIrc(IrcMessage line) {
        if (!line.is("PRIVMSG") && !line.is("NOTICE")) {
            return Optional.empty();
        }
        String text = line.param(1).orElse("");
        Kind kind = line.is("NOTICE") ? Kind.NOTICE : Kind.TEXT;
        if (!text.isEmpty() && text.charAt(0) == CTCP) {
            String inner = text.substring(1, text.length() > 1 && text.charAt(text.length() - 1) == CTCP
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
    static ObjectNode toMatrix(Message message) {
        String msgtype = switch (message.kind()) {
            case TEXT -> "m.text";
            case EMOTE -> "m.emote";
            case NOTICE -> "m.notice";
        };
        return JSON.createObjectNode().put("msgtype", msgtype).put("body", message.text());
    }
}
