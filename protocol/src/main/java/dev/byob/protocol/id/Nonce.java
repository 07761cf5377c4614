package dev.byob.protocol.id;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A single-use challenge nonce: 128 random bits as unpadded base64url, exactly 22 characters, so it
 * travels unchanged through IRC lines and Matrix events alike.
 */
public record Nonce(String value) {
    private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{22}");

    /** Validates on construction. */
    public Nonce {
        Objects.requireNonNull(value, "value");
        if (!FORMAT.matcher(value).matches()) {
            throw new IllegalArgumentException("a nonce is exactly 22 of [A-Za-z0-9_-]");
        }
    }

    /** A fresh nonce from {@code random}: a {@link java.security.SecureRandom} outside simulations. */
    public static Nonce random(Random random) {
        byte[] bytes = new byte[16];
        random.nextBytes(bytes);
        return new Nonce(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** Unpadded standard base64 of SHA-256 over the nonce's UTF-8 bytes: how answers bind to it. */
    public String sha256() {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }

    /** Nonces are secrets until used: never print them in logs. */
    @Override
    public String toString() {
        return "Nonce[redacted]";
    }
}
