package dev.byob.hosting.store;

import static dev.byob.hosting.store.StoreFixtures.T0;
import static dev.byob.hosting.store.StoreFixtures.aliceKey;
import static dev.byob.hosting.store.StoreFixtures.candidate;
import static dev.byob.hosting.store.StoreFixtures.vb;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The trust store contract for {@link SqlTrustStore}, on the databases a subclass provides. */
public abstract class SqlTrustStoreContract extends TrustStoreContract {
    private final Map<TrustStore, Database> databaseOf = new IdentityHashMap<>();

    /** Where the stores are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @Override
    protected TrustStore newStore() {
        return storeIn(databases().openFresh());
    }

    @Override
    protected Optional<TrustStore> reopen(TrustStore store) {
        Database database = databaseOf.get(store);
        database.close();
        return Optional.of(storeIn(databases().open(database.config())));
    }

    private TrustStore storeIn(Database database) {
        TrustStore store = new SqlTrustStore(database);
        databaseOf.put(store, database);
        return store;
    }

    @AfterEach
    void closeDatabases() {
        databases().close();
    }

    /** Two connections, as two bridge processes would have, establishing for one key at once. */
    @Test
    void establish_twoConnectionsRacing_everyEpochOnceLastAloneInForce() throws Exception {
        DatabaseConfig config = databases().fresh();
        List<TrustStore> stores = List.of(new SqlTrustStore(databases().open(config)),
                new SqlTrustStore(databases().open(config)));
        int each = 25;
        ExecutorService pool = Executors.newFixedThreadPool(stores.size());
        List<Long> epochs = new ArrayList<>();
        try {
            List<Future<List<Long>>> results = new ArrayList<>();
            for (int s = 0; s < stores.size(); s++) {
                TrustStore store = stores.get(s);
                int vb = s;
                results.add(pool.submit(() -> {
                    List<Long> mine = new ArrayList<>();
                    for (int i = 0; i < each; i++) {
                        mine.add(store.establish(candidate(aliceKey(), vb("vb" + vb, vb + 1), i), T0).record().epoch());
                    }
                    return mine;
                }));
            }
            for (Future<List<Long>> result : results) {
                epochs.addAll(result.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        long total = (long) each * stores.size();
        assertEquals(LongStream.rangeClosed(1, total).boxed().toList(), epochs.stream().sorted().toList());
        TrustStore store = stores.get(0);
        for (long epoch = 1; epoch <= total; epoch++) {
            Optional<RevokeCode> expected = epoch < total ? Optional.of(RevokeCode.SUPERSEDED) : Optional.empty();
            assertEquals(expected, store.find(aliceKey(), epoch).orElseThrow().ended().map(TrustRecord.Ending::code),
                    "epoch " + epoch);
        }
    }
}
