package dev.byob.hosting.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * One SQLite or PostgreSQL database holding the hosting bridge's state, through a single connection
 * used under a lock: the hosting engine is single-threaded, so a pool would only add ways to deadlock.
 *
 * <p>{@link #open} brings the schema up to date ({@link Migrations}) and refuses a database whose
 * schema is newer than this program. All reads and writes go through {@link #transaction}, which
 * commits or rolls back as a whole; a transaction started inside another one on the same thread joins
 * it, so that a caller can make several stores' writes one atomic step.
 *
 * <p>SQLite runs in WAL mode with {@code synchronous=FULL}: a commit returns only once the WAL is on
 * disk, so what a transaction wrote survives a crash of the process <em>and</em> of the machine.
 * ({@code NORMAL} would survive a {@code kill -9} too, but a power loss could undo the last commits,
 * and the protocol sends {@code accept} right after committing a trust record: undoing it would hand
 * an epoch out twice.) Writes are few — handshakes, heartbeats, fill-ins — so one fsync each is cheap.
 *
 * <p>The exception is the bridge core's work per event, which would cost an fsync or two for every event a
 * homeserver sends: a write that may wait is {@linkplain #defer deferred} and committed with the others of
 * its thread by {@link #flush}, before that thread's next transaction, or on {@link #close}, one commit
 * for many events; {@link #flushWithoutSync} commits them without waiting for the disk, where that is safe.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);

    /** How long SQLite waits for another process's lock (an operator's {@code sqlite3} shell) before failing. */
    static final int BUSY_TIMEOUT_MS = 5_000;
    /** SQLite's page cache per connection, in KiB. */
    static final int CACHE_KIB = 64 * 1024;
    /**
     * After how many pages in the WAL SQLite copies them back into the database file (and syncs it), instead of
     * its default 1000 (4 MiB): the journal and the pending events are written at random places, so a
     * checkpoint every few hundred events cost a sync of the database file each, and a page written again
     * before the next checkpoint is copied once. Only when committed data reaches the file changes, not what is
     * committed: a commit still returns once the WAL is on disk.
     */
    static final int WAL_CHECKPOINT_PAGES = 10_000;
    /**
     * How often a thread of its own, on a connection of its own, checkpoints the WAL of an SQLite database that was
     * written since ({@code PRAGMA wal_checkpoint(PASSIVE)}, which never waits for a lock): so that copying the WAL
     * into the database file and syncing it happens beside the writes, not inside the commit that crossed
     * {@link #WAL_CHECKPOINT_PAGES}, which stays as the backstop.
     */
    static final Duration CHECKPOINT_INTERVAL = Duration.ofSeconds(1);
    /** How many {@linkplain #prepared prepared statements} a connection keeps; the least recently used goes. */
    static final int STATEMENT_CACHE_SIZE = 64;

    /** Work done inside a transaction, given the transaction's connection. */
    @FunctionalInterface
    public interface Work<T> {
        /** Does the work; an exception rolls the transaction back. */
        T run(Connection connection) throws SQLException;
    }

    private final DatabaseConfig config;
    private final ReentrantLock lock = new ReentrantLock();
    private Connection connection; // guarded by lock; null until first use and after a connection error
    private Connection underway; // guarded by lock: the connection of the transaction under way
    private int depth; // guarded by lock: nesting of transaction() calls on the owning thread
    private boolean rollbackOnly; // guarded by lock: a joined transaction failed
    private boolean closed; // guarded by lock
    /** The connection's statements by SQL, least recently used first; closed with it. Guarded by lock. */
    private final LinkedHashMap<String, PreparedStatement> statements = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PreparedStatement> eldest) {
            if (size() <= STATEMENT_CACHE_SIZE) {
                return false;
            }
            closeQuietly(eldest.getValue());
            return true;
        }
    };
    private int schemaVersion;
    /** Runs the background checkpoints of an SQLite database; null until its first connection. Guarded by lock. */
    private ScheduledExecutorService checkpointer;
    /** The checkpointer's own connection; used on its thread only. */
    private Connection checkpointConnection;
    /** Commits so far, and as far as the last checkpoint saw. */
    private final AtomicLong commits = new AtomicLong();
    private long checkpointedCommits;
    /** Told when deferred writes were dropped: a transaction that ran some of them failed. */
    private final List<Runnable> droppedListeners = new CopyOnWriteArrayList<>();
    private boolean deferredUnderway; // guarded by lock: deferred writes ran in the transaction under way
    /** Each thread's deferred writes, in the order they were deferred. */
    private final ThreadLocal<List<Work<?>>> deferred = ThreadLocal.withInitial(ArrayList::new);

    private Database(DatabaseConfig config) {
        this.config = config;
    }

    /**
     * Opens the database and brings its schema up to date.
     *
     * @throws StoreException {@code UNAVAILABLE} when it cannot be reached, {@code SCHEMA_TOO_NEW} when a
     *     newer version of the hosting bridge has upgraded it, {@code SCHEMA_MISMATCH} when it holds
     *     another schema, {@code MIGRATION_FAILED} when an upgrade step failed (and was rolled back)
     */
    public static Database open(DatabaseConfig config) {
        return open(config, Migrations.HOSTING_BRIDGE);
    }

    /** Opens the database and applies {@code migrations}. */
    static Database open(DatabaseConfig config, Migrations migrations) {
        Database database = new Database(Objects.requireNonNull(config, "config"));
        try {
            database.migrate(migrations);
        } catch (RuntimeException e) {
            database.close();
            throw e;
        }
        return database;
    }

    /** Where this database is. */
    public DatabaseConfig config() {
        return config;
    }

    /** SQLite or PostgreSQL. */
    public Dialect dialect() {
        return config.dialect();
    }

    /** The schema version after opening: the number of the last migration applied. */
    public int schemaVersion() {
        return schemaVersion;
    }

    /**
     * Runs {@code work} in a transaction and commits it, or rolls it back if {@code work} throws. Inside
     * another transaction on the same thread, {@code work} joins it: nothing is committed until the
     * outermost one ends, and if {@code work} fails the outermost one is rolled back even if its caller
     * caught the failure. Other threads wait for the transaction to end.
     *
     * <p>{@code work} must let a failed statement's exception out rather than catch it and carry on:
     * PostgreSQL aborts a transaction at its first failed statement (the commit then fails), while
     * SQLite undoes only that statement.
     *
     * @return what {@code work} returned
     * @throws StoreException when a statement, the commit or the connection failed; the transaction was
     *     rolled back. (Should the connection to PostgreSQL break during the commit itself, whether it
     *     took effect cannot be known; the message says so.)
     */
    public <T> T transaction(Work<T> work) {
        Objects.requireNonNull(work, "work");
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the database " + config + " is closed");
            }
            if (depth > 0) {
                return joined(work);
            }
            flushDeferred(false); // the transaction's own commit syncs them with it
            return outermost(work);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Defers {@code work}, a write that need not be durable at once: it runs, in the order deferred, in one
     * transaction with this thread's other deferred writes when this thread calls {@link #flush}, begins its next
     * transaction (the deferred writes are committed first, on their own), or closes the database. Inside a
     * transaction under way on this thread it joins that transaction at once instead.
     *
     * <p>Until then it is neither visible nor durable: a crash forgets it, so defer only what is redone
     * if lost, such as the effects of handling an event that stays stored until its deletion, deferred after
     * them, is committed. If the transaction that runs the deferred writes fails, they are dropped and the
     * failure is thrown to whoever caused it.
     */
    public void defer(Work<?> work) {
        Objects.requireNonNull(work, "work");
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the database " + config + " is closed");
            }
            if (depth > 0) { // this thread's own transaction: the lock is held for its whole length
                deferredUnderway = true;
                joined(work);
                return;
            }
        } finally {
            lock.unlock();
        }
        deferred.get().add(work);
    }

    /**
     * Commits this thread's {@linkplain #defer deferred} writes in one transaction; does nothing if there are
     * none.
     *
     * @throws StoreException if that transaction failed; the deferred writes were dropped
     */
    public void flush() {
        flush(true);
    }

    /**
     * Commits this thread's {@linkplain #defer deferred} writes in one transaction like {@link #flush}, without
     * waiting for the disk: the commit survives a crash of the process at once, and a crash of the machine once
     * any later commit or checkpoint has synced. For deferred writes alone, which are redone when lost, as long as
     * nothing outside the database was done on their strength; before that, {@link #flush}.
     *
     * <p>Why that holds (SQLite in WAL mode with {@code synchronous=NORMAL} for this commit; PostgreSQL with
     * {@code synchronous_commit} off for it): the commit is in the write-ahead log, in the operating system's
     * cache, when this returns, so a {@code kill -9} loses nothing. A power loss can lose only the commits after
     * the last synced one: the log is replayed in order and stops at the first frame not fully on disk (each
     * frame's checksum covers those before it), so what is lost is a suffix of commits, never a hole, and every
     * synced commit (a homeserver transaction's intake, a trust record) syncs the log up to itself, this commit
     * included. A checkpoint syncs the log before it copies anything into the database file. So a lost deferred
     * commit means its writes, and everything after them, are undone together: the events whose handling they
     * recorded are still stored, with the handling undone, and are handled again.
     *
     * @throws StoreException if that transaction failed; the deferred writes were dropped
     */
    public void flushWithoutSync() {
        flush(false);
    }

    private void flush(boolean synced) {
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("the database " + config + " is closed");
            }
            if (depth > 0) {
                joined(c -> runDeferred(c));
            } else {
                flushDeferred(synced);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The statement for {@code sql} on {@code connection}, the connection a {@link Work} running on this thread was
     * given, prepared once and kept for the connection's life: for statements run for every event, which would
     * otherwise be compiled anew each time. The caller sets every parameter before each use, closes the result
     * sets it opens, and never closes the statement (the database does, with the connection); a statement is
     * not used again until its result set is closed.
     *
     * @throws IllegalStateException outside a transaction on this thread, or with another connection
     */
    public PreparedStatement prepared(Connection connection, String sql) throws SQLException {
        Objects.requireNonNull(sql, "sql");
        if (!lock.isHeldByCurrentThread() || depth == 0 || connection != underway) {
            throw new IllegalStateException("a cached statement is used only inside a transaction on its connection");
        }
        return cached(connection, sql);
    }

    private PreparedStatement cached(Connection c, String sql) throws SQLException {
        PreparedStatement s = statements.get(sql);
        if (s == null) {
            s = c.prepareStatement(sql);
            statements.put(sql, s);
        }
        return s;
    }

    private static void closeQuietly(Statement s) {
        try {
            s.close();
        } catch (SQLException e) {
            LOG.debug("closing a cached statement failed", e);
        }
    }

    /** How many statements the connection keeps prepared (for tests). */
    int cachedStatements() {
        lock.lock();
        try {
            return statements.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code listener} whenever deferred writes are dropped because the transaction that ran them failed, on
     * the thread that ran it, under this database's lock (so it must not wait for another lock): for a store that
     * keeps in memory what its deferred writes wrote, and must read it again.
     */
    public void onDeferredDropped(Runnable listener) {
        droppedListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** Whether this thread has deferred writes not yet run. */
    public boolean hasDeferred() {
        return !deferred.get().isEmpty();
    }

    private void flushDeferred(boolean synced) {
        if (!deferred.get().isEmpty()) {
            outermost(this::runDeferred, synced);
        }
    }

    /** Runs {@code work} as the outermost transaction; unless {@code synced}, its commit does not wait for the disk. */
    private <T> T outermost(Work<T> work, boolean synced) {
        if (synced) {
            return outermost(work);
        }
        if (config.dialect() == Dialect.POSTGRESQL) {
            return outermost(c -> {
                cached(c, "SET LOCAL synchronous_commit TO OFF").execute();
                return work.run(c);
            });
        }
        Connection c = connection();
        try {
            cached(c, "PRAGMA synchronous = NORMAL").execute();
        } catch (SQLException e) {
            throw failure("cannot commit without a sync", e);
        }
        try {
            return outermost(work);
        } finally {
            if (connection == c) { // else dropped: a new connection starts with FULL
                try {
                    cached(c, "PRAGMA synchronous = FULL").execute();
                } catch (SQLException e) {
                    LOG.warn("{}: cannot set synchronous=FULL again; reconnecting: {}", config, e.getMessage());
                    dropConnection();
                }
            }
        }
    }

    private Void runDeferred(Connection c) throws SQLException {
        deferredUnderway = true;
        List<Work<?>> works = deferred.get();
        List<Work<?>> batch = List.copyOf(works);
        works.clear(); // dropped if this fails: see defer()
        for (Work<?> work : batch) {
            work.run(c);
        }
        return null;
    }

    private <T> T joined(Work<T> work) {
        depth++;
        try {
            return work.run(underway);
        } catch (SQLException e) {
            rollbackOnly = true;
            throw failure("a statement failed", e);
        } catch (RuntimeException | Error e) {
            rollbackOnly = true;
            throw e;
        } finally {
            depth--;
        }
    }

    private <T> T outermost(Work<T> work) {
        Connection c = connection();
        try {
            begin(c);
        } catch (SQLException e) {
            throw failure("cannot begin a transaction", e);
        }
        underway = c;
        depth = 1;
        rollbackOnly = false;
        deferredUnderway = false;
        T result;
        try {
            result = work.run(c);
            if (rollbackOnly) {
                throw new StoreException(StoreException.Code.QUERY_FAILED,
                        "a part of this transaction failed, so all of it was rolled back");
            }
        } catch (SQLException e) {
            StoreException failure = failure("a statement failed", e); // first: it drops a broken connection
            rollback();
            deferredDropped();
            throw failure;
        } catch (RuntimeException | Error e) {
            rollback();
            deferredDropped();
            throw e;
        } finally {
            depth = 0;
            underway = null;
        }
        try {
            commit(c);
        } catch (SQLException e) {
            StoreException failure = failure(config.dialect() == Dialect.POSTGRESQL
                    ? "the commit failed; if the connection broke, it may or may not have taken effect"
                    : "the commit failed", e);
            rollback();
            deferredDropped();
            throw failure;
        }
        return result;
    }

    private void deferredDropped() {
        if (deferredUnderway) {
            deferredUnderway = false;
            droppedListeners.forEach(Runnable::run);
        }
    }

    // SQLite: autocommit stays on and transactions are begun explicitly, because the driver's own
    // transaction handling begins the next transaction right after each commit, and with BEGIN IMMEDIATE
    // that would hold the write lock between transactions. IMMEDIATE takes the write lock at the start,
    // so a transaction never fails half-way for a lock another process holds.
    private void begin(Connection c) throws SQLException {
        if (config.dialect() == Dialect.SQLITE) {
            cached(c, "BEGIN IMMEDIATE").execute();
        }
    }

    private void commit(Connection c) throws SQLException {
        if (config.dialect() == Dialect.SQLITE) {
            cached(c, "COMMIT").execute();
            commits.incrementAndGet();
        } else {
            // After a failed statement PostgreSQL aborts the transaction, and the driver's commit() then
            // rolls back without a word. That happens only when work caught a failure and carried on.
            if (c.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED) {
                throw new SQLException("a statement failed and PostgreSQL aborted the transaction; "
                        + "work must not catch a failed statement and carry on", "25P02");
            }
            c.commit();
        }
    }

    /** Rolls the transaction back, unless its connection was dropped (which ends it just as well). */
    private void rollback() {
        if (connection == null) {
            return;
        }
        try {
            if (config.dialect() == Dialect.SQLITE) {
                execute(connection, "ROLLBACK");
            } else {
                connection.rollback();
            }
        } catch (SQLException e) {
            // SQLite ends a transaction itself after some errors (a full disk, an I/O error); then there is
            // nothing left to roll back. Anything else leaves the connection in doubt: drop it.
            String message = String.valueOf(e.getMessage());
            if (!message.contains("no transaction is active")) {
                LOG.warn("rollback on {} failed: {}", config, message);
                dropConnection();
            }
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The failure as a StoreException; a broken connection is dropped, to be reopened by the next transaction. */
    private StoreException failure(String what, SQLException e) {
        // Class 08 is a connection exception; 57P01-57P03 are PostgreSQL shutting down or terminating
        // this session (a restart, an administrator's pg_terminate_backend).
        String state = e.getSQLState();
        boolean broken = state != null && (state.startsWith("08") || state.startsWith("57P0"));
        try {
            broken |= connection != null && connection.isClosed();
        } catch (SQLException ignored) {
            broken = true;
        }
        if (broken) {
            dropConnection();
            return new StoreException(StoreException.Code.UNAVAILABLE,
                    "lost the connection to " + config + ": " + e.getMessage(), e);
        }
        return new StoreException(StoreException.Code.QUERY_FAILED, what + " on " + config + ": " + e.getMessage(), e);
    }

    private void dropConnection() {
        statements.values().forEach(Database::closeQuietly);
        statements.clear();
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("closing a broken connection to {} failed", config, e);
            }
            connection = null;
        }
    }

    private Connection connection() {
        if (connection == null) {
            try {
                connection = connect();
            } catch (SQLException | IOException e) {
                throw new StoreException(StoreException.Code.UNAVAILABLE, "cannot open " + config + ": " + e.getMessage(),
                        e);
            }
        }
        return connection;
    }

    private Connection connect() throws SQLException, IOException {
        if (config instanceof DatabaseConfig.Sqlite sqlite) {
            Path file = sqlite.file().toAbsolutePath();
            Files.createDirectories(file.getParent());
            SQLiteConfig settings = new SQLiteConfig();
            settings.setJournalMode(SQLiteConfig.JournalMode.WAL);
            settings.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            settings.setBusyTimeout(BUSY_TIMEOUT_MS);
            // The journal and the pending events are written at random places for every event: keep the pages
            // in memory rather than read them back for each (SQLite's default cache is 2 MiB).
            settings.setCacheSize(-CACHE_KIB);
            settings.enforceForeignKeys(true);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, settings.toProperties());
            try (Statement s = c.createStatement()) {
                s.execute("PRAGMA wal_autocheckpoint = " + WAL_CHECKPOINT_PAGES);
            }
            try (Statement s = c.createStatement(); ResultSet mode = s.executeQuery("PRAGMA journal_mode")) {
                if (mode.next() && !"wal".equalsIgnoreCase(mode.getString(1))) {
                    // Still atomic and durable with a rollback journal, only slower; WAL fails on some network file systems.
                    LOG.warn("SQLite at {} runs with journal mode {}, not WAL", file, mode.getString(1));
                } else if (checkpointer == null) {
                    checkpointer = Executors.newSingleThreadScheduledExecutor(r -> {
                        Thread t = new Thread(r, "sqlite-checkpoint");
                        t.setDaemon(true);
                        return t;
                    });
                    checkpointer.scheduleWithFixedDelay(() -> checkpoint(file, settings), CHECKPOINT_INTERVAL.toMillis(),
                            CHECKPOINT_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                }
            }
            return c;
        }
        DatabaseConfig.Postgres postgres = (DatabaseConfig.Postgres) config;
        Properties properties = new Properties();
        if (postgres.user() != null) {
            properties.setProperty("user", postgres.user());
        }
        if (postgres.password() != null) {
            properties.setProperty("password", postgres.password());
        }
        properties.setProperty("ApplicationName", "byob-hosting-bridge");
        Connection c = DriverManager.getConnection(postgres.jdbcUrl(), properties);
        // READ COMMITTED is enough: one bridge writes, and establish() serialises on the trust_key row lock.
        c.setAutoCommit(false);
        return c;
    }

    /**
     * On the checkpointer's thread: copies what the WAL holds into the database file if anything was committed
     * since the last time. A failure is only logged: the next commit past {@link #WAL_CHECKPOINT_PAGES} checkpoints.
     */
    private void checkpoint(Path file, SQLiteConfig settings) {
        long seen = commits.get();
        if (seen == checkpointedCommits) {
            return;
        }
        try {
            if (checkpointConnection == null) {
                checkpointConnection = DriverManager.getConnection("jdbc:sqlite:" + file, settings.toProperties());
            }
            try (Statement s = checkpointConnection.createStatement()) {
                s.execute("PRAGMA wal_checkpoint(PASSIVE)");
            }
            checkpointedCommits = seen;
        } catch (SQLException e) {
            LOG.debug("{}: background checkpoint failed: {}", config, e.getMessage());
            closeCheckpointConnection();
        }
    }

    private void closeCheckpointConnection() {
        if (checkpointConnection != null) {
            try {
                checkpointConnection.close();
            } catch (SQLException e) {
                LOG.debug("closing the checkpoint connection to {} failed", config, e);
            }
            checkpointConnection = null;
        }
    }

    /** Stops the checkpointer, waiting for a checkpoint under way, and closes its connection. */
    private void stopCheckpointer() {
        if (checkpointer == null) {
            return;
        }
        checkpointer.shutdownNow();
        try {
            if (!checkpointer.awaitTermination(10, TimeUnit.SECONDS)) {
                LOG.warn("{}: a background checkpoint did not end within 10 s", config);
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        closeCheckpointConnection(); // its thread has ended
    }

    // ---- migrations ----

    private void migrate(Migrations migrations) {
        transaction(c -> {
            execute(c, "CREATE TABLE IF NOT EXISTS schema_version ("
                    + "version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)");
            return null;
        });
        TreeMap<Integer, String> applied = transaction(Database::applied);
        int current = applied.isEmpty() ? 0 : applied.lastKey();
        if (current > migrations.latestVersion()) {
            throw new StoreException(StoreException.Code.SCHEMA_TOO_NEW, "the database " + config
                    + " has schema version " + current + " (" + applied.get(current) + "), newer than the "
                    + migrations.latestVersion() + " this hosting bridge knows: a newer version upgraded it. Run "
                    + "that version, or restore the backup taken before the upgrade.");
        }
        for (var row : applied.entrySet()) {
            Migrations.Migration expected = migrations.all().get(row.getKey() - 1);
            if (!expected.name().equals(row.getValue())) {
                throw new StoreException(StoreException.Code.SCHEMA_MISMATCH, "the database " + config
                        + " has migration " + row.getKey() + " '" + row.getValue() + "' where this hosting bridge has '"
                        + expected.name() + "': it holds another program's schema");
            }
        }
        int from = current;
        for (Migrations.Migration m : migrations.all()) {
            boolean ran;
            try {
                ran = transaction(c -> apply(c, m));
            } catch (StoreException e) {
                throw new StoreException(StoreException.Code.MIGRATION_FAILED, "migration " + m.fileName() + " on "
                        + config + " failed and was rolled back; the schema stays at version " + (m.version() - 1)
                        + ": " + e.getMessage(), e);
            }
            if (ran) {
                LOG.debug("{}: applied schema migration {}", config, m.fileName());
            }
        }
        schemaVersion = migrations.latestVersion();
        if (schemaVersion != from) {
            LOG.info("{}: schema migrated from version {} to {}", config, from, schemaVersion);
        }
    }

    private static TreeMap<Integer, String> applied(Connection c) throws SQLException {
        TreeMap<Integer, String> applied = new TreeMap<>();
        try (Statement s = c.createStatement(); ResultSet rows = s.executeQuery("SELECT version, name FROM schema_version")) {
            while (rows.next()) {
                applied.put(rows.getInt(1), rows.getString(2));
            }
        }
        return applied;
    }

    /** Applies {@code m} unless it already is: another process may have migrated since this one looked. */
    private boolean apply(Connection c, Migrations.Migration m) throws SQLException {
        TreeMap<Integer, String> applied = applied(c);
        if (applied.containsKey(m.version())) {
            return false;
        }
        for (String statement : m.statements(config.dialect())) {
            execute(c, statement);
        }
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)")) {
            insert.setInt(1, m.version());
            insert.setString(2, m.name());
            insert.setString(3, Instant.now().toString());
            insert.executeUpdate();
        }
        return true;
    }

    /**
     * Commits the closing thread's {@linkplain #defer deferred} writes (a failure is logged), then closes the
     * connection; later transactions fail. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed && depth == 0 && hasDeferred()) {
                try {
                    flushDeferred(true);
                } catch (RuntimeException e) {
                    LOG.warn("{}: deferred writes not committed at close: {}", config, e.getMessage());
                }
            }
            closed = true;
            dropConnection();
            stopCheckpointer();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Database[" + config + "]";
    }
}
