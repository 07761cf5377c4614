package dev.byob.kit.matrix;

/** The {@code preset} of {@code createRoom}: which join rules, history visibility and power levels a room starts with. */
public enum RoomPreset {
    /** Invite only; invitees can see history since they were invited. */
    PRIVATE_CHAT("private_chat"),
    /** Like {@link #PRIVATE_CHAT}, and every invitee gets the creator's power level: for direct chats. */
    TRUSTED_PRIVATE_CHAT("trusted_private_chat"),
    /** Anyone may join. */
    PUBLIC_CHAT("public_chat");

    private final String wireName;

    RoomPreset(String wireName) {
        this.wireName = wireName;
    }

    /** The value sent, e.g. {@code trusted_private_chat}. */
    public String wireName() {
        return wireName;
    }
}
