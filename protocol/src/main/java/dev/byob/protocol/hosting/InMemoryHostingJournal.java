package dev.byob.protocol.hosting;

import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@link HostingJournal} in memory: it outlives engines but not the process. Thread-safe. */
public final class InMemoryHostingJournal implements HostingJournal {
    private record Epoch(TrustKey key, long epoch) {}

    private final Map<Epoch, Long> lastSeq = new HashMap<>();
    private final Map<Epoch, LinkedHashMap<String, PendingMessage>> pending = new HashMap<>();

    @Override
    public synchronized Snapshot load(Map<TrustKey, Long> epochs) {
        Map<TrustKey, Long> seqs = new HashMap<>();
        Map<TrustKey, List<PendingMessage>> waiting = new HashMap<>();
        epochs.forEach((key, epoch) -> {
            Epoch e = new Epoch(key, epoch);
            if (lastSeq.containsKey(e)) {
                seqs.put(key, lastSeq.get(e));
            }
            if (pending.containsKey(e)) {
                waiting.put(key, new ArrayList<>(pending.get(e).values()));
            }
        });
        return new Snapshot(seqs, waiting);
    }

    @Override
    public synchronized void heartbeatAccepted(TrustKey key, long epoch, long seq) {
        lastSeq.put(new Epoch(key, epoch), seq);
    }

    @Override
    public synchronized void pendingAdded(TrustKey key, long epoch, PendingMessage message) {
        pending.computeIfAbsent(new Epoch(key, epoch), e -> new LinkedHashMap<>())
                .put(message.direction().wire() + " " + message.messageId(), message);
    }

    @Override
    public synchronized void pendingResolved(TrustKey key, long epoch, Lease.Direction direction, String messageId) {
        LinkedHashMap<String, PendingMessage> waiting = pending.get(new Epoch(key, epoch));
        if (waiting != null) {
            waiting.remove(direction.wire() + " " + messageId);
        }
    }
}
