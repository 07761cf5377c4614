package dev.byob.kit.matrix;

import dev.byob.protocol.id.UserId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What {@link MatrixClient#createRoom} asks for. Build one with {@link #builder()}.
 *
 * @param name the room name, if any
 * @param topic the room topic, if any
 * @param invite users invited at creation
 * @param isDirect whether the invites are for a direct chat ({@code is_direct}); the inviter still
 *     records the room in its {@code m.direct} account data itself
 * @param preset the preset, if any
 * @param initialState state events the room starts with
 * @param extra further {@code createRoom} fields as sent (e.g. {@code power_level_content_override},
 *     {@code room_version}, {@code creation_content}); they must not repeat the typed ones
 */
public record CreateRoomOptions(Optional<String> name, Optional<String> topic, List<UserId> invite, boolean isDirect,
                                Optional<RoomPreset> preset, List<InitialStateEvent> initialState,
                                Map<String, Object> extra) {

    private static final Set<String> TYPED = Set.of("name", "topic", "invite", "is_direct", "preset", "initial_state");

    /** Copies the collections and checks {@code extra} does not repeat a typed field. */
    public CreateRoomOptions {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topic, "topic");
        invite = List.copyOf(invite);
        Objects.requireNonNull(preset, "preset");
        initialState = List.copyOf(initialState);
        extra = Collections.unmodifiableMap(new LinkedHashMap<>(extra));
        for (String key : extra.keySet()) {
            if (TYPED.contains(key)) {
                throw new IllegalArgumentException("'" + key + "' has its own option; do not pass it in extra");
            }
        }
    }

    /** A builder with nothing set: the homeserver's defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link CreateRoomOptions}. */
    public static final class Builder {
        private String name;
        private String topic;
        private final List<UserId> invite = new ArrayList<>();
        private boolean isDirect;
        private RoomPreset preset;
        private final List<InitialStateEvent> initialState = new ArrayList<>();
        private final Map<String, Object> extra = new LinkedHashMap<>();

        private Builder() {
        }

        /** The room name. */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /** The room topic. */
        public Builder topic(String topic) {
            this.topic = Objects.requireNonNull(topic, "topic");
            return this;
        }

        /** Adds users to invite. */
        public Builder invite(UserId... users) {
            invite.addAll(Arrays.asList(users));
            return this;
        }

        /** Marks the invites as a direct chat. */
        public Builder direct(boolean isDirect) {
            this.isDirect = isDirect;
            return this;
        }

        /** The preset. */
        public Builder preset(RoomPreset preset) {
            this.preset = Objects.requireNonNull(preset, "preset");
            return this;
        }

        /** Adds a state event the room starts with. */
        public Builder initialState(String type, String stateKey, Object content) {
            initialState.add(new InitialStateEvent(type, stateKey, content));
            return this;
        }

        /** Sets a further {@code createRoom} field, sent as is. */
        public Builder extra(String field, Object value) {
            extra.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(value, "value"));
            return this;
        }

        /** The options. */
        public CreateRoomOptions build() {
            return new CreateRoomOptions(Optional.ofNullable(name), Optional.ofNullable(topic), invite, isDirect,
                    Optional.ofNullable(preset), initialState, extra);
        }
    }
}
