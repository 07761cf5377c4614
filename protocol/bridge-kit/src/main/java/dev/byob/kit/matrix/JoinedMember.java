package dev.byob.kit.matrix;

import java.util.Objects;
import java.util.Optional;

/**
 * A joined member of a room as {@code /joined_members} describes them.
 *
 * @param displayName the member's display name in the room, if set
 * @param avatarUrl the member's avatar ({@code mxc://} URI), if set
 */
public record JoinedMember(Optional<String> displayName, Optional<String> avatarUrl) {
    /** Requires the parts. */
    public JoinedMember {
        Objects.requireNonNull(displayName, "displayName");
        Objects.requireNonNull(avatarUrl, "avatarUrl");
    }
}
