package dev.byob.protocol.message;

import java.util.Objects;
import java.util.regex.Pattern;

/** The protocol's numeric and size limits, and the checks records share. */
public final class Limits {
    /** Largest integer canonical JSON carries: 2^53 − 1. */
    public static final long MAX_SAFE_INTEGER = (1L << 53) - 1;
    /** Largest content, as canonical JSON bytes: Matrix's own event size limit. */
    public static final int MAX_CONTENT_BYTES = 65_536;
    /** Longest human-readable reason. */
    public static final int MAX_REASON = 1024;

    private static final Pattern SHA256_B64 = Pattern.compile("[A-Za-z0-9+/]{43}");

    private Limits() {}

    static void range(long value, long min, long max, String field) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(field + " must be between " + min + " and " + max);
        }
    }

    static void timestamp(long value, String field) {
        range(value, 0, MAX_SAFE_INTEGER, field);
    }

    static void text(String value, int min, int max, String field) {
        Objects.requireNonNull(value, field);
        if (value.length() < min || value.length() > max) {
            throw new IllegalArgumentException(field + " is " + min + " to " + max + " characters");
        }
    }

    static void sha256(String value, String field) {
        Objects.requireNonNull(value, field);
        if (!SHA256_B64.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " is unpadded base64 of a SHA-256 digest (43 characters)");
        }
    }
}
