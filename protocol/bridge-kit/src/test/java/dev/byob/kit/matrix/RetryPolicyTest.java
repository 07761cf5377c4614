package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.kit.irc.Backoff;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private static final String REQUEST = "POST /_matrix/client/v3/createRoom";
    private final RetryPolicy policy = RetryPolicy.defaults()
            .withBackoff(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 2.0, 0.5))
            .withRandom(() -> 0.0);

    private static MatrixException refused(int status, String errcode, Duration retryAfter) {
        return new MatrixException(REQUEST, status, errcode, "", retryAfter, null);
    }

    private static MatrixNetworkException broken(boolean mayHaveReachedServer, boolean cancelled) {
        return new MatrixNetworkException(REQUEST, new IOException("unexpected end of stream"),
                mayHaveReachedServer, cancelled);
    }

    @Test
    void delayBeforeRetry_neverSent_retriesEvenNonIdempotent() {
        MatrixNetworkException notSent = new MatrixNetworkException(REQUEST, new ConnectException("refused"), false,
                false);

        assertEquals(Optional.of(Duration.ofSeconds(1)), policy.delayBeforeRetry(1, notSent, false));
    }

    @Test
    void delayBeforeRetry_maybeReceived_retriesOnlyIdempotent() {
        assertEquals(Optional.empty(), policy.delayBeforeRetry(1, broken(true, false), false));
        assertEquals(Optional.of(Duration.ofSeconds(2)), policy.delayBeforeRetry(2, broken(true, false), true));
    }

    @Test
    void delayBeforeRetry_cancelled_neverRetries() {
        assertEquals(Optional.empty(), policy.delayBeforeRetry(1, broken(false, true), true));
    }

    @Test
    void delayBeforeRetry_serverError_retriesOnlyIdempotent() {
        assertEquals(Optional.empty(), policy.delayBeforeRetry(1, refused(500, "M_UNKNOWN", null), false));
        assertEquals(Optional.of(Duration.ofSeconds(4)), policy.delayBeforeRetry(3, refused(502, null, null), true));
    }

    @Test
    void delayBeforeRetry_serviceUnavailableWithRetryAfter_waitsAsAsked() {
        assertEquals(Optional.of(Duration.ofSeconds(3)),
                policy.delayBeforeRetry(1, refused(503, null, Duration.ofSeconds(3)), true));
    }

    @Test
    void delayBeforeRetry_rateLimited_waitsAsAskedEvenForNonIdempotent() {
        assertEquals(Optional.of(Duration.ofMillis(250)),
                policy.delayBeforeRetry(1, refused(429, "M_LIMIT_EXCEEDED", Duration.ofMillis(250)), false));
    }

    @Test
    void delayBeforeRetry_limitExceededWithAnotherStatus_isRateLimitedToo() {
        assertEquals(Optional.of(Duration.ofMillis(250)),
                policy.delayBeforeRetry(1, refused(400, "M_LIMIT_EXCEEDED", Duration.ofMillis(250)), false));
    }

    @Test
    void delayBeforeRetry_bare429_backsOff() {
        assertEquals(Optional.of(Duration.ofSeconds(2)), policy.delayBeforeRetry(2, refused(429, null, null), false));
    }

    @Test
    void delayBeforeRetry_askedWaitBeyondTheMaximum_givesUp() {
        RetryPolicy patient = policy.withMaxRetryAfter(Duration.ofSeconds(5));

        assertEquals(Optional.empty(),
                patient.delayBeforeRetry(1, refused(429, "M_LIMIT_EXCEEDED", Duration.ofSeconds(6)), true));
        assertEquals(Optional.of(Duration.ofSeconds(5)),
                patient.delayBeforeRetry(1, refused(429, "M_LIMIT_EXCEEDED", Duration.ofSeconds(5)), true));
    }

    @Test
    void delayBeforeRetry_clientErrors_neverRetry() {
        assertEquals(Optional.empty(), policy.delayBeforeRetry(1, refused(403, "M_FORBIDDEN", null), true));
        assertEquals(Optional.empty(), policy.delayBeforeRetry(1, refused(404, "M_NOT_FOUND", null), true));
    }

    @Test
    void delayBeforeRetry_lastAttempt_givesUp() {
        RetryPolicy two = policy.withMaxAttempts(2);

        assertEquals(Optional.of(Duration.ofSeconds(1)), two.delayBeforeRetry(1, refused(429, null, null), true));
        assertEquals(Optional.empty(), two.delayBeforeRetry(2, refused(429, null, null), true));
        assertEquals(Optional.empty(), RetryPolicy.none().delayBeforeRetry(1, refused(429, null, null), true));
    }

    @Test
    void delayBeforeRetry_jitter_takesOffTheRandomFraction() {
        RetryPolicy jittered = policy.withRandom(() -> 0.5);

        assertEquals(Optional.of(Duration.ofMillis(1500)), jittered.delayBeforeRetry(2, broken(false, false), true));
    }

    @Test
    void delayBeforeRetry_randomOutOfRange_throws() {
        RetryPolicy broken = policy.withRandom(() -> 1.0);

        assertThrows(IllegalStateException.class, () -> broken.delayBeforeRetry(1, broken(false, false), true));
    }

    @Test
    void withMaxAttempts_zero_throws() {
        assertThrows(IllegalArgumentException.class, () -> policy.withMaxAttempts(0));
        assertThrows(IllegalArgumentException.class, () -> policy.withMaxRetryAfter(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> policy.delayBeforeRetry(0, broken(false, false), true));
    }
}
