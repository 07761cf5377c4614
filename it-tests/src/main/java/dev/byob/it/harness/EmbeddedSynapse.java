package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Synapse started by the harness from a Debian sid root (see {@link Installation#ensureSynapseRoot()})
 * with {@code chroot}: SQLite, loopback only, no federation, relaxed rate limits, the given appservice
 * registrations loaded, users created through the shared-secret registration API.
 *
 * <p>Configuration and the log are written to the work directory (e.g. {@code target/servers/synapse});
 * the server's data lives in a per-run directory inside the root, removed on {@link #close()}.
 */
public final class EmbeddedSynapse implements Homeserver, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedSynapse.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final String RUNS_IN_ROOT = "/srv/byob-runs";

    private final String serverName;
    private final URI baseUrl;
    private final String registrationSecret;
    private final Map<String, AppserviceRegistration> appservices;
    private final ManagedProcess process;
    private final Path runDir;
    private final Path log;
    private boolean closed;

    private EmbeddedSynapse(Builder builder, URI baseUrl, String registrationSecret,
                            Map<String, AppserviceRegistration> appservices, ManagedProcess process, Path runDir) {
        this.serverName = builder.serverName;
        this.baseUrl = baseUrl;
        this.registrationSecret = registrationSecret;
        this.appservices = Map.copyOf(appservices);
        this.process = process;
        this.runDir = runDir;
        this.log = process.log();
    }

    /** A builder; {@link Builder#root(Path)} and {@link Builder#workDir(Path)} are required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public URI baseUrl() {
        return baseUrl;
    }

    @Override
    public String serverName() {
        return serverName;
    }

    @Override
    public MatrixAccount registerUser(String localpart, String password, boolean admin) {
        return SharedSecretRegistration.register(baseUrl, registrationSecret, localpart, password, admin);
    }

    @Override
    public AppserviceRegistration appservice(String id) {
        AppserviceRegistration registration = appservices.get(id);
        if (registration == null) {
            throw new IllegalArgumentException("no appservice " + id + " was registered before Synapse started; "
                    + "registered: " + appservices.keySet());
        }
        return registration;
    }

    /** The shared secret for {@code /_synapse/admin/v1/register}. */
    public String registrationSecret() {
        return registrationSecret;
    }

    @Override
    public List<Path> logs() {
        return List.of(log);
    }

    /** Stops Synapse and removes its per-run data from the root; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        process.close();
        FileTrees.delete(runDir);
    }

    @Override
    public String toString() {
        return "Synapse[" + baseUrl + ", server name " + serverName + ", log " + log + "]";
    }

    /** Builds and starts an {@link EmbeddedSynapse}. */
    public static final class Builder {
        private Path root;
        private Path workDir;
        private String serverName = "localhost";
        private Duration startupTimeout = Duration.ofMinutes(2);
        private final List<AppserviceRegistration> appservices = new ArrayList<>();
        private final List<Path> appserviceFiles = new ArrayList<>();

        private Builder() {
        }

        /** The installed Synapse root. Required. */
        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        /** Where configuration and the log go, e.g. {@code target/servers/synapse}; emptied at start. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** The server name in user ids (default {@code localhost}). */
        public Builder serverName(String serverName) {
            this.serverName = Objects.requireNonNull(serverName);
            return this;
        }

        /** How long start-up may take (default 2 minutes). */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Loads this appservice registration; one without a URL gets a free loopback port. */
        public Builder appservice(AppserviceRegistration registration) {
            appservices.add(Objects.requireNonNull(registration));
            return this;
        }

        /** Loads an existing registration file, e.g. one a bridge generated. */
        public Builder appserviceFile(Path registrationYaml) {
            appserviceFiles.add(Objects.requireNonNull(registrationYaml));
            return this;
        }

        /** Starts Synapse and waits until its client API answers. */
        public EmbeddedSynapse start() {
            Objects.requireNonNull(root, "root");
            Objects.requireNonNull(workDir, "workDir");
            Map<String, AppserviceRegistration> registered = new LinkedHashMap<>();
            for (AppserviceRegistration registration : appservices) {
                AppserviceRegistration complete = registration.url() != null ? registration
                        : registration.withUrl(URI.create("http://127.0.0.1:" + FreePorts.pick()));
                if (registered.putIfAbsent(complete.id(), complete) != null) {
                    throw new IllegalArgumentException("two appservice registrations with id " + complete.id());
                }
            }
            Path work = FileTrees.recreate(workDir.toAbsolutePath());
            Path runDir = RunDirs.create(root.resolve(RUNS_IN_ROOT.substring(1)), "run-");
            String dataInRoot = RUNS_IN_ROOT + "/" + runDir.getFileName();
            int port = FreePorts.pick();
            String secret = Names.token();
            try {
                List<String> registrationFiles = new ArrayList<>();
                for (AppserviceRegistration registration : registered.values()) {
                    String file = "appservices/" + registration.id() + ".yaml";
                    write(work, runDir, file, registration.toYaml());
                    registrationFiles.add(dataInRoot + "/" + file);
                }
                for (Path source : appserviceFiles) {
                    String file = "appservices/file-" + registrationFiles.size() + "-" + source.getFileName();
                    write(work, runDir, file, Files.readString(source, StandardCharsets.UTF_8));
                    registrationFiles.add(dataInRoot + "/" + file);
                }
                Map<String, String> values = new LinkedHashMap<>();
                values.put("SERVER_NAME", serverName);
                values.put("PORT", Integer.toString(port));
                values.put("DATA_DIR", dataInRoot);
                values.put("REGISTRATION_SECRET", secret);
                values.put("MACAROON_SECRET", Names.token());
                values.put("FORM_SECRET", Names.token());
                values.put("APPSERVICE_CONFIG_FILES", Http.JSON.writeValueAsString(registrationFiles));
                write(work, runDir, "homeserver.yaml", Templates.render("synapse/homeserver.yaml", values));
                write(work, runDir, "log.yaml", Templates.resource("synapse/log.yaml"));
                Files.writeString(runDir.resolve("signing.key"), "ed25519 a_byob " + signingSeed() + "\n");
            } catch (IOException e) {
                FileTrees.delete(runDir);
                throw new UncheckedIOException("cannot write Synapse's configuration to " + runDir, e);
            }

            ManagedProcess process = ManagedProcess.builder("synapse")
                    .command("chroot", root.toString(), "/usr/bin/python3", "-m", "synapse.app.homeserver",
                            "--config-path", dataInRoot + "/homeserver.yaml")
                    .environment(Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin", "LANG", "C.UTF-8",
                            "HOME", "/root", "PYTHONDONTWRITEBYTECODE", "1"))
                    .log(work.resolve("synapse.log"))
                    .start();
            URI baseUrl = URI.create("http://127.0.0.1:" + port + "/");
            try {
                Readiness.await("Synapse on " + baseUrl, startupTimeout, () -> answers(baseUrl), List.of(process));
            } catch (RuntimeException e) {
                process.close();
                FileTrees.delete(runDir);
                throw e;
            }
            LOG.log(Level.INFO, "Synapse ready at {0} (log {1})", baseUrl, process.log());
            return new EmbeddedSynapse(this, baseUrl, secret, registered, process, runDir);
        }

        private static boolean answers(URI baseUrl) throws IOException {
            Request request = new Request.Builder().url(baseUrl.resolve("_matrix/client/versions").toString()).build();
            try (Response response = Http.CLIENT.newCall(request).execute()) {
                return response.isSuccessful();
            }
        }

        /** Writes a file into the run directory inside the root and a copy into the work directory. */
        private static void write(Path work, Path runDir, String name, String content) throws IOException {
            for (Path base : List.of(work, runDir)) {
                Path file = base.resolve(name);
                Files.createDirectories(file.getParent());
                Files.writeString(file, content, StandardCharsets.UTF_8);
            }
        }

        private static String signingSeed() {
            byte[] seed = new byte[32];
            RANDOM.nextBytes(seed);
            return Base64.getEncoder().withoutPadding().encodeToString(seed);
        }
    }
}
