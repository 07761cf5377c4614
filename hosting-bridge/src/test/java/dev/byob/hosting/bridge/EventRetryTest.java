package dev.byob.hosting.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.byob.hosting.bridge.EventRetry.GiveUp;
import dev.byob.hosting.bridge.EventRetry.Retry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class EventRetryTest {

    @Test
    void failures_backOffDoublingUpToTheBound_thenGiveUp() {
        EventRetry retry = new EventRetry(5, Duration.ofMillis(500), Duration.ofSeconds(30));

        assertEquals(new Retry(Duration.ofMillis(500), 2), retry.failed(7));
        assertEquals(new Retry(Duration.ofSeconds(1), 3), retry.failed(7));
        assertEquals(new Retry(Duration.ofSeconds(2), 4), retry.failed(7));
        assertEquals(new Retry(Duration.ofSeconds(4), 5), retry.failed(7));
        assertEquals(new GiveUp(5), retry.failed(7));
    }

    @Test
    void afterGivingUp_theSameSeqStartsAfresh() {
        EventRetry retry = new EventRetry(2, Duration.ofMillis(10), Duration.ofSeconds(1));
        retry.failed(1);
        assertEquals(new GiveUp(2), retry.failed(1));

        assertEquals(new Retry(Duration.ofMillis(10), 2), retry.failed(1));
    }

    @Test
    void delay_isCappedAtTheMaximum() {
        EventRetry retry = new EventRetry(10, Duration.ofSeconds(20), Duration.ofSeconds(30));

        assertEquals(new Retry(Duration.ofSeconds(20), 2), retry.failed(3));
        assertEquals(new Retry(Duration.ofSeconds(30), 3), retry.failed(3));
        assertEquals(new Retry(Duration.ofSeconds(30), 4), retry.failed(3));
    }

    @Test
    void success_forgetsTheFailures() {
        EventRetry retry = new EventRetry(3, Duration.ofMillis(100), Duration.ofSeconds(1));
        retry.failed(4);
        retry.failed(4);

        retry.succeeded(4);

        assertEquals(new Retry(Duration.ofMillis(100), 2), retry.failed(4));
    }

    @Test
    void anotherEventFailing_countsFromOne() {
        EventRetry retry = new EventRetry(3, Duration.ofMillis(100), Duration.ofSeconds(1));
        retry.failed(4);
        retry.failed(4);

        assertEquals(new Retry(Duration.ofMillis(100), 2), retry.failed(5));
    }

    @Test
    void successOfAnotherEvent_leavesTheCountAlone() {
        EventRetry retry = new EventRetry(3, Duration.ofMillis(100), Duration.ofSeconds(1));
        retry.failed(4);

        retry.succeeded(9);

        assertEquals(new Retry(Duration.ofMillis(200), 3), retry.failed(4));
    }

    @Test
    void oneAttempt_givesUpAtOnce() {
        assertEquals(new GiveUp(1), new EventRetry(1, Duration.ofMillis(1), Duration.ofMillis(1)).failed(1));
        assertThrows(IllegalArgumentException.class, () -> new EventRetry(0, Duration.ZERO, Duration.ZERO));
    }
}
