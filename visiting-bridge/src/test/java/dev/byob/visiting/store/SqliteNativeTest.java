package dev.byob.visiting.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.LibraryLoaderUtil;

class SqliteNativeTest {
    @TempDir
    Path dir;

    @Test
    void copyIn_extractsTheJarsLibraryOnce_andKeepsIt() throws IOException {
        Path file = SqliteNative.copyIn(dir).orElseThrow();
        assertEquals(dir.toAbsolutePath(), file.getParent());
        assertTrue(file.getFileName().toString().contains(SQLiteJDBCLoader.getVersion()), file.toString());
        assertArrayEquals(jarLibrary(), Files.readAllBytes(file));
        assertEquals(List.of(file.getFileName().toString()), names(), "no temporary file left");

        FileTime written = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(file, written);
        assertEquals(file, SqliteNative.copyIn(dir).orElseThrow());
        assertEquals(written, Files.getLastModifiedTime(file), "a good copy is not written again");
    }

    @Test
    void copyIn_replacesACopyOfAnotherSize() throws IOException {
        Path file = SqliteNative.copyIn(dir).orElseThrow();
        Files.write(file, new byte[] {1, 2, 3});
        assertEquals(file, SqliteNative.copyIn(dir).orElseThrow());
        assertArrayEquals(jarLibrary(), Files.readAllBytes(file));
    }

    @Test
    void copyIn_whereNothingCanBeWritten_isEmpty() throws IOException {
        Path notADir = Files.writeString(dir.resolve("file"), "x");
        assertTrue(SqliteNative.copyIn(notADir.resolve("native")).isEmpty());
    }

    private List<String> names() throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).toList();
        }
    }

    private static byte[] jarLibrary() throws IOException {
        String resource = LibraryLoaderUtil.getNativeLibResourcePath() + "/" + LibraryLoaderUtil.getNativeLibName();
        try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
            return in.readAllBytes();
        }
    }
}
