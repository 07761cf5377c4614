package dev.byob.kit.matrix;

import java.time.Duration;
import java.util.Objects;

/**
 * An OpenID token from {@code /user/{userId}/openid/request_token}: a third party exchanges it at
 * {@code matrixServerName}'s federation endpoint {@code /_matrix/federation/v1/openid/userinfo} for the
 * user's id. A secret until it expires: {@link #toString()} leaves the token out.
 *
 * @param accessToken the token
 * @param tokenType the token type, {@code Bearer}
 * @param matrixServerName the homeserver that checks the token
 * @param expiresIn how long the token is valid
 */
public record OpenIdToken(String accessToken, String tokenType, String matrixServerName, Duration expiresIn) {
    /** Requires the parts. */
    public OpenIdToken {
        Objects.requireNonNull(accessToken, "accessToken");
        Objects.requireNonNull(tokenType, "tokenType");
        Objects.requireNonNull(matrixServerName, "matrixServerName");
        Objects.requireNonNull(expiresIn, "expiresIn");
    }

    @Override
    public String toString() {
        return "OpenIdToken[accessToken=<redacted>, tokenType=" + tokenType + ", matrixServerName=" + matrixServerName
                + ", expiresIn=" + expiresIn + "]";
    }
}
