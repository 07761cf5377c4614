package dev.byob.it.harness;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Unique names for users, nicks and databases, so tests never collide with each other or with what
 * an earlier run left on a long-lived server; and random secrets. A name is valid as a Matrix localpart, an IRC nick and a
 * PostgreSQL identifier: a lowercase letter, then lowercase letters, digits and {@code _}.
 */
public final class Names {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    private static final int MAX_HINT = 12;
    private static final int SUFFIX = 6;

    private Names() {
    }

    /** {@code hint}, reduced to safe characters and at most 12 of them, plus {@code _} and 6 random ones. */
    public static String unique(String hint) {
        StringBuilder name = new StringBuilder();
        for (char c : hint.toLowerCase(Locale.ROOT).toCharArray()) {
            if (name.length() == MAX_HINT) {
                break;
            }
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_') {
                name.append(c);
            }
        }
        if (name.length() == 0 || !Character.isLetter(name.charAt(0))) {
            name.insert(0, 'u');
        }
        name.append('_');
        for (int i = 0; i < SUFFIX; i++) {
            name.append(ALPHABET.charAt(RANDOM.nextInt(ALPHABET.length())));
        }
        return name.toString();
    }

    /** A random password. */
    public static String password() {
        return unique("pw");
    }

    /** A random secret or token: 48 hexadecimal digits (192 bits). */
    public static String token() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
