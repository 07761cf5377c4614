package dev.byob.kit.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import dev.byob.protocol.id.UserId;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Who may do what in a room, read from its {@code m.room.power_levels} and {@code m.room.create} state events
 * with the spec's defaults: without a power-levels event the creator has 100 and everyone else 0, and state
 * events need 0; with one, state events need {@code state_default} (50 unless given). From room version 12 on,
 * the creators (the create event's sender and its {@code additional_creators}) outrank everyone.
 */
public final class PowerLevels {
    private final Map<String, Long> users;
    private final long usersDefault;
    private final Map<String, Long> events;
    private final long stateDefault;
    private final Set<String> creators;
    private final boolean creatorsOutrank;

    private PowerLevels(Map<String, Long> users, long usersDefault, Map<String, Long> events, long stateDefault,
                        Set<String> creators, boolean creatorsOutrank) {
        this.users = users;
        this.usersDefault = usersDefault;
        this.events = events;
        this.stateDefault = stateDefault;
        this.creators = creators;
        this.creatorsOutrank = creatorsOutrank;
    }

    /** The power levels of a room whose current state is {@code state} (as {@link MatrixClient#getRoomState}). */
    public static PowerLevels of(List<JsonNode> state) {
        Objects.requireNonNull(state, "state");
        JsonNode create = null;
        JsonNode levels = null;
        for (JsonNode event : state) {
            if (!event.path("state_key").asText("-").isEmpty()) {
                continue;
            }
            switch (event.path("type").asText("")) {
                case "m.room.create" -> create = event;
                case "m.room.power_levels" -> levels = event.path("content");
                default -> {
                }
            }
        }
        Set<String> creators = new HashSet<>();
        boolean outrank = false;
        if (create != null) {
            JsonNode content = create.path("content");
            String creator = content.path("creator").asText(create.path("sender").asText(""));
            if (!creator.isEmpty()) {
                creators.add(creator);
            }
            content.path("additional_creators").forEach(c -> creators.add(c.asText("")));
            outrank = versionAtLeast12(content.path("room_version").asText("1"));
        }
        if (levels == null) {
            Map<String, Long> users = new HashMap<>();
            creators.forEach(c -> users.put(c, 100L));
            return new PowerLevels(users, 0, Map.of(), 0, creators, outrank);
        }
        return new PowerLevels(levelMap(levels.path("users")), level(levels.path("users_default"), 0),
                levelMap(levels.path("events")), level(levels.path("state_default"), 50), creators, outrank);
    }

    /** {@code user}'s power level ({@link Long#MAX_VALUE} for a creator who outranks everyone). */
    public long of(UserId user) {
        if (creatorsOutrank && creators.contains(user.value())) {
            return Long.MAX_VALUE;
        }
        return users.getOrDefault(user.value(), usersDefault);
    }

    /** The power level needed to send a state event of {@code type}. */
    public long toSendState(String type) {
        return events.getOrDefault(type, stateDefault);
    }

    /** Whether {@code user} may send a state event of {@code type}. */
    public boolean maySendState(UserId user, String type) {
        return of(user) >= toSendState(type);
    }

    private static boolean versionAtLeast12(String version) {
        try {
            return Integer.parseInt(version) >= 12;
        } catch (NumberFormatException e) {
            return false; // an experimental or custom version: its rules are unknown here
        }
    }

    private static Map<String, Long> levelMap(JsonNode node) {
        Map<String, Long> map = new HashMap<>();
        node.fields().forEachRemaining(e -> map.put(e.getKey(), level(e.getValue(), 0)));
        return map;
    }

    /** A level as rooms store it: a number, or in old rooms a string of digits. */
    private static long level(JsonNode node, long fallback) {
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue().strip());
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        return fallback;
    }
}
