package dev.byob.protocol.message;

import dev.byob.protocol.crypto.VerifyKey;
import dev.byob.protocol.id.UserId;
import java.util.Objects;

/**
 * Who a visiting bridge is: the Matrix account that speaks for it in the DM (its bot, or the user's own
 * account when it has no bot) and the Ed25519 key that signs its messages. The key, not the account, is
 * what a trust record pins.
 */
public record VisitingBridgeId(UserId bot, VerifyKey key) {
    public VisitingBridgeId {
        Objects.requireNonNull(bot, "bot");
        Objects.requireNonNull(key, "key");
    }
}
