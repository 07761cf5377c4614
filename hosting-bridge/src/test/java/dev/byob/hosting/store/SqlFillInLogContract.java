package dev.byob.hosting.store;

import dev.byob.protocol.hosting.FillInLog;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;

/** The fill-in log contract for {@link SqlFillInLog}, on the databases a subclass provides. */
public abstract class SqlFillInLogContract extends FillInLogContract {
    private final Map<FillInLog, Database> databaseOf = new IdentityHashMap<>();

    /** Where the logs are: fresh databases of one dialect. */
    protected abstract TestDatabases databases();

    @Override
    protected FillInLog newLog() {
        return logIn(databases().openFresh());
    }

    @Override
    protected Optional<FillInLog> reopen(FillInLog log) {
        Database database = databaseOf.get(log);
        database.close();
        return Optional.of(logIn(databases().open(database.config())));
    }

    private FillInLog logIn(Database database) {
        FillInLog log = new SqlFillInLog(database);
        databaseOf.put(log, database);
        return log;
    }

    @AfterEach
    void closeDatabases() {
        databases().close();
    }
}
