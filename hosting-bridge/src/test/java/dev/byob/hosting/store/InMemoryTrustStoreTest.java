package dev.byob.hosting.store;

import dev.byob.protocol.trust.InMemoryTrustStore;
import dev.byob.protocol.trust.TrustStore;

/** The reference store meets its own contract (the tests against it define the contract). */
class InMemoryTrustStoreTest extends TrustStoreContract {
    @Override
    protected TrustStore newStore() {
        return new InMemoryTrustStore();
    }
}
