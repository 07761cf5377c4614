package dev.byob.protocol.message;

import java.util.Objects;

/** Why trust at an epoch ended, carried by {@link Revoked}. Unknown codes are kept as received. */
public record RevokeCode(String value) {
    /** The visiting bridge asked to be released (logout). */
    public static final RevokeCode RELEASED = known("released");
    /** Another visiting bridge logged in for the same user and network. */
    public static final RevokeCode SUPERSEDED = known("superseded");
    /** The user told the hosting bridge from their own Matrix account to take over again. */
    public static final RevokeCode USER_REVOKED = known("user_revoked");
    /** The hosting bridge's operator ended the trust. */
    public static final RevokeCode OPERATOR = known("operator");

    /** Any non-empty code of at most 255 characters. */
    public RevokeCode {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty() || value.length() > 255) {
            throw new IllegalArgumentException("a revoke code is 1 to 255 characters");
        }
    }

    // Unlike cancel codes, revoke codes are not namespaced: the wire carries "released", not
    // "org.matrix.msc3647.released".
    private static RevokeCode known(String name) {
        return new RevokeCode(name);
    }

    @Override
    public String toString() {
        return value;
    }
}
