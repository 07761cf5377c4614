package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.kit.irc.Formatting;
import java.util.Optional;
import java.util.Set;

/**
 * Which of the user's Matrix messages the visiting bridge relays: {@code m.text}, {@code m.emote} and
 * {@code m.notice} only, where the hosting bridge also relays other text types as text. The mapping itself
 * is the bridge kit's {@link Formatting}, used without a {@code <nick>} prefix: the user has a connection
 * of their own.
 */
final class RelayText {
    private static final Set<String> RELAYED = Set.of("m.text", "m.emote", "m.notice");

    private RelayText() {
    }

    /** An {@code m.text}, {@code m.emote} or {@code m.notice} content with a non-blank body; empty otherwise. */
    static Optional<Formatting.Message> fromMatrix(JsonNode content) {
        return RELAYED.contains(content.path("msgtype").asText("")) ? Formatting.fromMatrix(content) : Optional.empty();
    }

    /**
     * Whether {@code observed}, a line or event without a relay mark, says the user's {@code pending} text (§12.6):
     * the whole text, or its first line (a relay is one line per body line); with {@code prefixed}, also after a
     * relay bot's prefix such as {@code <alice> }. Blank texts match nothing.
     */
    static boolean sameText(String pending, String observed, boolean prefixed) {
        if (pending.isBlank() || observed.isBlank()) {
            return false;
        }
        String firstLine = pending.lines().findFirst().orElse("");
        return observed.equals(pending) || (!firstLine.isBlank() && (observed.equals(firstLine)
                || prefixed && observed.endsWith(" " + firstLine)));
    }
}
