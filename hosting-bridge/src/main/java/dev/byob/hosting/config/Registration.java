package dev.byob.hosting.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.byob.hosting.appservice.GhostNamespace;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The application-service registration the homeserver loads for the bridge (Synapse: listed in
 * {@code app_service_config_files}): where the bridge listens, its tokens, its bot and the exclusive namespace
 * of its ghosts; not rate-limited, since the bridge speaks for many people.
 *
 * @param id the registration's id
 * @param url where the homeserver reaches the bridge's application-service API
 * @param tokens the tokens of both directions
 * @param senderLocalpart the localpart of the bridge's bot
 * @param ghosts the user ids claimed, exclusively, for the bridge's ghosts
 */
public record Registration(String id, URI url, AppserviceTokens tokens, String senderLocalpart,
                           GhostNamespace ghosts) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER));

    /** Checks the fields are present. */
    public Registration {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(senderLocalpart, "senderLocalpart");
        Objects.requireNonNull(ghosts, "ghosts");
    }

    /** The registration for {@code config}: its tokens if it has them inline, fresh random ones otherwise. */
    public static Registration of(BridgeConfig config) {
        AppserviceConfig appservice = config.appservice();
        AppserviceTokens tokens = appservice.registrationFile().isPresent() ? AppserviceTokens.random()
                : appservice.tokens().orElseGet(AppserviceTokens::random);
        return new Registration(appservice.id(), appservice.url(), tokens, appservice.botLocalpart(), config.ghosts());
    }

    /** The registration file's text: a comment, then the fields the Matrix specification defines. */
    public String toYaml() {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("id", id);
        root.put("url", url.toString());
        root.put("as_token", tokens.asToken().reveal());
        root.put("hs_token", tokens.hsToken().reveal());
        root.put("sender_localpart", senderLocalpart);
        Map<String, Object> namespaces = new LinkedHashMap<>();
        namespaces.put("users", List.of(Map.of("exclusive", true, "regex", ghosts.regex())));
        namespaces.put("aliases", List.of());
        namespaces.put("rooms", List.of());
        root.put("namespaces", namespaces);
        root.put("rate_limited", false);
        try {
            return "# Application-service registration of the byob hosting bridge '" + id + "'.\n"
                    + "# Give this file to the homeserver (Synapse: add it to app_service_config_files) and restart it.\n"
                    + "# It holds secrets: keep it readable only by the homeserver and the bridge.\n"
                    + YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Writes {@link #toYaml()} to {@code file}, readable only by its owner where the file system allows it.
     *
     * @param overwrite whether an existing file may be replaced (its tokens then stop working)
     * @throws FileAlreadyExistsException if the file exists and {@code overwrite} is false
     */
    public void write(Path file, boolean overwrite) throws IOException {
        writePrivately(file, toYaml(), overwrite);
    }

    /** Writes {@code text} through a temporary file beside {@code file}, owner-only where supported. */
    static void writePrivately(Path file, String text, boolean overwrite) throws IOException {
        if (!overwrite && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, ".registration", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: keep its default permissions
            }
            Files.writeString(temp, text, StandardCharsets.UTF_8);
            if (overwrite) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } else {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException | UncheckedIOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    @Override
    public String toString() {
        return "Registration[" + id + " at " + url + ", sender " + senderLocalpart + ", ghosts " + ghosts + "]";
    }
}
