package dev.byob.hosting.store;

import dev.byob.protocol.hosting.HostingJournal;
import dev.byob.protocol.hosting.InMemoryHostingJournal;

/** The reference journal against the contract. */
class InMemoryHostingJournalTest extends HostingJournalContract {
    @Override
    protected HostingJournal newJournal() {
        return new InMemoryHostingJournal();
    }
}
