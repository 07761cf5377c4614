package dev.byob.visiting.store;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.RoomId;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.Accept;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.visiting.RemoteTargetPins;
import dev.byob.protocol.visiting.TrustReceipt;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * The visiting bridge's durable state in one SQLite file under the data directory: the {@code /sync} tokens,
 * the DMs with hosting bridges' bots (whether the bot has joined, and the back-off after failed ones, §3.3) and
 * with the user, the remote-proof targets pinned per hosting bridge bot (§2.3), the trust receipts with their fill-in
 * acknowledgements (so a restart resumes without a new handshake), the relations that ended and must not
 * be renewed without the user's word (§10.5), the portal rooms it created and whether it retired them (§13.3),
 * and the {@link RelayLog}.
 *
 * <p>Every change is one transaction, committed with {@code synchronous=FULL} in WAL mode before the method
 * returns: a {@code kill -9} (or a power cut) at any point leaves each change either done or not done. The
 * schema carries its version in {@code PRAGMA user_version} and is brought up to date by {@link #MIGRATIONS}
 * on open. A {@code state.json} written by earlier versions is imported once and renamed.
 *
 * <p>Thread-safe (each method holds the store's lock), though the bridge uses it from its core thread.
 */
public final class StateStore implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
    /** The database file under the data directory. */
    public static final String FILE = "state.db";
    /** The JSON state file of earlier versions, imported once. */
    public static final String LEGACY_FILE = "state.json";
    /** The directory under the data directory holding sqlite-jdbc's native library, extracted once. */
    public static final String NATIVE_DIR = "native";

    /**
     * The schema's history, one entry per version: append, never edit a released one. Entry {@code i}
     * brings the schema from version {@code i} to {@code i + 1}.
     */
    static final List<List<String>> MIGRATIONS = List.of(List.of(
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
            "CREATE TABLE dm (account TEXT NOT NULL, peer TEXT NOT NULL, room_id TEXT NOT NULL,"
                    + " PRIMARY KEY (account, peer))",
            "CREATE TABLE trust (hb_bot TEXT NOT NULL, user_id TEXT NOT NULL, protocol TEXT NOT NULL,"
                    + " network TEXT NOT NULL, epoch INTEGER NOT NULL, established_at INTEGER NOT NULL,"
                    + " lease_ms INTEGER NOT NULL, heartbeat_interval_ms INTEGER NOT NULL, txn_id TEXT NOT NULL,"
                    + " fill_ack INTEGER NOT NULL, PRIMARY KEY (hb_bot, user_id, protocol, network))",
            "CREATE TABLE trust_end (hb_bot TEXT NOT NULL, user_id TEXT NOT NULL, protocol TEXT NOT NULL,"
                    + " network TEXT NOT NULL, code TEXT NOT NULL, reason TEXT NOT NULL, ended_at INTEGER NOT NULL,"
                    + " PRIMARY KEY (hb_bot, user_id, protocol, network))",
            "CREATE TABLE relay (direction TEXT NOT NULL, message_id TEXT NOT NULL, room_id TEXT,"
                    + " kind TEXT, text TEXT, observed_at INTEGER NOT NULL,"
                    + " observed_live INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
                    + " result TEXT, updated_at INTEGER NOT NULL, PRIMARY KEY (direction, message_id))",
            "CREATE INDEX relay_by_status ON relay (status, observed_at)"),
            // 2: portal rooms the bridge created for its user (§13.3).
            List.of("CREATE TABLE portal (room_id TEXT PRIMARY KEY, protocol TEXT NOT NULL, network TEXT NOT NULL,"
                    + " channel TEXT NOT NULL, user_id TEXT NOT NULL, created_at INTEGER NOT NULL, stage TEXT NOT NULL,"
                    + " replacement TEXT, body TEXT, updated_at INTEGER NOT NULL)"),
            // 3: DMs whose peer has not joined yet (§3.3), the back-off of failed DMs, pinned proof targets (§2.3).
            List.of("ALTER TABLE dm ADD COLUMN created_at INTEGER",
                    "ALTER TABLE dm ADD COLUMN peer_joined INTEGER NOT NULL DEFAULT 1",
                    "CREATE TABLE dm_retry (account TEXT NOT NULL, peer TEXT NOT NULL, failures INTEGER NOT NULL,"
                            + " next_at INTEGER NOT NULL, reason TEXT NOT NULL, PRIMARY KEY (account, peer))",
                    "CREATE TABLE target_pin (hb_bot TEXT NOT NULL, protocol TEXT NOT NULL, network TEXT NOT NULL,"
                            + " target TEXT NOT NULL, PRIMARY KEY (hb_bot, protocol, network))"));

    /** Which of the bridge's accounts a DM belongs to. */
    public enum DmOwner {
        /** The bridge's bot (or the user's account standing in for it): the DM of §3.1 with a hosting bridge bot. */
        PAIR,
        /** The user's own DM with a hosting bridge bot, for the {@code dm} Matrix proof (§7.1). */
        USER,
        /** The bridge bot's DM with its user: commands and notices. */
        CONTROL
    }

    /** A receipt and the highest fill-in recorded for it. */
    public record StoredTrust(TrustReceipt receipt, long fillAck) {}

    /**
     * A DM with a peer: {@code createdAt} when this bridge created it (empty for one it joined or an earlier
     * version recorded), {@code peerJoined} once the peer is in it.
     */
    public record StoredDm(RoomId room, Optional<Instant> createdAt, boolean peerJoined) {}

    /** Creating a DM with a peer failed {@code failures} times in a row; the next try is not before {@code nextAt}. */
    public record DmRetry(int failures, Instant nextAt, String reason) {}

    /** A relation that ended in a way that forbids a new handshake until the user asks (§10.5). */
    public record TrustEnd(TrustKey key, String code, String reason, Instant endedAt) {}

    /** Where a portal room is in its life. */
    public enum PortalStage {
        /** Bridged. */
        LIVE,
        /** Its retirement is decided: the tombstone may not be sent yet, nor the room left. */
        RETIRING,
        /** Tombstoned and left. */
        RETIRED
    }

    /**
     * A portal room the bridge created for {@code user} to {@code channel} on {@code network}; a retired one
     * names the room that replaced it and the tombstone's text.
     */
    public record StoredPortal(RoomId room, Network network, String channel, UserId user, Instant createdAt,
                               PortalStage stage, Optional<RoomId> replacement, Optional<String> body) {}

    private final Path file;
    private final Connection connection;
    private final RelayLog relays;

    private StateStore(Path file, Connection connection) {
        this.file = file;
        this.connection = connection;
        this.relays = new RelayLog(this);
    }

    /**
     * Opens (creating if needed) {@code data_dir/state.db}, migrates it, and imports {@code data_dir/state.json}
     * once if an earlier version left one.
     *
     * @throws IOException when the database cannot be opened or migrated, or the old state cannot be read
     */
    public static StateStore open(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE).toAbsolutePath();
        StateStore store;
        SqliteNative.useCopyIn(dataDir.resolve(NATIVE_DIR));
        try {
            SQLiteConfig settings = new SQLiteConfig();
            settings.setJournalMode(SQLiteConfig.JournalMode.WAL);
            settings.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
            settings.setBusyTimeout(5_000);
            Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, settings.toProperties());
            store = new StateStore(file, c);
        } catch (SQLException e) {
            throw new IOException("cannot open the state database " + file + ": " + e.getMessage(), e);
        }
        try {
            store.migrate();
            store.importLegacy(dataDir.resolve(LEGACY_FILE));
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
        return store;
    }

    /** The log of the user's messages and their relays, in the same database. */
    public RelayLog relays() {
        return relays;
    }

    /** The schema version of the open database. */
    public synchronized int schemaVersion() {
        return query("PRAGMA user_version", rs -> rs.getInt(1), -1);
    }

    // ---- sync tokens ----

    /** The {@code next_batch} of the last {@code /sync} handled for {@code account} ("user" or "bot"). */
    public synchronized Optional<String> nextBatch(String account) {
        return meta(account + "_next_batch");
    }

    /** Records the {@code next_batch} of a {@code /sync} of {@code account} once its events are handled. */
    public synchronized void nextBatch(String account, String token) {
        write(c -> putMeta(c, account + "_next_batch", token));
    }

    /** Whether the user logged out: no handshake starts until they log in again. */
    public synchronized boolean loggedOut() {
        return meta("logged_out").map(Boolean::parseBoolean).orElse(false);
    }

    /** Records that the user logged out ({@code true}) or in again. */
    public synchronized void loggedOut(boolean loggedOut) {
        write(c -> putMeta(c, "logged_out", Boolean.toString(loggedOut)));
    }

    // ---- DMs ----

    /** The DMs of {@code owner}, by the other party. */
    public synchronized Map<UserId, RoomId> dms(DmOwner owner) {
        Map<UserId, RoomId> out = new LinkedHashMap<>();
        read("SELECT peer, room_id FROM dm WHERE account = ? ORDER BY rowid", ps -> ps.setString(1, owner.name()),
                rs -> out.put(UserId.parse(rs.getString(1)), RoomId.parse(rs.getString(2))));
        return out;
    }

    /** Records {@code room} as the DM of {@code owner} with {@code peer}, replacing any earlier one. */
    public synchronized void dm(DmOwner owner, UserId peer, RoomId room) {
        write(c -> putDm(c, owner, peer, room));
    }

    /** The DMs of {@code owner} with whether their peer joined, by the other party. */
    public synchronized Map<UserId, StoredDm> dmRecords(DmOwner owner) {
        Map<UserId, StoredDm> out = new LinkedHashMap<>();
        read("SELECT peer, room_id, created_at, peer_joined FROM dm WHERE account = ? ORDER BY rowid",
                ps -> ps.setString(1, owner.name()), rs -> {
                    long created = rs.getLong(3);
                    Optional<Instant> createdAt = rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(created));
                    out.put(UserId.parse(rs.getString(1)), new StoredDm(RoomId.parse(rs.getString(2)), createdAt,
                            rs.getInt(4) != 0));
                });
        return out;
    }

    /** Records {@code room}, just created by this bridge at {@code at}, as the DM of {@code owner} with {@code peer}, not joined by it yet. */
    public synchronized void dmCreated(DmOwner owner, UserId peer, RoomId room, Instant at) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO dm (account, peer, room_id,"
                    + " created_at, peer_joined) VALUES (?, ?, ?, ?, 0)")) {
                ps.setString(1, owner.name());
                ps.setString(2, peer.value());
                ps.setString(3, room.value());
                ps.setLong(4, at.toEpochMilli());
                ps.executeUpdate();
            }
        });
    }

    /** The peer joined {@code room}, the DM of {@code owner} with it; a DM since replaced is left as it is. */
    public synchronized void dmJoined(DmOwner owner, UserId peer, RoomId room) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE dm SET peer_joined = 1 WHERE account = ? AND peer = ?"
                    + " AND room_id = ?")) {
                ps.setString(1, owner.name());
                ps.setString(2, peer.value());
                ps.setString(3, room.value());
                ps.executeUpdate();
            }
        });
    }

    /** Forgets {@code room} as the DM of {@code owner} with {@code peer}, if it still is. */
    public synchronized void forgetDm(DmOwner owner, UserId peer, RoomId room) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM dm WHERE account = ? AND peer = ? AND room_id = ?")) {
                ps.setString(1, owner.name());
                ps.setString(2, peer.value());
                ps.setString(3, room.value());
                ps.executeUpdate();
            }
        });
    }

    /** The back-offs of {@code owner}'s failed DMs, by peer. */
    public synchronized Map<UserId, DmRetry> dmRetries(DmOwner owner) {
        Map<UserId, DmRetry> out = new LinkedHashMap<>();
        read("SELECT peer, failures, next_at, reason FROM dm_retry WHERE account = ? ORDER BY rowid",
                ps -> ps.setString(1, owner.name()), rs -> out.put(UserId.parse(rs.getString(1)),
                        new DmRetry(rs.getInt(2), Instant.ofEpochMilli(rs.getLong(3)), rs.getString(4))));
        return out;
    }

    /** Records the back-off after a failed DM of {@code owner} with {@code peer}, or clears it ({@code null}). */
    public synchronized void dmRetry(DmOwner owner, UserId peer, DmRetry retry) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement(retry == null
                    ? "DELETE FROM dm_retry WHERE account = ? AND peer = ?"
                    : "INSERT OR REPLACE INTO dm_retry (account, peer, failures, next_at, reason) VALUES (?, ?, ?, ?, ?)")) {
                ps.setString(1, owner.name());
                ps.setString(2, peer.value());
                if (retry != null) {
                    ps.setInt(3, retry.failures());
                    ps.setLong(4, retry.nextAt().toEpochMilli());
                    ps.setString(5, retry.reason());
                }
                ps.executeUpdate();
            }
        });
    }

    // ---- pinned remote-proof targets ----

    /** Every remote-proof target pinned (§2.3). */
    public synchronized List<RemoteTargetPins.Pin> pins() {
        List<RemoteTargetPins.Pin> out = new java.util.ArrayList<>();
        read("SELECT hb_bot, protocol, network, target FROM target_pin ORDER BY rowid", ps -> { },
                rs -> out.add(new RemoteTargetPins.Pin(UserId.parse(rs.getString(1)),
                        new Network(rs.getString(2), rs.getString(3)), rs.getString(4))));
        return out;
    }

    /** Records a pin; one already recorded for that bot and network stays. */
    public synchronized void pin(RemoteTargetPins.Pin pin) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR IGNORE INTO target_pin (hb_bot, protocol,"
                    + " network, target) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, pin.hbBot().value());
                ps.setString(2, pin.network().protocol());
                ps.setString(3, pin.network().id());
                ps.setString(4, pin.target());
                ps.executeUpdate();
            }
        });
    }

    private static void putDm(Connection c, DmOwner owner, UserId peer, RoomId room) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO dm (account, peer, room_id)"
                + " VALUES (?, ?, ?)")) {
            ps.setString(1, owner.name());
            ps.setString(2, peer.value());
            ps.setString(3, room.value());
            ps.executeUpdate();
        }
    }

    // ---- trust ----

    /** Every trust receipt held. */
    public synchronized Map<TrustKey, StoredTrust> trust() {
        Map<TrustKey, StoredTrust> out = new LinkedHashMap<>();
        read("SELECT hb_bot, user_id, protocol, network, epoch, established_at, lease_ms, heartbeat_interval_ms,"
                + " txn_id, fill_ack FROM trust ORDER BY rowid", ps -> { }, rs -> {
                    TrustKey key = key(rs);
                    TrustReceipt r = new TrustReceipt(key, rs.getLong(5), Instant.ofEpochMilli(rs.getLong(6)),
                            new Accept.LeaseTerms(rs.getLong(7), rs.getLong(8)), new TxnId(rs.getString(9)));
                    out.put(key, new StoredTrust(r, rs.getLong(10)));
                });
        return out;
    }

    /** Records trust (or its renewal with a higher {@code fillAck}); any earlier end of the relation is cleared. */
    public synchronized void trust(TrustReceipt receipt, long fillAck) {
        write(c -> putTrust(c, receipt, fillAck));
    }

    private static void putTrust(Connection c, TrustReceipt receipt, long fillAck) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO trust (hb_bot, user_id, protocol,"
                + " network, epoch, established_at, lease_ms, heartbeat_interval_ms, txn_id, fill_ack)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            bindKey(ps, receipt.key());
            ps.setLong(5, receipt.epoch());
            ps.setLong(6, receipt.establishedAt().toEpochMilli());
            ps.setLong(7, receipt.lease().leaseMs());
            ps.setLong(8, receipt.lease().heartbeatIntervalMs());
            ps.setString(9, receipt.txnId().value());
            ps.setLong(10, fillAck);
            ps.executeUpdate();
        }
        deleteKey(c, "trust_end", receipt.key());
    }

    /** Trust ended: the receipt is forgotten and, with {@code code}, the end recorded (§10.5). */
    public synchronized void ended(TrustKey key, String code, String reason, Instant at) {
        write(c -> {
            deleteKey(c, "trust", key);
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO trust_end (hb_bot, user_id,"
                    + " protocol, network, code, reason, ended_at) VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                bindKey(ps, key);
                ps.setString(5, code);
                ps.setString(6, reason);
                ps.setLong(7, at.toEpochMilli());
                ps.executeUpdate();
            }
        });
    }

    /** The relations that ended and wait for the user before a new handshake. */
    public synchronized Map<TrustKey, TrustEnd> ends() {
        Map<TrustKey, TrustEnd> out = new LinkedHashMap<>();
        read("SELECT hb_bot, user_id, protocol, network, code, reason, ended_at FROM trust_end ORDER BY rowid",
                ps -> { }, rs -> {
                    TrustKey key = key(rs);
                    out.put(key, new TrustEnd(key, rs.getString(5), rs.getString(6),
                            Instant.ofEpochMilli(rs.getLong(7))));
                });
        return out;
    }

    /** The user asked for trust again: every recorded end is cleared. */
    public synchronized void clearEnds() {
        write(c -> {
            try (Statement s = c.createStatement()) {
                s.executeUpdate("DELETE FROM trust_end");
            }
        });
    }

    // ---- portal rooms ----

    /** Every portal room the bridge created, in the order created. */
    public synchronized List<StoredPortal> portals() {
        List<StoredPortal> out = new java.util.ArrayList<>();
        read("SELECT room_id, protocol, network, channel, user_id, created_at, stage, replacement, body FROM portal"
                + " ORDER BY rowid", ps -> { }, rs -> out.add(new StoredPortal(RoomId.parse(rs.getString(1)),
                        new Network(rs.getString(2), rs.getString(3)), rs.getString(4), UserId.parse(rs.getString(5)),
                        Instant.ofEpochMilli(rs.getLong(6)), PortalStage.valueOf(rs.getString(7)),
                        Optional.ofNullable(rs.getString(8)).map(RoomId::parse), Optional.ofNullable(rs.getString(9)))));
        return out;
    }

    /** Records {@code room}, just created, as a live portal of {@code user} to {@code channel} on {@code network}. */
    public synchronized void portalCreated(RoomId room, Network network, String channel, UserId user, Instant at) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO portal (room_id, protocol, network, channel,"
                    + " user_id, created_at, stage, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                ps.setString(1, room.value());
                ps.setString(2, network.protocol());
                ps.setString(3, network.id());
                ps.setString(4, channel);
                ps.setString(5, user.value());
                ps.setLong(6, at.toEpochMilli());
                ps.setString(7, PortalStage.LIVE.name());
                ps.setLong(8, at.toEpochMilli());
                ps.executeUpdate();
            }
        });
    }

    /**
     * Records that the live portal {@code room} is to be retired for {@code replacement}, before the tombstone is
     * sent.
     *
     * @return false if {@code room} is not a live portal (unknown, or retired already): nothing is changed
     */
    public synchronized boolean portalRetiring(RoomId room, RoomId replacement, String body, Instant at) {
        int[] changed = {0};
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE portal SET stage = ?, replacement = ?, body = ?,"
                    + " updated_at = ? WHERE room_id = ? AND stage = ?")) {
                ps.setString(1, PortalStage.RETIRING.name());
                ps.setString(2, replacement.value());
                ps.setString(3, body);
                ps.setLong(4, at.toEpochMilli());
                ps.setString(5, room.value());
                ps.setString(6, PortalStage.LIVE.name());
                changed[0] = ps.executeUpdate();
            }
        });
        return changed[0] == 1;
    }

    /** Records that the portal {@code room} carries its tombstone and the bridge has left it. */
    public synchronized void portalRetired(RoomId room, Instant at) {
        write(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE portal SET stage = ?, updated_at = ?"
                    + " WHERE room_id = ? AND stage = ?")) {
                ps.setString(1, PortalStage.RETIRED.name());
                ps.setLong(2, at.toEpochMilli());
                ps.setString(3, room.value());
                ps.setString(4, PortalStage.RETIRING.name());
                ps.executeUpdate();
            }
        });
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("closing {} failed", file, e);
        }
    }

    @Override
    public String toString() {
        return "StateStore[" + file + "]";
    }

    // ---- internals, shared with RelayLog ----

    @FunctionalInterface
    interface Work {
        void run(Connection c) throws SQLException;
    }

    @FunctionalInterface
    interface Binder {
        void bind(PreparedStatement ps) throws SQLException;
    }

    @FunctionalInterface
    interface RowReader {
        void row(ResultSet rs) throws SQLException;
    }

    @FunctionalInterface
    interface Value<T> {
        T of(ResultSet rs) throws SQLException;
    }

    /** Runs {@code work} in one transaction, committed before returning. */
    synchronized void write(Work work) {
        try {
            execute("BEGIN IMMEDIATE");
            try {
                work.run(connection);
                execute("COMMIT");
            } catch (SQLException | RuntimeException e) {
                execute("ROLLBACK");
                throw e;
            }
        } catch (SQLException e) {
            throw new StoreException("writing to " + file + " failed: " + e.getMessage(), e);
        }
    }

    synchronized void read(String sql, Binder binder, RowReader reader) {
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            binder.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    reader.row(rs);
                }
            }
        } catch (SQLException e) {
            throw new StoreException("reading " + file + " failed: " + e.getMessage(), e);
        }
    }

    private <T> T query(String sql, Value<T> value, T none) {
        Object[] out = {none};
        read(sql, ps -> { }, rs -> out[0] = value.of(rs));
        @SuppressWarnings("unchecked")
        T t = (T) out[0];
        return t;
    }

    private void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    private Optional<String> meta(String key) {
        String[] out = {null};
        read("SELECT value FROM meta WHERE key = ?", ps -> ps.setString(1, key), rs -> out[0] = rs.getString(1));
        return Optional.ofNullable(out[0]);
    }

    private static void putMeta(Connection c, String key, String value) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")) {
            ps.setString(1, key);
            ps.setString(2, value);
            ps.executeUpdate();
        }
    }

    private static TrustKey key(ResultSet rs) throws SQLException {
        return new TrustKey(UserId.parse(rs.getString(1)), UserId.parse(rs.getString(2)),
                new Network(rs.getString(3), rs.getString(4)));
    }

    private static void bindKey(PreparedStatement ps, TrustKey key) throws SQLException {
        ps.setString(1, key.hbBot().value());
        ps.setString(2, key.userId().value());
        ps.setString(3, key.network().protocol());
        ps.setString(4, key.network().id());
    }

    private static void deleteKey(Connection c, String table, TrustKey key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + table
                + " WHERE hb_bot = ? AND user_id = ? AND protocol = ? AND network = ?")) {
            bindKey(ps, key);
            ps.executeUpdate();
        }
    }

    private void migrate() throws IOException {
        int version = schemaVersion();
        if (version > MIGRATIONS.size()) {
            throw new IOException(file + " has schema version " + version + ", newer than the " + MIGRATIONS.size()
                    + " this visiting bridge knows: a newer version wrote it. Run that version.");
        }
        for (int v = version; v < MIGRATIONS.size(); v++) {
            List<String> statements = MIGRATIONS.get(v);
            int next = v + 1;
            try {
                // user_version is written inside the transaction: a crash leaves the step done or not done.
                write(c -> {
                    for (String sql : statements) {
                        execute(sql);
                    }
                    execute("PRAGMA user_version = " + next);
                });
            } catch (StoreException e) {
                throw new IOException("migrating " + file + " to schema version " + next + " failed and was rolled"
                        + " back: " + e.getMessage(), e);
            }
            LOG.debug("{}: schema version {}", file, next);
        }
    }

    private void importLegacy(Path legacy) throws IOException {
        if (!Files.exists(legacy)) {
            return;
        }
        if (meta("legacy_imported").isEmpty()) {
            StateFile old = StateFile.read(legacy);
            write(c -> {
                if (old.userNextBatch() != null) {
                    putMeta(c, "user_next_batch", old.userNextBatch());
                }
                if (old.botNextBatch() != null) {
                    putMeta(c, "bot_next_batch", old.botNextBatch());
                }
                for (Map.Entry<UserId, RoomId> e : old.pairDms().entrySet()) {
                    putDm(c, DmOwner.PAIR, e.getKey(), e.getValue());
                }
                for (Map.Entry<UserId, RoomId> e : old.userDms().entrySet()) {
                    putDm(c, DmOwner.USER, e.getKey(), e.getValue());
                }
                for (StoredTrust t : old.trust().values()) {
                    putTrust(c, t.receipt(), t.fillAck());
                }
                putMeta(c, "legacy_imported", Instant.now().toString());
            });
            LOG.info("imported {} into {}", legacy, file);
        }
        // Renamed only after the import is committed; a crash in between imports nothing twice (the marker).
        Files.move(legacy, legacy.resolveSibling(LEGACY_FILE + ".imported"), StandardCopyOption.REPLACE_EXISTING);
    }
}
