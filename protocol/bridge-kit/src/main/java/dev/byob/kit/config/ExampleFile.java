package dev.byob.kit.config;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A commented example configuration shipped as a resource, and written out for a user to start from. */
public final class ExampleFile {
    private ExampleFile() {
    }

    /** The text of {@code resource}, looked up beside {@code anchor}. */
    public static String text(Class<?> anchor, String resource) {
        try (InputStream in = anchor.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes {@code text} to {@code file}, creating its folder.
     *
     * @param overwrite whether an existing file may be replaced
     * @throws FileAlreadyExistsException if the file exists and {@code overwrite} is false
     */
    public static void write(Path file, String text, boolean overwrite) throws IOException {
        if (!overwrite && Files.exists(file)) {
            throw new FileAlreadyExistsException(file.toString());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }
}
