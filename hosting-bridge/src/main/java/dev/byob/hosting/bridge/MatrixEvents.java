package dev.byob.hosting.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.kit.irc.Formatting;
import dev.byob.hosting.appservice.GhostNamespace;
import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import java.util.Optional;
import java.util.function.Predicate;

/** What the core does with one event from the homeserver, decided from the event alone. */
public final class MatrixEvents {
    private MatrixEvents() {
    }

    /** The decision. */
    public sealed interface Decision {
    }

    /** A person's message in a bridged room, to relay to IRC. */
    public record Relay(UserId sender, RoomId room, EventId event, Formatting.Message message) implements Decision {
    }

    /** A person joined a bridged room. */
    public record Joined(UserId user, RoomId room) implements Decision {
    }

    /** A person left (or was kicked or banned from) a bridged room. */
    public record Left(UserId user, RoomId room) implements Decision {
    }

    /** The bot was invited to a room: it may be a room to bridge later, by an admin's command. */
    public record BotInvited(RoomId room, UserId inviter) implements Decision {
    }

    /** Nothing to do, and why. */
    public record Ignore(String why) implements Decision {
    }

    /**
     * Decides what {@code event} asks of the bridge.
     *
     * @param bot the bridge's bot
     * @param ghosts the bridge's ghosts: their events are the bridge's own echoes
     * @param bridged whether a room is bridged
     */
    public static Decision decide(JsonNode event, UserId bot, GhostNamespace ghosts, Predicate<RoomId> bridged) {
        String type = event.path("type").asText("");
        String senderText = event.path("sender").asText("");
        String roomText = event.path("room_id").asText("");
        UserId sender;
        RoomId room;
        try {
            sender = UserId.parse(senderText);
            room = RoomId.parse(roomText);
        } catch (IllegalArgumentException e) {
            return new Ignore("no valid sender or room");
        }
        if ("m.room.member".equals(type)) {
            String membership = event.path("content").path("membership").asText("");
            String target = event.path("state_key").asText("");
            if (target.equals(bot.value())) {
                return "invite".equals(membership) ? new BotInvited(room, sender) : new Ignore("the bot's membership");
            }
            if (ghosts.contains(target)) {
                return new Ignore("a ghost's membership");
            }
            if (!bridged.test(room)) {
                return new Ignore("not a bridged room");
            }
            UserId user;
            try {
                user = UserId.parse(target);
            } catch (IllegalArgumentException e) {
                return new Ignore("no valid state key");
            }
            String before = event.path("unsigned").path("prev_content").path("membership").asText("");
            return switch (membership) {
                case "join" -> "join".equals(before) ? new Ignore("a profile change") : new Joined(user, room);
                case "leave", "ban" -> new Left(user, room);
                default -> new Ignore("membership " + membership);
            };
        }
        if (sender.equals(bot) || ghosts.contains(senderText)) {
            return new Ignore("the bridge's own echo");
        }
        if (!bridged.test(room)) {
            return new Ignore("not a bridged room");
        }
        if (!"m.room.message".equals(type)) {
            return new Ignore("event type " + type);
        }
        if (!event.path("content").path("m.relates_to").path("rel_type").asText("").isEmpty()
                && "m.replace".equals(event.path("content").path("m.relates_to").path("rel_type").asText())) {
            return new Ignore("an edit");
        }
        EventId id;
        try {
            id = EventId.parse(event.path("event_id").asText(""));
        } catch (IllegalArgumentException e) {
            return new Ignore("no valid event id");
        }
        Optional<Formatting.Message> message = Formatting.fromMatrix(event.path("content"));
        if (message.isEmpty()) {
            return new Ignore("not a text message");
        }
        return new Relay(sender, room, id, message.get());
    }
}
