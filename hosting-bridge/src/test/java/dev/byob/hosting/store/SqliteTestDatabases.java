package dev.byob.hosting.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Each fresh database a new SQLite file in a folder. */
public final class SqliteTestDatabases extends TestDatabases {
    private final Path folder;
    private final boolean ownFolder;
    private int count;

    /** Databases as files in {@code folder}. */
    public SqliteTestDatabases(Path folder) {
        this(folder, false);
    }

    private SqliteTestDatabases(Path folder, boolean ownFolder) {
        this.folder = folder;
        this.ownFolder = ownFolder;
    }

    /** Databases in a new temporary folder, deleted with them by {@link #close}. */
    public static SqliteTestDatabases inTempFolder() {
        try {
            return new SqliteTestDatabases(Files.createTempDirectory("byob-store-test"), true);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public DatabaseConfig fresh() {
        return new DatabaseConfig.Sqlite(folder.resolve("store-" + ++count + ".sqlite3"));
    }

    @Override
    public void close() {
        super.close();
        if (!ownFolder || !Files.exists(folder)) {
            return;
        }
        try (Stream<Path> files = Files.walk(folder)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
