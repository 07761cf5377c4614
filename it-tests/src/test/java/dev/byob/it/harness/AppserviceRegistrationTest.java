package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import org.junit.jupiter.api.Test;

class AppserviceRegistrationTest {

    @Test
    void userIdRegex_specialCharacters_areBackslashEscapedForPython() {
        assertEquals("@bridge\\-.*:example\\.org\\:8448", AppserviceRegistration.userIdRegex("bridge-", "example.org:8448"));
    }

    @Test
    void toYaml_completeRegistration_hasSynapsesFields() throws Exception {
        AppserviceRegistration registration = AppserviceRegistration.builder("test")
                .url(URI.create("http://127.0.0.1:1234"))
                .asToken("as").hsToken("hs")
                .senderLocalpart("bot")
                .users("@test_.*:localhost", true)
                .build();

        JsonNode yaml = Http.JSON.readTree(registration.toYaml());

        assertEquals("test", yaml.path("id").asText());
        assertEquals("http://127.0.0.1:1234", yaml.path("url").asText());
        assertEquals("as", yaml.path("as_token").asText());
        assertEquals("hs", yaml.path("hs_token").asText());
        assertEquals("bot", yaml.path("sender_localpart").asText());
        assertEquals(false, yaml.path("rate_limited").asBoolean(true));
        assertEquals("@test_.*:localhost", yaml.path("namespaces").path("users").path(0).path("regex").asText());
        assertEquals(0, yaml.path("namespaces").path("rooms").size());
        assertEquals(1234, registration.port());
    }

    @Test
    void builder_noTokens_generatesDistinctRandomOnes() {
        AppserviceRegistration registration = AppserviceRegistration.builder("t").senderLocalpart("bot").build();

        assertNotEquals(registration.asToken(), registration.hsToken());
        assertEquals(48, registration.asToken().length());
    }

    @Test
    void toYaml_noUrlYet_fails() {
        AppserviceRegistration registration = AppserviceRegistration.builder("t").senderLocalpart("bot").build();

        assertThrows(IllegalStateException.class, registration::toYaml);
    }
}
