package dev.byob.kit.matrix;

import java.util.HashMap;
import java.util.Map;

/**
 * The {@code errcode} of a Matrix error response. Constants are named exactly as the code on the wire,
 * e.g. {@link #M_FORBIDDEN}; a code this enum does not list, or a response without one, is
 * {@link #UNKNOWN}, and {@link MatrixException#rawErrcode()} keeps the string as received.
 *
 * <p>{@link #M_UNKNOWN} is the specification's own "an unknown error has occurred"; {@link #UNKNOWN}
 * means "not a code listed here".
 */
public enum ErrorCode {
    /** Forbidden access, e.g. joining a room without permission. */
    M_FORBIDDEN,
    /** The access token was not recognised. */
    M_UNKNOWN_TOKEN,
    /** No access token was sent. */
    M_MISSING_TOKEN,
    /** Valid JSON, but malformed, e.g. a missing key. */
    M_BAD_JSON,
    /** The request was not JSON. */
    M_NOT_JSON,
    /** No resource was found, e.g. a state event that is not set. */
    M_NOT_FOUND,
    /** Too many requests: wait {@link MatrixException#retryAfter()} and try again. */
    M_LIMIT_EXCEEDED,
    /** The homeserver's own "unknown error"; the HTTP status says more. */
    M_UNKNOWN,
    /** The server did not understand the request, e.g. an unsupported endpoint. */
    M_UNRECOGNIZED,
    /** The request was not correctly authorized. */
    M_UNAUTHORIZED,
    /** The user has been deactivated. */
    M_USER_DEACTIVATED,
    /** The user is locked. */
    M_USER_LOCKED,
    /** The user is suspended. */
    M_USER_SUSPENDED,
    /** Registering a user id that is taken. */
    M_USER_IN_USE,
    /** Registering a user id that is not valid. */
    M_INVALID_USERNAME,
    /** The alias given to {@code createRoom} is taken. */
    M_ROOM_IN_USE,
    /** The initial state given to {@code createRoom} is invalid. */
    M_INVALID_ROOM_STATE,
    /** The room version asked for is not supported. */
    M_UNSUPPORTED_ROOM_VERSION,
    /** The room's version is not supported by this homeserver. */
    M_INCOMPATIBLE_ROOM_VERSION,
    /** The state change cannot be performed, e.g. unbanning someone not banned. */
    M_BAD_STATE,
    /** The room does not allow guests. */
    M_GUEST_ACCESS_FORBIDDEN,
    /** A required parameter is missing. */
    M_MISSING_PARAM,
    /** A parameter has a wrong value. */
    M_INVALID_PARAM,
    /** The request or entity is too large. */
    M_TOO_LARGE,
    /**
     * The resource is reserved by an application service, or the application service making the request
     * has not created it (e.g. acting as a ghost it never registered).
     */
    M_EXCLUSIVE,
    /** The homeserver reached a resource limit. */
    M_RESOURCE_LIMIT_EXCEEDED,
    /** The server notices room cannot be left. */
    M_CANNOT_LEAVE_SERVER_NOTICE_ROOM,
    /** A code not listed here, or no code at all. */
    UNKNOWN;

    private static final Map<String, ErrorCode> BY_WIRE_NAME = new HashMap<>();

    static {
        for (ErrorCode code : values()) {
            if (code != UNKNOWN) {
                BY_WIRE_NAME.put(code.name(), code);
            }
        }
    }

    /** The constant for {@code errcode}; {@link #UNKNOWN} for {@code null} or a code not listed. */
    public static ErrorCode of(String errcode) {
        return errcode == null ? UNKNOWN : BY_WIRE_NAME.getOrDefault(errcode, UNKNOWN);
    }
}
