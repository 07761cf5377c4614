package dev.byob.hosting.config;

import dev.byob.kit.config.Secret;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;

/**
 * The two tokens of an application-service registration.
 *
 * @param asToken what the bridge sends to the homeserver
 * @param hsToken what the homeserver sends to the bridge
 */
public record AppserviceTokens(Secret asToken, Secret hsToken) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Checks both are present and differ, so one leaked token cannot be used in the other direction. */
    public AppserviceTokens {
        Objects.requireNonNull(asToken, "asToken");
        Objects.requireNonNull(hsToken, "hsToken");
        if (asToken.equals(hsToken)) {
            throw new IllegalArgumentException("as_token and hs_token must differ");
        }
    }

    /** Two fresh tokens of 64 hexadecimal digits (256 bits) each, from {@link SecureRandom}. */
    public static AppserviceTokens random() {
        return new AppserviceTokens(Secret.of(randomToken()), Secret.of(randomToken()));
    }

    private static String randomToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
