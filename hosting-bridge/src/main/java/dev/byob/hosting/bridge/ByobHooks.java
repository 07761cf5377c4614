package dev.byob.hosting.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.remote.IrcAccountProof;
import dev.byob.protocol.remote.irc.IrcMessage;
import java.time.Instant;
import java.util.Optional;

/**
 * The byob side as the bridge core drives it: the {@link RelayGate} questions, and what the core observes for
 * the protocol (events in the bot's rooms, to-device events, private messages to the bot on IRC, a network's
 * case mapping) and the timer. Every method is called on the core thread and must not block.
 */
public interface ByobHooks extends RelayGate {

    /**
     * An event in a room the bot is in, or an invite of the bot; {@code direct} when the room's joined members
     * are exactly the bot and the event's sender.
     */
    void onRoomEvent(RoomId room, JsonNode event, boolean direct);

    /** A to-device event sent to the bot. */
    void onToDevice(JsonNode event);

    /** A PRIVMSG addressed to the bot's own nick on {@code network}, with its tags. */
    void onBotPrivateMessage(Network network, IrcMessage line);

    /**
     * Whether relay marks can be used on {@code network}: the bot's connection has {@code message-tags}, so lines
     * carry {@code +byob.dev/origin} and {@code msgid}. Without them, relays are matched by text (spec §12.6).
     */
    void relayMarks(Network network, boolean usable);

    /** {@code network} advertised this {@code CASEMAPPING}. */
    void caseMapping(Network network, IrcAccountProof.CaseMapping mapping);

    /** When {@link #tick()} is next due, if ever; asked again after every call. */
    Optional<Instant> nextDeadline();

    /** Time passed; called at (or after) {@link #nextDeadline()}. */
    void tick();
}
