package dev.byob.visiting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.protocol.id.UserId;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.kit.matrix.MatrixException;
import dev.byob.kit.matrix.MatrixNetworkException;
import dev.byob.kit.matrix.RetryPolicy;
import dev.byob.kit.matrix.WhoAmI;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** Logging in to Matrix with a password, and checking a token with {@code whoami}; failures explain themselves. */
final class MatrixLogin {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A login or check that failed, with a sentence saying what is wrong and what to do. */
    static final class LoginException extends Exception {
        private static final long serialVersionUID = 1L;

        LoginException(String message) {
            super(message);
        }
    }

    private MatrixLogin() {
    }

    /** {@code POST /login} with {@code m.login.password}: the new access token. */
    static String password(URI homeserver, UserId user, String password, String deviceName) throws LoginException {
        URI url = homeserver.resolve(homeserver.getPath().endsWith("/") ? "_matrix/client/v3/login"
                : homeserver.getPath() + "/_matrix/client/v3/login");
        String body;
        try {
            body = JSON.writeValueAsString(Map.of(
                    "type", "m.login.password",
                    "identifier", Map.of("type", "m.id.user", "user", user.value()),
                    "password", password,
                    "initial_device_display_name", deviceName));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        HttpResponse<String> response;
        try {
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            response = http.send(HttpRequest.newBuilder(url).timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw unreachable(homeserver, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LoginException("interrupted while logging in");
        }
        JsonNode json;
        try {
            json = JSON.readTree(response.body());
        } catch (IOException e) {
            json = null;
        }
        if (response.statusCode() == 200 && json != null && json.path("access_token").isTextual()) {
            return json.get("access_token").textValue();
        }
        String errcode = json == null ? "" : json.path("errcode").asText("");
        if ("M_FORBIDDEN".equals(errcode) || response.statusCode() == 403) {
            throw new LoginException("the homeserver refused the password for " + user + " (" + errcode
                    + "); check the user id in the configuration and the password, then log in again");
        }
        if ("M_LIMIT_EXCEEDED".equals(errcode)) {
            throw new LoginException("the homeserver is rate-limiting logins for " + user + "; wait and try again");
        }
        if (response.statusCode() == 404 || json == null) {
            throw new LoginException(homeserver + " does not answer like a Matrix homeserver (HTTP "
                    + response.statusCode() + " from /login); check homeserver.url in the configuration");
        }
        throw new LoginException("login of " + user + " failed: HTTP " + response.statusCode() + " " + errcode
                + " " + json.path("error").asText(""));
    }

    /** Checks with {@code whoami} that {@code token} is valid and belongs to {@code expected}. */
    static void check(URI homeserver, UserId expected, String token, String what) throws LoginException {
        WhoAmI who;
        try (MatrixClient client = MatrixClient.builder(homeserver, token).retryPolicy(RetryPolicy.none()).build()) {
            who = client.whoami();
        } catch (MatrixException e) {
            if (e.status() == 401) {
                throw new LoginException("the homeserver does not accept the access token of " + what + " "
                        + expected + " (" + e.rawErrcode() + "); log in again with the password, or give a valid"
                        + " token");
            }
            throw new LoginException("checking the access token of " + expected + " failed: " + e.getMessage());
        } catch (MatrixNetworkException e) {
            throw unreachable(homeserver, e.getMessage());
        }
        if (!who.userId().equals(expected)) {
            throw new LoginException("the access token given for " + what + " " + expected + " belongs to "
                    + who.userId() + "; give a token of " + expected + ", or fix the user id in the configuration");
        }
    }

    private static LoginException unreachable(URI homeserver, String detail) {
        return new LoginException("cannot reach the homeserver at " + homeserver + " (" + detail
                + "); check homeserver.url in the configuration and the network");
    }
}
