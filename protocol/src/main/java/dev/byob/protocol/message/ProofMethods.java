package dev.byob.protocol.message;

import java.util.List;

/** The proof method names this version of the protocol defines. Unknown names are ignored, not refused. */
public final class ProofMethods {
    /** The user's account sends the proof in a DM with the hosting bridge's bot. Every HB supports it. */
    public static final String MATRIX_DM = "dm";
    /** The user's account sends the proof as a to-device message to the hosting bridge's bot. */
    public static final String MATRIX_TO_DEVICE = "to_device";
    /** The user's account sends the proof as a non-rendered event in the bridged room. */
    public static final String MATRIX_ROOM_EVENT = "room_event";
    /** The visiting bridge hands over an OpenID token of the user's, checked with the user's homeserver. */
    public static final String MATRIX_OPENID = "openid";
    /** IRC: the nonce sent by PRIVMSG from a connection logged in to the services account. */
    public static final String IRC_ACCOUNT_PRIVMSG = "irc.account_privmsg";

    /** Every Matrix proof method, in this implementation's order of preference. */
    public static final List<String> MATRIX_ALL = List.of(MATRIX_DM, MATRIX_TO_DEVICE, MATRIX_ROOM_EVENT, MATRIX_OPENID);

    private ProofMethods() {}
}
