package dev.byob.protocol.vectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import dev.byob.protocol.json.CanonicalJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where the committed test-vector files live ({@code spec-notes/vectors/} at the top of the
 * repository) and how they are written and read.
 */
public final class VectorFiles {

    /** System property naming the vector directory; the protocol module's Surefire configuration sets it. */
    public static final String DIRECTORY_PROPERTY = "byob.vectors.dir";

    /** Matrix canonical JSON: accepted inputs with their encoding, rejected inputs with the reason. */
    public static final String CANONICAL_JSON = "canonical-json.json";
    /** Ed25519 and Matrix JSON signing. */
    public static final String SIGNING = "signing.json";
    /** Valid messages of every type. */
    public static final String MESSAGES_VALID = "messages-valid.json";
    /** Malformed or badly signed messages of every type. */
    public static final String MESSAGES_INVALID = "messages-invalid.json";

    private static final ObjectWriter WRITER = CanonicalJson.mapper().writer(new DefaultPrettyPrinter(
            Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)
                    .withObjectEmptySeparator("")
                    .withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n"))
            .withArrayIndenter(new DefaultIndenter("  ", "\n")));

    private VectorFiles() {}

    /**
     * The vector directory: the {@value #DIRECTORY_PROPERTY} system property if set, otherwise
     * {@code spec-notes/vectors} in the working directory or one of its parents.
     */
    public static Path directory() {
        String configured = System.getProperty(DIRECTORY_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("spec-notes").resolve("vectors");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("cannot find spec-notes/vectors above " + Path.of("").toAbsolutePath()
                + "; set -D" + DIRECTORY_PROPERTY);
    }

    /** The text of a committed vector file. */
    public static String text(String name) {
        try {
            return Files.readString(directory().resolve(name), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A committed vector file as a tree. Read with the ordinary (not the canonical) parser: the
     * invalid-message vectors deliberately hold floats.
     */
    public static JsonNode read(String name) {
        try {
            return CanonicalJson.mapper().readTree(text(name));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot parse " + name, e);
        }
    }

    /** Pretty-printed JSON, two-space indent, {@code "key": value}, LF line ends and a final newline. */
    static String format(JsonNode node) {
        try {
            return WRITER.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
