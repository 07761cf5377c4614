package dev.byob.kit.keys;

import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A visiting bridge's signing key on disk (written by {@code byob keygen} and by the visiting bridge's
 * {@code login}), in the one-line format Synapse uses for its signing keys:
 * {@code ed25519 <version> <unpadded base64 seed>}. Written with mode 0600, never over an existing file.
 */
public final class KeyFile {
    private KeyFile() {}

    /** Writes {@code key} to a new file readable by its owner only. */
    public static void write(Path path, SigningKey key) throws IOException {
        String line = "ed25519 " + key.keyId().version() + " " + key.seedBase64() + "\n";
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try {
            // Created with owner-only permissions, so the seed is never readable by others, not even briefly.
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException e) {
            Files.createFile(path);
        }
        Files.writeString(path, line, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** Reads a key file; an {@link IllegalArgumentException} says what is wrong with its content. */
    public static SigningKey read(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8).stream()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        if (lines.size() != 1) {
            throw new IllegalArgumentException("expected one line 'ed25519 <version> <base64 seed>'");
        }
        String[] parts = lines.get(0).split("\\s+");
        if (parts.length != 3 || !parts[0].equals("ed25519")) {
            throw new IllegalArgumentException("expected 'ed25519 <version> <base64 seed>'");
        }
        return SigningKey.fromSeedBase64(KeyId.ed25519(parts[1]), parts[2]);
    }

    /** Whether a file is already there: keys are never overwritten. */
    public static boolean exists(Path path) {
        return Files.exists(path);
    }

}
