package dev.byob.it.harness;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.byob.it.fixtures.MatrixApi;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Synapse's shared-secret registration ({@code /_synapse/admin/v1/register}): fetch a nonce, then post
 * the user with an HMAC-SHA1 over nonce, username, password and admin flag, keyed with the secret.
 */
public final class SharedSecretRegistration {
    private static final String PATH = "_synapse/admin/v1/register";

    private SharedSecretRegistration() {
    }

    /** Registers {@code localpart} on the homeserver at {@code baseUrl}. */
    public static MatrixAccount register(URI baseUrl, String sharedSecret, String localpart, String password,
                                         boolean admin) {
        MatrixApi api = new MatrixApi(baseUrl, null);
        String nonce = api.get(PATH).path("nonce").asText();
        ObjectNode body = Http.JSON.createObjectNode()
                .put("nonce", nonce)
                .put("username", localpart)
                .put("password", password)
                .put("admin", admin)
                .put("mac", mac(sharedSecret, nonce, localpart, password, admin));
        JsonNode response = api.post(PATH, body);
        return new MatrixAccount(baseUrl, response.path("user_id").asText(), password,
                response.path("access_token").asText(), response.path("device_id").asText(null));
    }

    /** The hex HMAC-SHA1 Synapse expects. */
    static String mac(String sharedSecret, String nonce, String localpart, String password, boolean admin) {
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(sharedSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            String message = nonce + '\0' + localpart + '\0' + password + '\0' + (admin ? "admin" : "notadmin");
            return HexFormat.of().formatHex(mac.doFinal(message.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA1 unavailable", e);
        }
    }
}
