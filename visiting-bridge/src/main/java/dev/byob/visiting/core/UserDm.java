package dev.byob.visiting.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.matrix.CreateRoomOptions;
import dev.byob.kit.matrix.DirectChats;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixRequestException;
import dev.byob.kit.matrix.RoomPreset;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.UserId;
import dev.byob.visiting.store.StateStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge bot's DM with its user: where the user's commands arrive and the bridge's notices go. The bot
 * joins a DM the user invites it to, or opens one itself for its first notice; the room is remembered in the
 * {@link StateStore}. Only the user's own messages there are commands. Without a bot account (the user's account
 * speaks for the bridge) there is no such DM and notices go to the log. Used from the core thread.
 */
final class UserDm {
    private static final Logger LOG = LoggerFactory.getLogger(UserDm.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Optional<MatrixClient> bot;
    private final UserId botId;
    private final UserId user;
    private final StateStore store;
    private final SecureRandom random = new SecureRandom();
    private final List<String> told = Collections.synchronizedList(new ArrayList<>());
    private RoomId room;

    /** With {@code bot} empty, notices are only logged. */
    UserDm(Optional<MatrixClient> bot, UserId botId, UserId user, StateStore store) {
        this.bot = bot;
        this.botId = botId;
        this.user = user;
        this.store = store;
        this.room = bot.isPresent() ? store.dms(StateStore.DmOwner.CONTROL).get(user) : null;
    }

    /** Whether {@code r} is this DM. */
    boolean is(RoomId r) {
        return r.equals(room);
    }

    /** The notices given so far, in order. */
    List<String> told() {
        synchronized (told) {
            return List.copyOf(told);
        }
    }

    /** An invite of the bot, with its stripped state: from the user, the room becomes this DM; others are ignored. */
    void invited(RoomId invitedTo, JsonNode inviteState) {
        if (bot.isEmpty() || invitedTo.equals(room)) {
            return;
        }
        for (JsonNode e : inviteState) {
            if ("m.room.member".equals(e.path("type").asText()) && botId.value().equals(e.path("state_key").asText())
                    && user.value().equals(e.path("sender").asText())
                    && "invite".equals(e.path("content").path("membership").asText())) {
                try {
                    bot.get().join(invitedTo);
                } catch (MatrixRequestException ex) {
                    LOG.warn("could not join the DM {} the user invited the bot to: {}", invitedTo, ex.getMessage());
                    return;
                }
                room = invitedTo;
                store.dm(StateStore.DmOwner.CONTROL, user, invitedTo);
                LOG.info("the user's DM with the bot is {}", invitedTo);
                say("Hello. I am your visiting bridge. " + Commands.HELP);
                return;
            }
        }
    }

    /** The command in {@code event}, an event of this DM, if it is a message the user sent. */
    Optional<Commands.Command> command(JsonNode event) {
        if (!"m.room.message".equals(event.path("type").asText())
                || !user.value().equals(event.path("sender").asText())) {
            return Optional.empty();
        }
        return Optional.of(Commands.parse(event.path("content").path("body").asText("")));
    }

    /** Tells the user {@code text}, opening the DM first if there is none yet. */
    void tell(String text) {
        if (bot.isPresent() && room == null) {
            try {
                room = bot.get().createRoom(CreateRoomOptions.builder().direct(true)
                        .preset(RoomPreset.TRUSTED_PRIVATE_CHAT).invite(user).build());
            } catch (MatrixRequestException e) {
                LOG.warn("could not create the bot's DM with the user ({}); the notice was: {}", e.getMessage(), text);
                return;
            }
            store.dm(StateStore.DmOwner.CONTROL, user, room);
            try {
                DirectChats.update(bot.get(), botId, user, room, null);
            } catch (MatrixRequestException e) {
                LOG.warn("could not record {} in the m.direct of the bot: {}", room, e.getMessage());
            }
            LOG.info("created the bot's DM {} with the user", room);
        }
        say(text);
    }

    /** Answers in the DM (a command's reply); logged when there is none. */
    void say(String text) {
        told.add(text);
        if (bot.isEmpty() || room == null) {
            LOG.info("for the user: {}", text);
            return;
        }
        ObjectNode content = JSON.createObjectNode().put("msgtype", "m.notice").put("body", text);
        byte[] txn = new byte[8];
        random.nextBytes(txn);
        try {
            bot.get().sendMessageEvent(room, "m.room.message", content, "byob.notice." + HexFormat.of().formatHex(txn));
        } catch (MatrixRequestException e) {
            LOG.warn("could not tell the user ({}): {}", e.getMessage(), text);
        }
    }
}
