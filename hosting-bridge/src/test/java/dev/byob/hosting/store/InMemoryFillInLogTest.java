package dev.byob.hosting.store;

import dev.byob.protocol.hosting.FillInLog;
import dev.byob.protocol.hosting.InMemoryFillInLog;

/** The reference log meets its own contract (the tests against it define the contract). */
class InMemoryFillInLogTest extends FillInLogContract {
    @Override
    protected FillInLog newLog() {
        return new InMemoryFillInLog();
    }
}
