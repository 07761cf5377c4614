package dev.byob.hosting.config;

import dev.byob.kit.config.Secret;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/** Where the bridge keeps its durable state. */
public sealed interface DatabaseConfig {

    /**
     * An SQLite file (the default: {@code hosting-bridge.db} in the data directory).
     *
     * @param path the database file
     */
    record Sqlite(Path path) implements DatabaseConfig {
        /** Checks the path is present. */
        public Sqlite {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A PostgreSQL database.
     *
     * @param jdbcUrl {@code jdbc:postgresql://host:port/database}
     * @param user the user to connect as
     * @param password the password, if the server asks for one
     */
    record Postgres(String jdbcUrl, String user, Optional<Secret> password) implements DatabaseConfig {
        /** Checks the fields are present. */
        public Postgres {
            Objects.requireNonNull(jdbcUrl, "jdbcUrl");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(password, "password");
        }
    }
}
