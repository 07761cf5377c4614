package dev.byob.hosting.appservice;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * A {@link TransactionSink} in memory: it remembers the last {@code capacity} transactions, their ids and their
 * events, and forgets older ones. Not durable: for tests, and for running before a durable store is configured.
 */
public final class InMemoryTransactionSink implements TransactionSink {
    private final int capacity;
    private final LinkedHashMap<String, Transaction> transactions = new LinkedHashMap<>();
    private long accepted;

    /**
     * @param capacity how many transactions to remember, at least 1
     */
    public InMemoryTransactionSink(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    @Override
    public synchronized boolean isProcessed(String txnId) {
        return transactions.containsKey(txnId);
    }

    @Override
    public synchronized void accept(Transaction transaction) {
        if (transactions.containsKey(transaction.txnId())) {
            return;
        }
        transactions.put(transaction.txnId(), transaction);
        accepted++;
        Iterator<Map.Entry<String, Transaction>> oldest = transactions.entrySet().iterator();
        while (transactions.size() > capacity) {
            oldest.next();
            oldest.remove();
        }
        notifyAll();
    }

    /** The remembered transactions, oldest first. */
    public synchronized List<Transaction> transactions() {
        return List.copyOf(transactions.values());
    }

    /** The events of the remembered transactions, in the order received. */
    public synchronized List<JsonNode> events() {
        List<JsonNode> events = new ArrayList<>();
        for (Transaction transaction : transactions.values()) {
            events.addAll(transaction.events());
        }
        return events;
    }

    /** How many distinct transactions were accepted, forgotten ones included. */
    public synchronized long acceptedCount() {
        return accepted;
    }

    /**
     * The first remembered event matching {@code predicate}, waiting up to {@code timeout} for it to arrive.
     *
     * @throws TimeoutException if none arrived in time
     * @throws InterruptedException if interrupted while waiting
     */
    public synchronized JsonNode awaitEvent(Predicate<JsonNode> predicate, Duration timeout)
            throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (Transaction transaction : transactions.values()) {
                for (JsonNode event : transaction.events()) {
                    if (predicate.test(event)) {
                        return event;
                    }
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException("no matching event within " + timeout + "; received " + events().size()
                        + " events in " + transactions.size() + " transactions");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
