package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * PostgreSQL started by the harness from Debian's packages, as the {@code postgres} system user, on a
 * free loopback port with a fresh cluster trusting loopback connections and durability switched off for
 * speed. The cluster lives in a per-run directory under {@code java.io.tmpdir} (the {@code postgres}
 * user may not be able to reach the checkout) and is removed on {@link #close()}; the log goes to the
 * work directory.
 */
public final class EmbeddedPostgres implements PostgresServer, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedPostgres.class.getName());
    private static final String USER = "byob";
    private static final String SYSTEM_USER = "postgres";

    private final int port;
    private final ManagedProcess process;
    private final Path runDir;
    private boolean closed;

    private EmbeddedPostgres(int port, ManagedProcess process, Path runDir) {
        this.port = port;
        this.process = process;
        this.runDir = runDir;
    }

    /** A builder; {@link Builder#workDir(Path)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    @Override
    public String jdbcUrl() {
        return jdbcUrl("postgres");
    }

    @Override
    public String user() {
        return USER;
    }

    @Override
    public String password() {
        return "";
    }

    @Override
    public List<Path> logs() {
        return List.of(process.log());
    }

    /** Stops PostgreSQL (fast shutdown) and removes the cluster; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.close();
        FileTrees.delete(runDir);
    }

    @Override
    public String toString() {
        return "Postgres[" + jdbcUrl() + ", log " + process.log() + "]";
    }

    /** Builds and starts an {@link EmbeddedPostgres}. */
    public static final class Builder {
        private Path workDir;
        private Duration startupTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** Where logs go, e.g. {@code target/servers/postgres}; emptied at start. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** How long start-up may take (default 60 s). */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Creates a cluster, starts PostgreSQL and waits until it accepts connections. */
        public EmbeddedPostgres start() {
            Objects.requireNonNull(workDir, "workDir");
            Path work = FileTrees.recreate(workDir.toAbsolutePath());
            Path bin = binDir();
            Path runDir = RunDirs.create(Path.of(System.getProperty("java.io.tmpdir")), "byob-postgres-");
            ManagedProcess process = null;
            try {
                Path dataDir = createDataDir(runDir.resolve("data"));
                ManagedProcess.builder("initdb")
                        .command(bin.resolve("initdb").toString(), "--pgdata", dataDir.toString(),
                                "--username", USER, "--auth", "trust", "--encoding", "UTF8", "--no-locale",
                                "--no-sync")
                        .user(SYSTEM_USER)
                        .workDir(dataDir)
                        .log(work.resolve("initdb.log"))
                        .run(Duration.ofMinutes(2));
                int port = FreePorts.pick();
                process = ManagedProcess.builder("postgres")
                        .command(bin.resolve("postgres").toString(), "-D", dataDir.toString(),
                                "-p", Integer.toString(port),
                                "-c", "listen_addresses=127.0.0.1",
                                "-c", "unix_socket_directories=",
                                "-c", "fsync=off",
                                "-c", "synchronous_commit=off",
                                "-c", "full_page_writes=off",
                                "-c", "max_connections=200")
                        .user(SYSTEM_USER)
                        .workDir(dataDir)
                        .stopSignal("INT")
                        .log(work.resolve("postgres.log"))
                        .start();
                String url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
                Readiness.await("PostgreSQL on 127.0.0.1:" + port, startupTimeout, () -> accepts(url),
                        List.of(process));
                LOG.log(Level.INFO, "PostgreSQL ready at {0} (log {1})", url, process.log());
                return new EmbeddedPostgres(port, process, runDir);
            } catch (RuntimeException e) {
                if (process != null) {
                    process.close();
                }
                FileTrees.delete(runDir);
                throw e;
            }
        }

        private static boolean accepts(String url) throws Exception {
            Properties properties = new Properties();
            properties.setProperty("user", USER);
            properties.setProperty("connectTimeout", "2");
            try (Connection connection = DriverManager.getConnection(url, properties)) {
                return connection.isValid(2);
            }
        }

        /** The newest installed PostgreSQL's programs. */
        private static Path binDir() {
            Path versions = Path.of("/usr/lib/postgresql");
            try (Stream<Path> dirs = Files.list(versions)) {
                return dirs.filter(dir -> Files.isExecutable(dir.resolve("bin/postgres")))
                        .max(Comparator.comparingInt(dir -> parseVersion(dir.getFileName().toString())))
                        .map(dir -> dir.resolve("bin"))
                        .orElseThrow(() -> new ServerStartException("no PostgreSQL under " + versions, List.of()));
            } catch (IOException e) {
                throw new ServerStartException("no PostgreSQL under " + versions + ": " + e, List.of(), e);
            }
        }

        private static int parseVersion(String name) {
            try {
                return Integer.parseInt(name);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        /** An empty directory owned by the postgres user, mode 0700, as initdb wants. */
        private static Path createDataDir(Path dir) {
            try {
                Files.createDirectory(dir,
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(dir, users.lookupPrincipalByName(SYSTEM_USER));
                return dir;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a data directory owned by " + SYSTEM_USER, e);
            }
        }
    }
}
