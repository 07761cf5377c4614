package dev.byob.it.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TemplatesTest {

    @Test
    void fill_everyPlaceholderGiven_replacesAllOccurrences() {
        String filled = Templates.fill("port @@PORT@@, again @@PORT@@, dir @@DIR@@",
                Map.of("PORT", "1234", "DIR", "/a$b\\c"));

        assertEquals("port 1234, again 1234, dir /a$b\\c", filled);
    }

    @Test
    void fill_missingValue_fails() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Templates.fill("@@PORT@@ @@OTHER@@", Map.of("PORT", "1")));

        assertTrue(e.getMessage().contains("@@OTHER@@"), e.getMessage());
    }

    @Test
    void render_shippedTemplates_bindLoopbackOnly() {
        Map<String, String> values = Map.of("CLIENT_PORT", "1", "LINK_PORT", "2", "LINK_PASSWORD", "p",
                "DIR", "/d");
        String inspircd = Templates.render("irc/inspircd.conf", values);
        String synapse = Templates.render("synapse/homeserver.yaml", Map.of("SERVER_NAME", "localhost",
                "PORT", "3", "DATA_DIR", "/d", "REGISTRATION_SECRET", "s", "MACAROON_SECRET", "m",
                "FORM_SECRET", "f", "APPSERVICE_CONFIG_FILES", "[]"));

        assertFalse(inspircd.contains("@@"));
        assertTrue(inspircd.contains("<bind address=\"127.0.0.1\" port=\"1\" type=\"clients\">"), inspircd);
        assertTrue(synapse.contains("bind_addresses: [\"127.0.0.1\"]"), synapse);
        assertTrue(synapse.contains("federation_domain_whitelist: []"), synapse);
    }
}
