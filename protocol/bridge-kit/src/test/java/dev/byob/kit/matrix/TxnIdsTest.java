package dev.byob.kit.matrix;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class TxnIdsTest {

    @Test
    void next_sameMillisecond_countsUp() {
        TxnIds ids = new TxnIds(Clock.fixed(Instant.ofEpochMilli(1_700_000_000_123L), ZoneOffset.UTC));

        assertEquals("byob.1700000000123.1", ids.next());
        assertEquals("byob.1700000000123.2", ids.next());
    }
}
