package dev.byob.hosting.store;

import java.nio.file.Path;

/** Each fresh database a new SQLite file in a folder. */
public final class SqliteTestDatabases extends TestDatabases {
    private final Path folder;
    private int count;

    /** Databases as files in {@code folder}. */
    public SqliteTestDatabases(Path folder) {
        this.folder = folder;
    }

    @Override
    public DatabaseConfig fresh() {
        return new DatabaseConfig.Sqlite(folder.resolve("store-" + ++count + ".sqlite3"));
    }
}
