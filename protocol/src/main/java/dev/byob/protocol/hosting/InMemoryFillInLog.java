package dev.byob.protocol.hosting;

import dev.byob.protocol.id.EventId;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.message.Lease;
import dev.byob.protocol.trust.TrustKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link FillInLog} in memory, for embedding and tests. Thread-safe; not durable. */
public final class InMemoryFillInLog implements FillInLog {
    private record Epoch(TrustKey key, long epoch) {}

    private final Map<Epoch, List<Lease.FillIn>> entries = new HashMap<>();

    @Override
    public synchronized Lease.FillIn append(TrustKey key, long epoch, Lease.Direction direction,
                                            Optional<EventId> matrixEventId, Optional<String> remoteMsgid,
                                            Optional<RoomId> roomId, Instant sentAt) {
        List<Lease.FillIn> list = entries.computeIfAbsent(new Epoch(key, epoch), k -> new ArrayList<>());
        Lease.FillIn entry = new Lease.FillIn(list.size() + 1L, direction, matrixEventId, remoteMsgid, roomId,
                sentAt.toEpochMilli());
        list.add(entry);
        return entry;
    }

    @Override
    public synchronized void acknowledge(TrustKey key, long epoch, long fillAck) {
        // fill_seq stays the list position + 1, so acknowledged entries are blanked, not removed.
        List<Lease.FillIn> list = entries.get(new Epoch(key, epoch));
        if (list != null) {
            for (int i = 0; i < Math.min(fillAck, list.size()); i++) {
                list.set(i, null);
            }
        }
    }

    @Override
    public synchronized List<Lease.FillIn> after(TrustKey key, long epoch, long after, int limit) {
        List<Lease.FillIn> out = new ArrayList<>();
        for (Lease.FillIn f : entries.getOrDefault(new Epoch(key, epoch), List.of())) {
            if (f != null && f.fillSeq() > after && out.size() < limit) {
                out.add(f);
            }
        }
        return out;
    }
}
