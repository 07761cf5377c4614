package dev.byob.protocol.remote.irc;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * Credentials for SASL {@code PLAIN} (RFC 4616): a services account and its password. The password
 * never appears in {@link #toString()}.
 */
public final class SaslPlain {
    private final String account;
    private final String password;

    private SaslPlain(String account, String password) {
        this.account = account;
        this.password = password;
    }

    /**
     * Validates: both non-empty, without NUL (the field separator of {@code PLAIN}); the account also
     * without spaces or line breaks.
     */
    public static SaslPlain of(String account, String password) {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(password, "password");
        if (account.isEmpty() || password.isEmpty()) {
            throw new IllegalArgumentException("a SASL account and password must not be empty");
        }
        if (account.chars().anyMatch(c -> c == 0 || c == ' ' || c == '\r' || c == '\n')) {
            throw new IllegalArgumentException("a SASL account has no NUL, space or line break");
        }
        if (password.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a SASL PLAIN password cannot contain NUL");
        }
        return new SaslPlain(account, password);
    }

    /** The services account to log in to. */
    public String account() {
        return account;
    }

    /** The {@code PLAIN} message, base64-encoded: authorization identity, account and password, NUL-separated. */
    String encodedResponse() {
        String message = account + '\0' + account + '\0' + password;
        return Base64.getEncoder().encodeToString(message.getBytes(StandardCharsets.UTF_8));
    }

    /** The account only; the password is redacted. */
    @Override
    public String toString() {
        return "SaslPlain[account=" + account + ", password=<redacted>]";
    }
}
