package dev.byob.hosting.appservice;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;

/**
 * Checks the homeserver's token on a request: {@code Authorization: Bearer <hs_token>}, or the legacy
 * {@code access_token} query parameter; when both are given, both must match. Comparisons take time independent
 * of where the tokens differ.
 */
final class HsTokenCheck {
    /** The outcome of a check. */
    enum Result {
        /** A matching token. */
        OK,
        /** No token at all: {@code 401 M_UNAUTHORIZED}. */
        MISSING,
        /** A token that does not match: {@code 403 M_FORBIDDEN}. */
        WRONG
    }

    private static final String BEARER = "bearer ";

    private final byte[] hsToken;

    HsTokenCheck(String hsToken) {
        if (hsToken == null || hsToken.isEmpty()) {
            throw new IllegalArgumentException("the hs_token must not be empty");
        }
        this.hsToken = hsToken.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * @param authorization the {@code Authorization} header, or {@code null}
     * @param queryTokens the values of the {@code access_token} query parameter, or {@code null}
     */
    Result check(String authorization, List<String> queryTokens) {
        String bearer = null;
        if (authorization != null && authorization.length() > BEARER.length()
                && authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            bearer = authorization.substring(BEARER.length()).trim();
            if (bearer.isEmpty()) {
                bearer = null;
            }
        }
        List<String> query = queryTokens == null ? List.of() : queryTokens.stream().filter(t -> !t.isEmpty()).toList();
        if (bearer == null && query.isEmpty()) {
            return Result.MISSING;
        }
        boolean ok = true;
        if (bearer != null) {
            ok &= matches(bearer);
        }
        for (String token : query) {
            ok &= matches(token);
        }
        return ok ? Result.OK : Result.WRONG;
    }

    private boolean matches(String candidate) {
        // isEqual's time depends on the length of its first argument only: the candidate's, known to its sender.
        return MessageDigest.isEqual(candidate.getBytes(StandardCharsets.UTF_8), hsToken);
    }
}
