package dev.byob.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An IRC network started by the harness: InspIRCd 3 with the IRCv3 identity modules ({@code account-tag},
 * message tags, {@code msgid}, {@code server-time}, {@code echo-message}) linked to Atheme services for
 * NickServ accounts without e-mail checks and SASL PLAIN, all on loopback with relaxed flood limits.
 * Configuration, logs and the services database go to the work directory, e.g. {@code target/servers/irc}.
 */
public final class EmbeddedIrcNetwork implements IrcNetwork, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(EmbeddedIrcNetwork.class.getName());
    private static final String SERVICES_SYNCHED = "finished synching with uplink";

    private final int port;
    private final ManagedProcess inspircd;
    private final ManagedProcess atheme;
    private final List<Path> logs;
    private boolean closed;

    private EmbeddedIrcNetwork(int port, ManagedProcess inspircd, ManagedProcess atheme, List<Path> logs) {
        this.port = port;
        this.inspircd = inspircd;
        this.atheme = atheme;
        this.logs = List.copyOf(logs);
    }

    /** A builder; {@link Builder#workDir(Path)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return port;
    }

    @Override
    public List<Path> logs() {
        return logs;
    }

    /** Stops services, then the IRC server; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        atheme.close();
        inspircd.close();
    }

    @Override
    public String toString() {
        return "IrcNetwork[127.0.0.1:" + port + ", logs " + logs + "]";
    }

    /** Builds and starts an {@link EmbeddedIrcNetwork}. */
    public static final class Builder {
        private Path workDir;
        private Duration startupTimeout = Duration.ofSeconds(60);

        private Builder() {
        }

        /** Where configuration, logs and data go, e.g. {@code target/servers/irc}; emptied at start. */
        public Builder workDir(Path workDir) {
            this.workDir = workDir;
            return this;
        }

        /** How long each server's start-up may take (default 60 s). */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        /** Starts InspIRCd, then Atheme, and waits until services have linked. */
        public EmbeddedIrcNetwork start() {
            Objects.requireNonNull(workDir, "workDir");
            Path dir = FileTrees.recreate(workDir.toAbsolutePath());
            int clientPort = FreePorts.pick();
            int linkPort = FreePorts.pick();
            Map<String, String> values = Map.of(
                    "CLIENT_PORT", Integer.toString(clientPort),
                    "LINK_PORT", Integer.toString(linkPort),
                    "LINK_PASSWORD", Names.password(),
                    "DIR", dir.toString());
            Path inspircdConf = dir.resolve("inspircd.conf");
            Path athemeConf = dir.resolve("atheme.conf");
            Path athemeLog = dir.resolve("atheme.log");
            try {
                Files.writeString(inspircdConf, Templates.render("irc/inspircd.conf", values), StandardCharsets.UTF_8);
                Files.writeString(athemeConf, Templates.render("irc/atheme.conf", values), StandardCharsets.UTF_8);
                Files.createDirectories(dir.resolve("atheme-data"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the IRC configuration to " + dir, e);
            }

            ManagedProcess inspircd = ManagedProcess.builder("inspircd")
                    .command("inspircd", "--config", inspircdConf.toString(), "--nofork", "--runasroot")
                    .workDir(dir)
                    .log(dir.resolve("inspircd.out"))
                    .start();
            ManagedProcess atheme = null;
            try {
                Readiness.await("InspIRCd on 127.0.0.1:" + clientPort, startupTimeout,
                        () -> accepts(clientPort), List.of(inspircd));
                atheme = ManagedProcess.builder("atheme")
                        .command("atheme-services", "-n", "-c", athemeConf.toString(),
                                "-D", dir.resolve("atheme-data").toString(), "-l", athemeLog.toString(),
                                "-p", dir.resolve("atheme.pid").toString())
                        .workDir(dir)
                        .log(dir.resolve("atheme.out"))
                        .start();
                Readiness.await("Atheme linked to InspIRCd", startupTimeout,
                        () -> Files.exists(athemeLog) && Files.readString(athemeLog, StandardCharsets.ISO_8859_1)
                                .contains(SERVICES_SYNCHED),
                        List.of(inspircd, atheme));
            } catch (RuntimeException e) {
                if (atheme != null) {
                    atheme.close();
                }
                inspircd.close();
                throw e;
            }
            LOG.log(Level.INFO, "IRC network ready at 127.0.0.1:{0} (logs in {1})", Integer.toString(clientPort), dir);
            return new EmbeddedIrcNetwork(clientPort, inspircd, atheme, List.of(dir.resolve("inspircd.log"),
                    inspircd.log(), athemeLog, atheme.log()));
        }

        private static boolean accepts(int port) throws IOException {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
                return true;
            }
        }
    }
}
