package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Installs what the started servers need, once per machine: Debian packages on the host (InspIRCd,
 * Atheme, PostgreSQL, debootstrap) and a Debian sid root with Synapse, cached outside the checkout so
 * a second build reuses it. A lock file keeps two builds from installing at the same time.
 */
public final class Installation {
    private static final System.Logger LOG = System.getLogger(Installation.class.getName());

    /** Host packages the started servers need. */
    public static final List<String> HOST_PACKAGES =
            List.of("inspircd", "atheme-services", "postgresql", "debootstrap");

    private static final String DEFAULT_MIRROR = "http://deb.debian.org/debian";
    private static final Duration HOST_PACKAGES_TIMEOUT = Duration.ofMinutes(20);
    private static final Duration SYNAPSE_ROOT_TIMEOUT = Duration.ofMinutes(40);

    private final Path cacheDir;
    private final Path logDir;
    private final String mirror;
    private boolean hostPackagesChecked;
    private boolean logDirCleared;

    /**
     * @param cacheDir where installations are kept between builds
     * @param logDir where installation logs of this run go
     * @param mirror the Debian mirror the Synapse root is built from
     */
    public Installation(Path cacheDir, Path logDir, String mirror) {
        this.cacheDir = cacheDir.toAbsolutePath();
        this.logDir = logDir.toAbsolutePath();
        this.mirror = mirror;
    }

    /**
     * The installation configured by the environment: {@code BYOB_CACHE_DIR} (default
     * {@code $XDG_CACHE_HOME/byob} or {@code ~/.cache/byob}) and {@code BYOB_DEBIAN_MIRROR}.
     */
    public static Installation fromEnvironment(Map<String, String> env, Path serversDir) {
        return new Installation(cacheDir(env), serversDir.resolve("install"),
                env.getOrDefault("BYOB_DEBIAN_MIRROR", DEFAULT_MIRROR));
    }

    /** The cache directory chosen by {@code env}. */
    static Path cacheDir(Map<String, String> env) {
        String explicit = env.get("BYOB_CACHE_DIR");
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String xdg = env.get("XDG_CACHE_HOME");
        if (xdg != null && !xdg.isBlank()) {
            return Path.of(xdg, "byob");
        }
        return Path.of(System.getProperty("user.home"), ".cache", "byob");
    }

    /** Where installations are kept between builds. */
    public Path cacheDir() {
        return cacheDir;
    }

    /** Installs the missing {@link #HOST_PACKAGES}; checks only once per JVM. */
    public synchronized void ensureHostPackages() {
        if (hostPackagesChecked) {
            return;
        }
        if (!Files.isExecutable(Path.of("/usr/bin/apt-get")) || !Files.isExecutable(Path.of("/usr/bin/dpkg-query"))) {
            throw new ServerStartException("The harness installs its servers with apt-get, which this machine "
                    + "lacks: run the integration tests on Debian, point them at running servers (see "
                    + "it-tests/README.md), or skip them with -DskipITs.", List.of());
        }
        List<String> command = new ArrayList<>(List.of("sh", script("install-host-packages.sh").toString()));
        command.addAll(HOST_PACKAGES);
        locked(() -> ManagedProcess.builder("installing host packages " + HOST_PACKAGES)
                .command(command)
                .log(logDir.resolve("host-packages.log"))
                .run(HOST_PACKAGES_TIMEOUT));
        hostPackagesChecked = true;
    }

    /** The Debian sid root with Synapse installed, building it first if the cache lacks it. */
    public synchronized Path ensureSynapseRoot() {
        Path root = cacheDir.resolve("synapse-root");
        if (Files.isRegularFile(root.resolve(".byob-synapse-ready"))) {
            return root;
        }
        ensureHostPackages();
        LOG.log(Level.INFO, "building the Synapse root in {0} (once; a few minutes)", root);
        locked(() -> ManagedProcess.builder("building the Synapse root")
                .command("sh", script("install-synapse-root.sh").toString(), root.toString(), mirror)
                .log(logDir.resolve("synapse-root.log"))
                .run(SYNAPSE_ROOT_TIMEOUT));
        return root;
    }

    private void locked(Runnable action) {
        try {
            Files.createDirectories(cacheDir);
            try (FileChannel channel = FileChannel.open(cacheDir.resolve("install.lock"),
                    StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.lock();
                try {
                    action.run();
                } finally {
                    lock.release();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + cacheDir.resolve("install.lock"), e);
        }
    }

    /** Writes a shipped script next to this run's installation logs, which start empty in each run. */
    private Path script(String name) {
        try {
            if (!logDirCleared) {
                FileTrees.recreate(logDir);
                logDirCleared = true;
            }
            Path file = logDir.resolve(name);
            Files.writeString(file, Templates.resource(name), StandardCharsets.UTF_8);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + name + " to " + logDir, e);
        }
    }
}
