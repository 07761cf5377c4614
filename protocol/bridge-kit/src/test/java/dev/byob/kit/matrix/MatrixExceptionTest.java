package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class MatrixExceptionTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-10-21T07:28:00Z");

    private static MatrixException parse(int status, String header, String body) {
        return MatrixException.fromResponse("PUT /x", status, header, body.getBytes(StandardCharsets.UTF_8), JSON, NOW);
    }

    @Test
    void fromResponse_retryAfterMs_isTheWait() {
        MatrixException e = parse(429, null, "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"error\":\"slow\",\"retry_after_ms\":2500}");

        assertEquals(ErrorCode.M_LIMIT_EXCEEDED, e.errcode());
        assertEquals(Optional.of(Duration.ofMillis(2500)), e.retryAfter());
        assertTrue(e.isRateLimited());
        assertEquals("PUT /x failed: HTTP 429 M_LIMIT_EXCEEDED: slow (retry after 2500 ms)", e.getMessage());
    }

    @Test
    void fromResponse_headerSeconds_winOverTheBody() {
        assertEquals(Optional.of(Duration.ofSeconds(3)),
                parse(429, " 3 ", "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":2500}").retryAfter());
    }

    @Test
    void fromResponse_headerDate_isMeasuredFromNow() {
        assertEquals(Optional.of(Duration.ofSeconds(90)),
                parse(503, "Wed, 21 Oct 2026 07:29:30 GMT", "{}").retryAfter());
        assertEquals(Optional.of(Duration.ZERO), parse(503, "Wed, 21 Oct 2026 07:00:00 GMT", "{}").retryAfter());
    }

    @Test
    void fromResponse_unreadableHeader_fallsBackToTheBody() {
        assertEquals(Optional.of(Duration.ofMillis(10)),
                parse(429, "soon", "{\"errcode\":\"M_LIMIT_EXCEEDED\",\"retry_after_ms\":10}").retryAfter());
        assertEquals(Optional.empty(), parse(429, "-5", "{}").retryAfter());
    }

    @Test
    void fromResponse_noErrcode_isUnknownWithoutRaw() {
        MatrixException e = parse(500, null, "{\"error\":\"boom\"}");

        assertEquals(ErrorCode.UNKNOWN, e.errcode());
        assertNull(e.rawErrcode());
        assertEquals("boom", e.error());
        assertFalse(e.isRateLimited());
    }

    @Test
    void fromResponse_emptyBody_isDescribed() {
        MatrixException e = parse(504, null, "");

        assertEquals("no body", e.error());
        assertEquals(0, e.body().size());
    }

    @Test
    void fromResponse_longHtml_isShortened() {
        MatrixException e = parse(502, null, "<html>" + "x".repeat(1000) + "</html>");

        assertTrue(e.error().length() < 400, e.error());
    }

    @Test
    void errorCodeOf_specificationsUnknown_isNotTheFallback() {
        assertEquals(ErrorCode.M_UNKNOWN, ErrorCode.of("M_UNKNOWN"));
        assertEquals(ErrorCode.UNKNOWN, ErrorCode.of("UNKNOWN"));
        assertEquals(ErrorCode.UNKNOWN, ErrorCode.of(null));
        assertEquals(ErrorCode.M_USER_IN_USE, ErrorCode.of("M_USER_IN_USE"));
    }
}
