package dev.byob.hosting.config;

import dev.byob.kit.config.ExampleFile;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;

/** The commented example configuration: every setting, its default and what it is for. */
public final class ExampleConfig {
    private static final String RESOURCE = "example-config.yaml";

    private ExampleConfig() {
    }

    /** The example's text. */
    public static String text() {
        return ExampleFile.text(ExampleConfig.class, RESOURCE);
    }

    /**
     * Writes the example to {@code file}.
     *
     * @param overwrite whether an existing file may be replaced
     * @throws FileAlreadyExistsException if the file exists and {@code overwrite} is false
     */
    public static void write(Path file, boolean overwrite) throws IOException {
        ExampleFile.write(file, text(), overwrite);
    }
}
