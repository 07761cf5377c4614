package dev.byob.hosting.appservice;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the last transactions accepted, so a repeat is answered on the event loop without asking the
 * store. Bounded: older ids are forgotten and then found in the {@link TransactionSink} instead.
 */
final class RecentTransactionIds {
    private final Map<String, Boolean> ids;

    RecentTransactionIds(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized boolean contains(String txnId) {
        return ids.containsKey(txnId);
    }

    synchronized void add(String txnId) {
        ids.put(txnId, Boolean.TRUE);
    }

    synchronized int size() {
        return ids.size();
    }
}
