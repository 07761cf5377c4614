package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.stream.Stream;

/**
 * Per-run directories outside {@code target/} (inside the Synapse root, in the temporary directory).
 * Each records the JVM that owns it, so a later run can remove those whose JVM was killed before it
 * could clean up, without touching those of a build running at the same time.
 */
final class RunDirs {
    private static final System.Logger LOG = System.getLogger(RunDirs.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String OWNER_FILE = "owner.pid";

    private RunDirs() {
    }

    /**
     * Removes stale run directories named {@code prefix...} under {@code parent}, then creates a new one
     * (mode 0711, so a server running as another user can reach what is below it).
     */
    static Path create(Path parent, String prefix) {
        removeStale(parent, prefix);
        long pid = ProcessHandle.current().pid();
        Path dir = parent.resolve(prefix + pid + "-" + HexFormat.of().toHexDigits(RANDOM.nextInt()));
        try {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
            Files.writeString(dir.resolve(OWNER_FILE), Long.toString(pid));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static void removeStale(Path parent, String prefix) {
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> dirs = Files.list(parent)) {
            for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
                if (!ownerAlive(dir)) {
                    LOG.log(Level.INFO, "removing {0}, left by a test run that was killed", dir);
                    FileTrees.delete(dir);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + parent, e);
        }
    }

    private static boolean ownerAlive(Path dir) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.exists(owner)) {
            // Being created this very moment, or not ours: leave it alone unless it is old.
            try {
                return Files.getLastModifiedTime(dir).toMillis() > System.currentTimeMillis() - 60_000;
            } catch (IOException e) {
                return true;
            }
        }
        try {
            long pid = Long.parseLong(Files.readString(owner).trim());
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (IOException | NumberFormatException e) {
            return false;
        }
    }
}
