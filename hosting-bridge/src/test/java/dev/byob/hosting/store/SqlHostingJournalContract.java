package dev.byob.hosting.store;

import dev.byob.protocol.hosting.HostingJournal;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/** The journal contract for {@link SqlHostingJournal}, on the databases a subclass provides. */
public abstract class SqlHostingJournalContract extends HostingJournalContract {
    private final Map<HostingJournal, Database> databaseOf = new IdentityHashMap<>();

    /** Where the journals are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @Override
    protected HostingJournal newJournal() {
        return journalIn(databases().openFresh());
    }

    @Override
    protected Optional<HostingJournal> reopen(HostingJournal journal) {
        Database database = databaseOf.get(journal);
        database.close();
        return Optional.of(journalIn(databases().open(database.config())));
    }

    private HostingJournal journalIn(Database database) {
        HostingJournal journal = new SqlHostingJournal(database);
        databaseOf.put(journal, database);
        return journal;
    }

    @AfterEach
    void closeDatabases() {
        databases().close();
    }
}
