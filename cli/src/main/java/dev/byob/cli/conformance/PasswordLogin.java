package dev.byob.cli.conformance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.kit.matrix.MatrixClient;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.URI;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * Logging in with a password for the length of a conformance run ({@code POST /login}, {@code m.login.password})
 * and out again at its end ({@code POST /logout}), so that the run leaves no device behind. The password is
 * never part of a message.
 */
public final class PasswordLogin {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MediaType JSON_TYPE = MediaType.get("application/json");

    private PasswordLogin() {}

    /** Logs {@code user} in on {@code homeserver}; returns the new access token. */
    public static String login(URI homeserver, UserId user, String password) {
        ObjectNode body = JSON.createObjectNode().put("type", "m.login.password")
                .put("password", password).put("initial_device_display_name", "byob conformance");
        body.putObject("identifier").put("type", "m.id.user").put("user", user.value());
        JsonNode answer = post(homeserver, "login", null, body, "logging in " + user);
        String token = answer.path("access_token").asText("");
        if (token.isEmpty()) {
            throw new WireException("logging in " + user + ": the homeserver's answer has no access_token", null);
        }
        return token;
    }

    /** Ends the session of {@code token}; best effort, a failure is ignored. */
    public static void logout(URI homeserver, String token) {
        try {
            post(homeserver, "logout", token, JSON.createObjectNode(), "logging out");
        } catch (WireException e) {
            // The token expires with the device's session anyway.
        }
    }

    private static JsonNode post(URI homeserver, String endpoint, String token, ObjectNode body, String what) {
        HttpUrl url = HttpUrl.get(homeserver.toString()).newBuilder()
                .addPathSegments("_matrix/client/v3").addPathSegment(endpoint).build();
        Request.Builder request = new Request.Builder().url(url)
                .post(RequestBody.create(body.toString(), JSON_TYPE));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try (Response response = MatrixClient.sharedHttpClient().newCall(request.build()).execute()) {
            String text = response.body().string();
            JsonNode json = text.isEmpty() ? JSON.createObjectNode() : JSON.readTree(text);
            if (!response.isSuccessful()) {
                throw new WireException(what + ": the homeserver refused: " + json.path("errcode").asText("HTTP "
                        + response.code()) + " " + json.path("error").asText(""), null);
            }
            return json;
        } catch (IOException e) {
            throw new WireException(what + ": cannot reach " + homeserver + ": " + e.getMessage(), e);
        }
    }
}
