package dev.byob.protocol.hosting;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * At most {@code limit} events per key in any sliding {@code window}, on an injected clock. Not thread-safe:
 * one owner (the engine, or a bridge's single worker) uses it.
 *
 * @param <K> what is limited: a user, a bot, an inviter
 */
public final class RateLimiter<K> {
    private final int limit;
    private final Duration window;
    private final Map<K, Deque<Instant>> events = new HashMap<>();

    /** A limiter of {@code limit} events per key in any {@code window}. */
    public RateLimiter(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
    }

    /** Counts an event for {@code key} and says whether it is within the limit. */
    public boolean tryAcquire(K key, Instant now) {
        Deque<Instant> times = events.computeIfAbsent(key, k -> new ArrayDeque<>());
        Instant horizon = now.minus(window);
        while (!times.isEmpty() && !times.peekFirst().isAfter(horizon)) {
            times.pollFirst();
        }
        if (times.size() >= limit) {
            return false;
        }
        times.addLast(now);
        return true;
    }

    /** Forgets keys with no events in the window, so memory follows activity. */
    public void prune(Instant now) {
        Instant horizon = now.minus(window);
        for (Iterator<Deque<Instant>> it = events.values().iterator(); it.hasNext(); ) {
            Deque<Instant> times = it.next();
            while (!times.isEmpty() && !times.peekFirst().isAfter(horizon)) {
                times.pollFirst();
            }
            if (times.isEmpty()) {
                it.remove();
            }
        }
    }
}
