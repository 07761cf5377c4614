package dev.byob.hosting.store;

import java.util.ArrayList;
import java.util.List;

/**
 * Fresh, empty databases of one dialect for tests, all closed by {@link #close}. Subclasses say where a
 * new database is: a new SQLite file, a new PostgreSQL schema.
 */
public abstract class TestDatabases implements AutoCloseable {
    private final List<Database> opened = new ArrayList<>();

    /** A configuration naming a new, empty database. */
    public abstract DatabaseConfig fresh();

    /** Opens {@code config} with the hosting bridge's schema; closed by {@link #close}. */
    public Database open(DatabaseConfig config) {
        return remember(Database.open(config));
    }

    /** Opens {@code config} with {@code migrations}; closed by {@link #close}. */
    Database open(DatabaseConfig config, Migrations migrations) {
        return remember(Database.open(config, migrations));
    }

    /** A new database with the hosting bridge's schema. */
    public Database openFresh() {
        return open(fresh());
    }

    private Database remember(Database database) {
        opened.add(database);
        return database;
    }

    @Override
    public void close() {
        opened.forEach(Database::close);
        opened.clear();
    }
}
