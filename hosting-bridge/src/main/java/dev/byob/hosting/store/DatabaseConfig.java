package dev.byob.hosting.store;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the hosting bridge keeps its state: a SQLite file (the default, {@link #inDataDirectory}) or a
 * PostgreSQL database. Immutable; the PostgreSQL password is left out of {@code toString}.
 */
public sealed interface DatabaseConfig {

    /** The name of the SQLite file in the data directory. */
    String DEFAULT_FILE_NAME = "hosting-bridge.sqlite3";

    /** The dialect of this database. */
    Dialect dialect();

    /** The default: a SQLite file named {@value #DEFAULT_FILE_NAME} in {@code dataDirectory}. */
    static Sqlite inDataDirectory(Path dataDirectory) {
        return new Sqlite(dataDirectory.resolve(DEFAULT_FILE_NAME));
    }

    /**
     * A SQLite database in one file (with its {@code -wal} and {@code -shm} companions beside it). The
     * file and its folder are created when missing.
     */
    record Sqlite(Path file) implements DatabaseConfig {
        /** Checks the path is given. */
        public Sqlite {
            Objects.requireNonNull(file, "file");
        }

        @Override
        public Dialect dialect() {
            return Dialect.SQLITE;
        }
    }

    /**
     * A PostgreSQL database.
     *
     * @param jdbcUrl {@code jdbc:postgresql://host:port/database}, with any driver parameters
     * @param user the role to connect as, or null to take it from the URL
     * @param password its password, or null to take it from the URL or the driver's password file
     */
    record Postgres(String jdbcUrl, String user, String password) implements DatabaseConfig {
        /** A {@code password} parameter in a JDBC URL, to keep it out of logs. */
        private static final Pattern URL_PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");

        /** Checks the URL names the PostgreSQL driver. */
        public Postgres {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
                throw new IllegalArgumentException("a PostgreSQL JDBC URL starts with jdbc:postgresql:, got " + jdbcUrl);
            }
        }

        @Override
        public Dialect dialect() {
            return Dialect.POSTGRESQL;
        }

        /** Names the URL and user; never the password, not even one given as a URL parameter. */
        @Override
        public String toString() {
            return "Postgres[jdbcUrl=" + URL_PASSWORD.matcher(jdbcUrl).replaceAll("$1***") + ", user=" + user
                    + ", password=" + (password == null ? "none" : "***") + "]";
        }
    }
}
