package dev.byob.hosting.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@link ProcessedTransactions} does on every dialect. */
public abstract class ProcessedTransactionsContract {
    /** A clock the test moves. */
    static final class ManualClock extends Clock {
        Instant now = StoreFixtures.T0;

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();

    /** Where the databases are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    @Test
    void markProcessed_firstTime_trueThenFalse() {
        ProcessedTransactions processed = new ProcessedTransactions(databases().openFresh(), clock);

        assertTrue(processed.markProcessed("17"));
        assertFalse(processed.markProcessed("17"));
        assertTrue(processed.markProcessed("18"));
    }

    @Test
    void markProcessed_afterRestart_stillProcessed() {
        Database database = databases().openFresh();
        new ProcessedTransactions(database, clock).markProcessed("17");
        database.close();

        ProcessedTransactions again = new ProcessedTransactions(databases().open(database.config()), clock);

        assertFalse(again.markProcessed("17"));
    }

    @Test
    void markProcessed_inTransactionThatFails_rolledBackWithTheEffects() {
        Database database = databases().openFresh();
        ProcessedTransactions processed = new ProcessedTransactions(database, clock);

        assertThrows(IllegalStateException.class, () -> database.transaction(c -> {
            assertTrue(processed.markProcessed("17"));
            DatabaseContract.execute(database,
                    "INSERT INTO canonical_dm (hb_bot, vb_bot, room_id) VALUES ('@hb:x', '@vb:y', '!dm:y')");
            throw new IllegalStateException("handling an event failed");
        }));

        assertEquals(List.of("0"), DatabaseContract.strings(database, "SELECT COUNT(*) FROM canonical_dm"));
        assertTrue(processed.markProcessed("17"), "the homeserver's retry is processed afresh");
    }

    @Test
    void markProcessed_emptyId_rejected() {
        ProcessedTransactions processed = new ProcessedTransactions(databases().openFresh(), clock);

        assertThrows(IllegalArgumentException.class, () -> processed.markProcessed(""));
    }

    @Test
    void prune_forgetsOnlyOlderThanMaxAge() {
        ProcessedTransactions processed = new ProcessedTransactions(databases().openFresh(), clock);
        processed.markProcessed("old");
        clock.now = clock.now.plus(Duration.ofDays(2));
        processed.markProcessed("recent");
        clock.now = clock.now.plus(Duration.ofDays(6));

        assertEquals(1, processed.prune(ProcessedTransactions.DEFAULT_RETENTION));

        assertTrue(processed.markProcessed("old"));
        assertFalse(processed.markProcessed("recent"));
    }
}
