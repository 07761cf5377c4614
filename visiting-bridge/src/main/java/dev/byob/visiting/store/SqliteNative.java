package dev.byob.visiting.store;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

/**
 * sqlite-jdbc's native library, extracted once into a directory of the bridge and loaded from there.
 *
 * <p>Left alone, sqlite-jdbc copies the library (about 1 MB) out of the jar to a new temporary file at every
 * start: on a Raspberry Pi that is a write to the SD card and a tenth of a second or more before the state
 * database opens. The copy here is named by sqlite-jdbc's version and the platform, written to a temporary file
 * and renamed, so a crash never leaves a half-written library under the final name; a copy whose size differs
 * from the jar's is written again. When anything fails, sqlite-jdbc's own extraction is left to work as before.
 */
final class SqliteNative {
    private static final Logger LOG = LoggerFactory.getLogger(SqliteNative.class);
    private static final String PATH = "org.sqlite.lib.path";
    private static final String NAME = "org.sqlite.lib.name";

    private SqliteNative() {
    }

    /**
     * Points sqlite-jdbc at the copy of its native library in {@code dir}, extracting it first if needed. Does
     * nothing when the library is chosen already (the system properties {@code org.sqlite.lib.path}/{@code name}).
     */
    static synchronized void useCopyIn(Path dir) {
        if (System.getProperty(PATH) != null || System.getProperty(NAME) != null) {
            return;
        }
        copyIn(dir).ifPresent(file -> {
            System.setProperty(PATH, file.getParent().toString());
            System.setProperty(NAME, file.getFileName().toString());
        });
    }

    /** The copy of the platform's library in {@code dir}, made if missing or of another size; empty on failure. */
    static Optional<Path> copyIn(Path dir) {
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
        URL url = SQLiteJDBCLoader.class.getResource(resource);
        if (url == null) {
            return Optional.empty(); // no library for this platform in the jar: sqlite-jdbc explains
        }
        String platform = LibraryLoaderUtil.getNativeLibResourcePath().replaceAll(".*/native/", "").replace('/', '-');
        Path file = dir.resolve("sqlite-" + SQLiteJDBCLoader.getVersion() + "-" + platform + "-"
                + LibraryLoaderUtil.getNativeLibName()).toAbsolutePath();
        try {
            URLConnection connection = url.openConnection();
            long size = connection.getContentLengthLong();
            if (size >= 0 && Files.isRegularFile(file) && Files.size(file) == size) {
                return Optional.of(file);
            }
            Files.createDirectories(dir);
            Path part = Files.createTempFile(dir, file.getFileName().toString(), ".part");
            try (InputStream in = connection.getInputStream()) {
                Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
                Files.move(part, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(part);
            }
            LOG.debug("extracted sqlite-jdbc's native library to {}", file);
            return Optional.of(file);
        } catch (IOException | RuntimeException e) {
            LOG.debug("cannot keep sqlite-jdbc's native library in {}; it extracts its own: {}", dir, e.toString());
            return Optional.empty();
        }
    }
}
