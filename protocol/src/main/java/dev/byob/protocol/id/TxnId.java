package dev.byob.protocol.id;

import java.util.Random;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The transaction id every byob message carries: 8 to 64 of {@code [A-Za-z0-9._~-]}. A handshake's
 * messages share the id the visiting bridge chose in its request; heartbeats and releases take a fresh
 * one each, echoed by the reply. A duplicate (same sender, type and id) is a retry, never a new message.
 */
public record TxnId(String value) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9._~-]{8,64}");

    /** Validates on construction. */
    public TxnId {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("a txn_id is 8 to 64 of [A-Za-z0-9._~-]");
        }
    }

    /** A fresh id with 128 random bits from {@code random} (a {@link java.security.SecureRandom} outside tests). */
    public static TxnId random(Random random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return new TxnId(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    @Override
    public String toString() {
        return value;
    }
}
