package dev.byob.hosting.store;

import dev.byob.protocol.id.Network;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.trust.TrustKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** How a {@link TrustKey} is stored: four text columns, {@code hb_bot, user_id, network_protocol, network_id}. */
final class KeyColumns {
    /** The columns, in binding order. */
    static final String NAMES = "hb_bot, user_id, network_protocol, network_id";
    /** A condition matching one key; bind with {@link #bind}. */
    static final String MATCH = "hb_bot = ? AND user_id = ? AND network_protocol = ? AND network_id = ?";

    private KeyColumns() {}

    /** Binds {@code key} to the four parameters from {@code index}; returns the index after them. */
    static int bind(PreparedStatement statement, int index, TrustKey key) throws SQLException {
        statement.setString(index, key.hbBot().value());
        statement.setString(index + 1, key.userId().value());
        statement.setString(index + 2, key.network().protocol());
        statement.setString(index + 3, key.network().id());
        return index + 4;
    }

    /** Reads the key from the four columns starting at {@code index}. */
    static TrustKey read(ResultSet row, int index) throws SQLException {
        return new TrustKey(new UserId(row.getString(index)), new UserId(row.getString(index + 1)),
                new Network(row.getString(index + 2), row.getString(index + 3)));
    }
}
