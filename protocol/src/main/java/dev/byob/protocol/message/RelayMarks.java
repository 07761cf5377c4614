package dev.byob.protocol.message;

/**
 * The marks that make a message a relay (spec §12.1, §4.14), so that no bridge relays it back and the hosting
 * bridge can observe who relayed what.
 */
public final class RelayMarks {
    /** The IRCv3 client-only tag on a line relaying a Matrix event; its value is the event id. */
    public static final String ORIGIN_TAG = "+byob.dev/origin";
    /**
     * The content field of a Matrix event relaying a remote line: {@code {"network": {...}, "msgid": "..."}}.
     */
    public static final String SOURCE_FIELD = "org.matrix.msc3647.source";

    private RelayMarks() {
    }
}
