package dev.byob.protocol.crypto;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A signing key identifier such as {@code ed25519:1}: the algorithm, a colon, and a version that
 * tells apart the keys of one entity. It is the key under which a signature is stored in a signed
 * object's {@code signatures} map.
 *
 * <p>Only {@code ed25519} is supported; the version is 1 to 32 characters of {@code [A-Za-z0-9_]}.
 *
 * @param algorithm always {@value #ED25519}
 * @param version the key version, e.g. {@code "1"} or {@code "a_bcd"}
 */
public record KeyId(String algorithm, String version) {

    /** The only supported algorithm name. */
    public static final String ED25519 = "ed25519";

    private static final Pattern VERSION = Pattern.compile("[A-Za-z0-9_]{1,32}");

    /**
     * Validates the parts.
     *
     * @param algorithm must be {@value #ED25519}
     * @param version 1 to 32 characters of {@code [A-Za-z0-9_]}
     * @throws IllegalArgumentException if the algorithm is not {@code ed25519} or the version is not
     *     1 to 32 characters of {@code [A-Za-z0-9_]}
     */
    public KeyId {
        Objects.requireNonNull(algorithm, "algorithm");
        Objects.requireNonNull(version, "version");
        if (!ED25519.equals(algorithm)) {
            throw new IllegalArgumentException(
                    "unsupported key algorithm \"" + algorithm + "\": only ed25519 is supported");
        }
        if (!VERSION.matcher(version).matches()) {
            throw new IllegalArgumentException("invalid key version \"" + version
                    + "\": must be 1 to 32 characters of A-Z, a-z, 0-9 and _");
        }
    }

    /**
     * Parses {@code <algorithm>:<version>}.
     *
     * @param keyId e.g. {@code "ed25519:1"}
     * @return the key id
     * @throws IllegalArgumentException if there is no colon, the algorithm is not {@code ed25519},
     *     or the version is invalid
     */
    public static KeyId parse(String keyId) {
        Objects.requireNonNull(keyId, "keyId");
        int colon = keyId.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(
                    "invalid key id \"" + keyId + "\": expected <algorithm>:<version>, e.g. ed25519:1");
        }
        return new KeyId(keyId.substring(0, colon), keyId.substring(colon + 1));
    }

    /**
     * Returns the Ed25519 key id with the given version.
     *
     * @param version 1 to 32 characters of {@code [A-Za-z0-9_]}
     * @return {@code ed25519:<version>}
     * @throws IllegalArgumentException if the version is invalid
     */
    public static KeyId ed25519(String version) {
        return new KeyId(ED25519, version);
    }

    /** Returns the wire form, {@code <algorithm>:<version>}. */
    @Override
    public String toString() {
        return algorithm + ":" + version;
    }
}
