package dev.byob.hosting.store;

import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.RemoteAccount;
import dev.byob.protocol.id.TxnId;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.RevokeCode;
import dev.byob.protocol.message.VisitingBridgeId;
import dev.byob.protocol.trust.TrustCandidate;
import dev.byob.protocol.trust.TrustKey;
import dev.byob.protocol.trust.TrustRecord;
import dev.byob.protocol.trust.TrustStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Trust records in SQLite or PostgreSQL (tables {@code trust_key} and {@code trust_record}), with every
 * epoch's record kept. Behaves as {@link dev.byob.protocol.trust.InMemoryTrustStore} does, durably:
 * {@link #establish} writes the new record, the new last epoch and the end of the record it replaces
 * in one transaction, committed before it returns (specification §10.6), so after a crash a record is
 * either complete or absent and an epoch is never handed out twice.
 *
 * <p>Every method joins an enclosing {@link Database#transaction} on the same thread.
 */
public final class SqlTrustStore implements TrustStore {
    private static final String COLUMNS = KeyColumns.NAMES + ", epoch, remote_account, vb_bot, vb_key_id, "
            + "vb_public_key, matrix_proof_method, remote_proof_method, established_at, txn_id, ended_code, ended_at";

    private final Database database;

    /** A store in {@code database}, which must have been opened with the hosting bridge's schema. */
    public SqlTrustStore(Database database) {
        this.database = Objects.requireNonNull(database, "database");
    }

    @Override
    public Optional<TrustRecord> find(TrustKey key) {
        Objects.requireNonNull(key, "key");
        return database.transaction(c -> latest(c, key));
    }

    @Override
    public Optional<TrustRecord> find(TrustKey key, long epoch) {
        Objects.requireNonNull(key, "key");
        return database.transaction(c -> {
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM trust_record WHERE " + KeyColumns.MATCH + " AND epoch = ?")) {
                s.setLong(KeyColumns.bind(s, 1, key), epoch);
                return one(s);
            }
        });
    }

    @Override
    public Establishment establish(TrustCandidate candidate, Instant now) {
        Objects.requireNonNull(candidate, "candidate");
        Objects.requireNonNull(now, "now");
        TrustKey key = candidate.key();
        return database.transaction(c -> {
            long epoch = nextEpoch(c, key);
            Optional<TrustRecord> previous = inForce(c, key);
            Optional<TrustRecord> superseded = previous.map(p -> p.end(RevokeCode.SUPERSEDED, now));
            if (superseded.isPresent()) {
                // Ended before the insert: the unique index allows one record in force per key.
                end(c, superseded.get());
            }
            TrustRecord record = new TrustRecord(key, candidate.remoteAccount(), candidate.vb(),
                    candidate.matrixProofMethod(), candidate.remoteProofMethod(), now, epoch, candidate.txnId(),
                    Optional.empty());
            insert(c, record);
            return new Establishment(record, superseded);
        });
    }

    @Override
    public Optional<TrustRecord> revoke(TrustKey key, long epoch, RevokeCode code, Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(now, "now");
        return database.transaction(c -> {
            // Only the latest record can be in force, so "in force at this epoch" is the whole condition.
            Optional<TrustRecord> current = inForce(c, key).filter(r -> r.epoch() == epoch);
            if (current.isEmpty()) {
                return Optional.empty();
            }
            TrustRecord ended = current.get().end(code, now);
            end(c, ended);
            return Optional.of(ended);
        });
    }

    @Override
    public List<TrustRecord> all() {
        return database.transaction(c -> {
            List<TrustRecord> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT " + prefixed("r.") + " FROM trust_record r"
                    + " JOIN trust_key k ON k.hb_bot = r.hb_bot AND k.user_id = r.user_id"
                    + " AND k.network_protocol = r.network_protocol AND k.network_id = r.network_id"
                    + " AND k.last_epoch = r.epoch"
                    + " ORDER BY r.hb_bot, r.user_id, r.network_protocol, r.network_id");
                 ResultSet rows = s.executeQuery()) {
                while (rows.next()) {
                    out.add(read(rows));
                }
            }
            return out;
        });
    }

    // ---- statements ----

    /** Takes the next epoch of {@code key}: one more than the last handed out, or 1. */
    private static long nextEpoch(Connection c, TrustKey key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO trust_key (" + KeyColumns.NAMES
                + ", last_epoch) VALUES (?, ?, ?, ?, 1) ON CONFLICT (" + KeyColumns.NAMES
                + ") DO UPDATE SET last_epoch = trust_key.last_epoch + 1")) {
            KeyColumns.bind(s, 1, key);
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("SELECT last_epoch FROM trust_key WHERE " + KeyColumns.MATCH)) {
            KeyColumns.bind(s, 1, key);
            try (ResultSet row = s.executeQuery()) {
                if (!row.next()) {
                    throw new SQLException("trust_key row of " + key + " vanished in its own transaction");
                }
                return row.getLong(1);
            }
        }
    }

    private static Optional<TrustRecord> latest(Connection c, TrustKey key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM trust_record WHERE "
                + KeyColumns.MATCH + " ORDER BY epoch DESC LIMIT 1")) {
            KeyColumns.bind(s, 1, key);
            return one(s);
        }
    }

    private static Optional<TrustRecord> inForce(Connection c, TrustKey key) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + COLUMNS + " FROM trust_record WHERE "
                + KeyColumns.MATCH + " AND ended_code IS NULL")) {
            KeyColumns.bind(s, 1, key);
            return one(s);
        }
    }

    private static void end(Connection c, TrustRecord ended) throws SQLException {
        TrustRecord.Ending ending = ended.ended().orElseThrow();
        try (PreparedStatement s = c.prepareStatement("UPDATE trust_record SET ended_code = ?, ended_at = ? WHERE "
                + KeyColumns.MATCH + " AND epoch = ? AND ended_code IS NULL")) {
            s.setString(1, ending.code().value());
            s.setString(2, ending.at().toString());
            s.setLong(KeyColumns.bind(s, 3, ended.key()), ended.epoch());
            if (s.executeUpdate() != 1) {
                throw new SQLException("the record of " + ended.key() + " at epoch " + ended.epoch()
                        + " was no longer in force");
            }
        }
    }

    private static void insert(Connection c, TrustRecord r) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("INSERT INTO trust_record (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)")) {
            int i = KeyColumns.bind(s, 1, r.key());
            s.setLong(i++, r.epoch());
            s.setString(i++, r.remoteAccount().name());
            s.setString(i++, r.vb().bot().value());
            s.setString(i++, r.vb().key().keyId().toString());
            s.setString(i++, r.vb().key().publicKeyBase64());
            s.setString(i++, r.matrixProofMethod());
            s.setString(i++, r.remoteProofMethod());
            s.setString(i++, r.establishedAt().toString());
            s.setString(i, r.txnId().value());
            s.executeUpdate();
        }
    }

    private static Optional<TrustRecord> one(PreparedStatement s) throws SQLException {
        try (ResultSet row = s.executeQuery()) {
            return row.next() ? Optional.of(read(row)) : Optional.empty();
        }
    }

    private static String prefixed(String alias) {
        return alias + COLUMNS.replace(", ", ", " + alias);
    }

    /** The record in the current row, selected as {@link #COLUMNS}. */
    private static TrustRecord read(ResultSet row) throws SQLException {
        String where = row.getString(2) + " on " + row.getString(3) + "/" + row.getString(4) + " via "
                + row.getString(1) + " at epoch " + row.getLong(5);
        try {
            TrustKey key = KeyColumns.read(row, 1);
            VerifyKey vbKey = VerifyKey.stored(KeyId.parse(row.getString(8)), row.getString(9)); // validated when stored
            String endedCode = row.getString(14);
            Optional<TrustRecord.Ending> ended = endedCode == null
                    ? Optional.empty()
                    : Optional.of(new TrustRecord.Ending(new RevokeCode(endedCode), Instant.parse(row.getString(15))));
            return new TrustRecord(key, new RemoteAccount(row.getString(6)),
                    new VisitingBridgeId(new UserId(row.getString(7)), vbKey), row.getString(10), row.getString(11),
                    Instant.parse(row.getString(12)), row.getLong(5), new TxnId(row.getString(13)), ended);
        } catch (IllegalArgumentException | NullPointerException | DateTimeException e) {
            throw new StoreException(StoreException.Code.INVALID_DATA,
                    "the trust record of " + where + " cannot be read: " + e.getMessage(), e);
        }
    }
}
