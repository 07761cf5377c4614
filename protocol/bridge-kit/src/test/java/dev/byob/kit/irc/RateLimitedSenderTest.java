package dev.byob.kit.irc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitedSenderTest {
    private final ManualTime time = new ManualTime();
    private final List<String> sent = new ArrayList<>();
    private final RateLimitedSender<String> sender =
            new RateLimitedSender<>(3, Duration.ofSeconds(2), time, time, sent::add, 5);

    @Test
    void submit_withinBurst_sentAtOnce() {
        sender.submit("a");
        sender.submit("b");
        sender.submit("c");

        assertEquals(List.of("a", "b", "c"), sent);
        assertEquals(0, sender.queued());
    }

    @Test
    void aLineTheSinkDrops_costsNoBudget() {
        List<String> written = new ArrayList<>();
        RateLimitedSender<String> dropping = new RateLimitedSender<>(1, Duration.ofSeconds(2), time, time,
                s -> !s.startsWith("withdrawn") && written.add(s), 5);
        dropping.submit("a");
        dropping.submit("withdrawn b");
        dropping.submit("c");
        assertEquals(List.of("a"), written);

        time.advance(Duration.ofSeconds(2)); // one token: the dropped line does not use it, the next one does
        assertEquals(List.of("a", "c"), written);
        assertEquals(0, dropping.queued());
    }

    @Test
    void submit_beyondBurst_queued_thenOnePerInterval() {
        for (String s : List.of("a", "b", "c", "d", "e")) {
            assertTrue(sender.submit(s));
        }
        assertEquals(List.of("a", "b", "c"), sent);
        assertEquals(2, sender.queued());
        assertEquals(List.of(Duration.ofSeconds(2)), time.pendingDelays(), "one wake-up at a time");

        time.advance(Duration.ofMillis(1999));
        assertEquals(3, sent.size());
        time.advance(Duration.ofMillis(1));
        assertEquals(List.of("a", "b", "c", "d"), sent);
        time.advance(Duration.ofSeconds(2));
        assertEquals(List.of("a", "b", "c", "d", "e"), sent);
        assertEquals(List.of(), time.pendingDelays());
    }

    @Test
    void submit_whileQueued_keepsOrderEvenWithTokens() {
        for (String s : List.of("a", "b", "c", "d")) {
            sender.submit(s);
        }
        time.advance(Duration.ofMillis(1000)); // half a token: nothing yet
        sender.submit("e");

        assertEquals(List.of("a", "b", "c"), sent);
        time.advance(Duration.ofMillis(1000));
        assertEquals(List.of("a", "b", "c", "d"), sent);
        time.advance(Duration.ofMillis(2000));
        assertEquals(List.of("a", "b", "c", "d", "e"), sent);
    }

    @Test
    void idle_refillsUpToBurstOnly() {
        for (String s : List.of("a", "b", "c")) {
            sender.submit(s);
        }
        time.advance(Duration.ofMinutes(10));
        for (String s : List.of("d", "e", "f", "g")) {
            sender.submit(s);
        }

        assertEquals(List.of("a", "b", "c", "d", "e", "f"), sent);
        assertEquals(1, sender.queued());
    }

    @Test
    void submit_queueFull_refused() {
        for (int i = 0; i < 3 + 5; i++) {
            assertTrue(sender.submit("m" + i));
        }
        assertFalse(sender.submit("one too many"));
        assertEquals(5, sender.queued());
    }

    @Test
    void clear_dropsQueuedAndCancelsWakeUp() {
        for (String s : List.of("a", "b", "c", "d", "e")) {
            sender.submit(s);
        }

        assertEquals(List.of("d", "e"), sender.clear());
        assertEquals(List.of(), time.pendingDelays());
        time.advance(Duration.ofMinutes(1));
        assertEquals(List.of("a", "b", "c"), sent);
    }

    @Test
    void constructor_invalid_throws() {
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedSender<String>(0, Duration.ofSeconds(1), time, time, s -> true, 1));
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedSender<String>(1, Duration.ZERO, time, time, s -> true, 1));
        assertThrows(IllegalArgumentException.class, () -> new RateLimitedSender<String>(1, Duration.ofSeconds(1), time, time, s -> true, -1));
    }
}
