package dev.byob.protocol.trust;

import dev.byob.protocol.message.RevokeCode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A {@link TrustStore} in memory, for embedding and tests. Thread-safe; not durable. */
public final class InMemoryTrustStore implements TrustStore {
    private final Map<TrustKey, TrustRecord> records = new LinkedHashMap<>();
    private final Map<TrustKey, Map<Long, TrustRecord>> history = new HashMap<>();

    @Override
    public synchronized Optional<TrustRecord> find(TrustKey key) {
        return Optional.ofNullable(records.get(key));
    }

    @Override
    public synchronized Optional<TrustRecord> find(TrustKey key, long epoch) {
        return Optional.ofNullable(history.getOrDefault(key, Map.of()).get(epoch));
    }

    private void keep(TrustRecord record) {
        history.computeIfAbsent(record.key(), k -> new HashMap<>()).put(record.epoch(), record);
    }

    @Override
    public synchronized Establishment establish(TrustCandidate c, Instant now) {
        TrustRecord previous = records.get(c.key());
        long epoch = previous == null ? 1 : previous.epoch() + 1;
        TrustRecord record = new TrustRecord(c.key(), c.remoteAccount(), c.vb(), c.matrixProofMethod(),
                c.remoteProofMethod(), now, epoch, c.txnId(), Optional.empty());
        records.put(c.key(), record);
        Optional<TrustRecord> superseded = previous != null && previous.active()
                ? Optional.of(previous.end(RevokeCode.SUPERSEDED, now))
                : Optional.empty();
        superseded.ifPresent(this::keep);
        keep(record);
        return new Establishment(record, superseded);
    }

    @Override
    public synchronized Optional<TrustRecord> revoke(TrustKey key, long epoch, RevokeCode code, Instant now) {
        TrustRecord current = records.get(key);
        if (current == null || !current.active() || current.epoch() != epoch) {
            return Optional.empty();
        }
        TrustRecord ended = current.end(code, now);
        records.put(key, ended);
        keep(ended);
        return Optional.of(ended);
    }

    @Override
    public synchronized List<TrustRecord> all() {
        return new ArrayList<>(records.values());
    }
}
