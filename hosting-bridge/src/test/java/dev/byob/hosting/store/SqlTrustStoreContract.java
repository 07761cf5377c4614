package dev.byob.hosting.store;

import dev.byob.protocol.trust.TrustStore;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

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
}
