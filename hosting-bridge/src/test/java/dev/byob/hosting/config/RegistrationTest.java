package dev.byob.hosting.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrationTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @TempDir
    Path dir;

    @Test
    void toYaml_hasEveryFieldOfTheSpecificationsRegistration() throws Exception {
        BridgeConfig config = BridgeConfig.load(ConfigFiles.valid().write(dir));
        JsonNode yaml = YAML.readTree(Registration.of(config).toYaml());

        assertEquals("byob-irc", yaml.path("id").asText());
        assertEquals("http://127.0.0.1:29340", yaml.path("url").asText());
        assertEquals(ConfigFiles.AS_TOKEN, yaml.path("as_token").asText());
        assertEquals(ConfigFiles.HS_TOKEN, yaml.path("hs_token").asText());
        assertEquals("ircbridge", yaml.path("sender_localpart").asText());
        assertTrue(yaml.path("rate_limited").isBoolean());
        assertFalse(yaml.path("rate_limited").booleanValue());
        JsonNode users = yaml.path("namespaces").path("users");
        assertEquals(1, users.size());
        assertTrue(users.get(0).path("exclusive").booleanValue());
        assertEquals("^@irc_.*:example\\.org$", users.get(0).path("regex").asText());
        assertEquals(0, yaml.path("namespaces").path("aliases").size());
        assertEquals(0, yaml.path("namespaces").path("rooms").size());
    }

    @Test
    void toYaml_ghostRegex_matchesGhostsOnlyOnThisServer() throws Exception {
        BridgeConfig config = BridgeConfig.load(ConfigFiles.valid().write(dir));
        Pattern regex = Pattern.compile(Registration.of(config).ghosts().regex());
        assertTrue(regex.matcher("@irc_libera_alice:example.org").matches());
        assertFalse(regex.matcher("@irc_libera_alice:exampleXorg").matches());
        assertFalse(regex.matcher("@ircbridge:example.org").matches());
        assertFalse(regex.matcher("@alice:example.org").matches());
    }

    @Test
    void of_configWithRegistrationFile_generatesFreshDistinctHexTokens() throws Exception {
        Path file = ConfigFiles.valid().set("appservice.as_token", null).set("appservice.hs_token", null)
                .set("appservice.registration", "registration.yaml").write(dir);
        BridgeConfig config = BridgeConfig.loadForRegistration(file);
        Registration first = Registration.of(config);
        Registration second = Registration.of(config);

        String as = first.tokens().asToken().reveal();
        String hs = first.tokens().hsToken().reveal();
        assertTrue(as.matches("[0-9a-f]{64}"), as);
        assertTrue(hs.matches("[0-9a-f]{64}"), hs);
        assertNotEquals(as, hs);
        assertNotEquals(first.tokens(), second.tokens());
    }

    @Test
    void write_createsAnOwnerOnlyFileAndRefusesToOverwrite() throws Exception {
        BridgeConfig config = BridgeConfig.load(ConfigFiles.valid().write(dir));
        Path out = dir.resolve("sub/registration.yaml");
        Registration.of(config).write(out, false);

        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        assertThrows(FileAlreadyExistsException.class, () -> Registration.of(config).write(out, false));
        Registration.of(config).write(out, true);
        try (var files = Files.list(out.getParent())) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
    }

    @Test
    void toString_showsNoToken() throws Exception {
        Registration registration = Registration.of(BridgeConfig.load(ConfigFiles.valid().write(dir)));
        assertFalse(registration.toString().contains(ConfigFiles.AS_TOKEN));
        assertFalse(registration.tokens().toString().contains(ConfigFiles.HS_TOKEN));
    }
}
