package dev.byob.kit.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;

/**
 * The homeserver answered with an error: its HTTP status, the Matrix {@code errcode} (as an
 * {@link ErrorCode}, with the string as received in {@link #rawErrcode()}), the human-readable
 * {@code error}, and how long to wait before trying again when the homeserver said so.
 *
 * <p>Also thrown for a success status whose body is not the JSON the endpoint promises; such an
 * exception has {@link ErrorCode#UNKNOWN} and no raw errcode.
 */
public final class MatrixException extends MatrixRequestException {
    private static final long serialVersionUID = 1L;
    private static final int MAX_TEXT = 300;

    private final int status;
    private final ErrorCode errcode;
    private final String rawErrcode;
    private final String error;
    private final Duration retryAfter;
    private final transient JsonNode body;

    /**
     * @param request the method and path
     * @param status the HTTP status
     * @param rawErrcode the {@code errcode} as received, or {@code null} if the answer had none
     * @param error the {@code error} text, or a description of the answer
     * @param retryAfter how long the homeserver asked to wait, or {@code null}
     * @param body the answer's JSON body ({@code null}: none or not JSON)
     */
    public MatrixException(String request, int status, String rawErrcode, String error, Duration retryAfter,
                           JsonNode body) {
        super(request, describe(status, rawErrcode, error, retryAfter), null);
        this.status = status;
        this.rawErrcode = rawErrcode;
        this.errcode = ErrorCode.of(rawErrcode);
        this.error = Objects.requireNonNullElse(error, "");
        this.retryAfter = retryAfter;
        this.body = body != null ? body.deepCopy() : JsonNodeFactory.instance.objectNode();
    }

    private static String describe(int status, String rawErrcode, String error, Duration retryAfter) {
        StringBuilder sb = new StringBuilder("HTTP ").append(status);
        if (rawErrcode != null) {
            sb.append(' ').append(rawErrcode);
        }
        if (error != null && !error.isEmpty()) {
            sb.append(": ").append(error);
        }
        if (retryAfter != null) {
            sb.append(" (retry after ").append(retryAfter.toMillis()).append(" ms)");
        }
        return sb.toString();
    }

    /**
     * Reads an error answer. The wait comes from the {@code Retry-After} header when present (seconds or
     * an HTTP date), else from {@code retry_after_ms} in the body, as the specification orders them.
     */
    static MatrixException fromResponse(String request, int status, String retryAfterHeader, byte[] body,
                                        ObjectMapper json, Instant now) {
        JsonNode parsed = null;
        try {
            JsonNode tree = body.length == 0 ? null : json.readTree(body);
            if (tree != null && tree.isObject()) {
                parsed = tree;
            }
        } catch (IOException e) {
            // Not JSON, e.g. a proxy's HTML page: described below.
        }
        String rawErrcode = null;
        String error;
        Duration retryAfter = parseRetryAfterHeader(retryAfterHeader, now);
        if (parsed != null) {
            JsonNode code = parsed.get("errcode");
            rawErrcode = code != null && code.isTextual() ? code.textValue() : null;
            JsonNode text = parsed.get("error");
            error = text != null && text.isTextual() ? text.textValue() : "";
            JsonNode ms = parsed.get("retry_after_ms");
            if (retryAfter == null && ms != null && ms.canConvertToLong() && ms.asLong() >= 0) {
                retryAfter = Duration.ofMillis(ms.asLong());
            }
        } else {
            error = body.length == 0 ? "no body" : "not a JSON object: " + snippet(body);
        }
        return new MatrixException(request, status, rawErrcode, error, retryAfter, parsed);
    }

    /** A success status whose body is not what the endpoint promises. */
    static MatrixException badAnswer(String request, int status, String what) {
        return new MatrixException(request, status, null, "unexpected answer: " + what, null, null);
    }

    static Duration parseRetryAfterHeader(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String trimmed = value.trim();
        try {
            long seconds = Long.parseLong(trimmed);
            return seconds >= 0 ? Duration.ofSeconds(seconds) : null;
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                Duration wait = Duration.between(now, at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }

    private static String snippet(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT) + "...";
    }

    /** The HTTP status. */
    public int status() {
        return status;
    }

    /** The error code; {@link ErrorCode#UNKNOWN} when it is not one listed there, or absent. */
    public ErrorCode errcode() {
        return errcode;
    }

    /** The {@code errcode} exactly as received, or {@code null} if the answer had none. */
    public String rawErrcode() {
        return rawErrcode;
    }

    /** The human-readable {@code error}, or a description of an answer that was not a Matrix error; never null. */
    public String error() {
        return error;
    }

    /** How long the homeserver asked to wait before trying again, if it did. */
    public Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }

    /** Whether the homeserver refused because of rate limiting ({@code M_LIMIT_EXCEEDED} or HTTP 429). */
    public boolean isRateLimited() {
        return errcode == ErrorCode.M_LIMIT_EXCEEDED || status == 429;
    }

    /** The error answer's JSON object (a copy; empty if it had none), for extra keys such as {@code soft_logout}. */
    public JsonNode body() {
        return body == null ? JsonNodeFactory.instance.objectNode() : body.deepCopy();
    }
}
