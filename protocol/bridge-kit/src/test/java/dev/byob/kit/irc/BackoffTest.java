package dev.byob.kit.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
    private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0, 0.5);

    @Test
    void delay_withoutJitter_doublesUpToMax() {
        assertEquals(Duration.ofSeconds(1), backoff.delay(1, 0.0));
        assertEquals(Duration.ofSeconds(2), backoff.delay(2, 0.0));
        assertEquals(Duration.ofSeconds(16), backoff.delay(5, 0.0));
        assertEquals(Duration.ofSeconds(30), backoff.delay(6, 0.0));
        assertEquals(Duration.ofSeconds(30), backoff.delay(1000, 0.0));
    }

    @Test
    void delay_jitter_takesOffUpToTheFraction() {
        assertEquals(Duration.ofMillis(2000), backoff.delay(2, 0.0));
        assertEquals(Duration.ofMillis(1500), backoff.delay(2, 0.5));
        Duration shortest = backoff.delay(2, Math.nextDown(1.0));
        assertTrue(shortest.compareTo(Duration.ofMillis(1000)) >= 0, shortest.toString());
    }

    @Test
    void delay_random_withinBounds() {
        Random random = new Random(42);
        for (int attempt = 1; attempt < 12; attempt++) {
            Duration full = backoff.delay(attempt, 0.0);
            Duration d = backoff.delay(attempt, random);
            assertTrue(d.compareTo(full) <= 0 && d.compareTo(full.dividedBy(2)) >= 0, attempt + ": " + d);
        }
    }

    @Test
    void delay_noJitter_deterministic() {
        Backoff exact = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(1), 3.0, 0.0);

        assertEquals(Duration.ofMillis(900), exact.delay(3, 0.99));
    }

    @Test
    void invalid_throws() {
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5, 0));
        assertThrows(IllegalArgumentException.class, () -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 1.5));
        assertThrows(IllegalArgumentException.class, () -> backoff.delay(0, 0.0));
        assertThrows(IllegalArgumentException.class, () -> backoff.delay(1, 1.0));
    }

    @Test
    void defaults_startAtTwoSeconds() {
        assertEquals(Duration.ofSeconds(2), Backoff.defaults().delay(1, 0.0));
        assertEquals(Duration.ofMinutes(5), Backoff.defaults().delay(100, 0.0));
    }
}
