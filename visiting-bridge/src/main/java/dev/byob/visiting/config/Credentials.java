package dev.byob.visiting.config;

import dev.byob.kit.config.Secret;
import dev.byob.kit.config.ConfigProblem;
import dev.byob.kit.config.ConfigException;

import dev.byob.kit.keys.KeyFile;
import dev.byob.protocol.crypto.KeyId;
import dev.byob.protocol.crypto.SigningKey;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The secrets of a visiting bridge, each in its own file under the data directory, readable by its owner only
 * (mode 0600, in a directory of mode 0700): the user's and the bot's access tokens, the IRC passwords and the
 * signing key. Written by {@code login}, read by {@code run}.
 *
 * @param botToken empty when the bridge has no bot of its own
 * @param ircPasswords by network id
 */
public record Credentials(Secret userToken, Optional<Secret> botToken, Map<String, Secret> ircPasswords,
                          SigningKey signingKey) {

    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    static final Set<PosixFilePermission> OWNER_ONLY_DIR = PosixFilePermissions.fromString("rwx------");

    public Credentials {
        ircPasswords = Map.copyOf(ircPasswords);
    }

    /** The file of the user's access token. */
    public static Path userTokenFile(Path dataDir) {
        return dataDir.resolve("user.token");
    }

    /** The file of the bot's access token. */
    public static Path botTokenFile(Path dataDir) {
        return dataDir.resolve("bot.token");
    }

    /** The file of the password of the user's services account on network {@code id}. */
    public static Path ircPasswordFile(Path dataDir, String id) {
        return dataDir.resolve("irc-" + id + ".password");
    }

    /** The file of the signing key: {@code ed25519 <version> <base64 seed>}, as {@code byob keygen} writes. */
    public static Path signingKeyFile(Path dataDir) {
        return dataDir.resolve("signing.key");
    }

    /**
     * Reads every credential {@code config} needs, reporting all that are missing or unreadable at once, each
     * with what to run to fix it.
     */
    public static Credentials load(VisitingBridgeConfig config) throws ConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        Path dir = config.dataDir();
        String login = "run: visiting-bridge login -c " + config.file();
        Secret user = read(userTokenFile(dir), "no access token for " + config.user() + "; " + login, problems);
        Optional<Secret> bot = Optional.empty();
        if (config.bot().isPresent()) {
            bot = Optional.ofNullable(read(botTokenFile(dir), "no access token for the bot "
                    + config.bot().get() + "; " + login, problems));
        }
        Map<String, Secret> irc = new LinkedHashMap<>();
        for (IrcNetworkConfig n : config.ircNetworks()) {
            Secret pw = read(ircPasswordFile(dir, n.id()), "no password for the IRC account " + n.account() + " on "
                    + n.id() + "; " + login, problems);
            if (pw != null) {
                irc.put(n.id(), pw);
            }
        }
        SigningKey key = null;
        Path keyFile = signingKeyFile(dir);
        try {
            key = readSigningKey(keyFile);
        } catch (NoSuchFileException e) {
            problems.add(new ConfigProblem(keyFile.toString(), null, "no signing key; " + login));
        } catch (IOException | IllegalArgumentException e) {
            problems.add(new ConfigProblem(keyFile.toString(), null, e.getMessage()));
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new Credentials(user, bot, irc, key);
    }

    private static Secret read(Path file, String missing, List<ConfigProblem> problems) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (text.isEmpty()) {
                problems.add(new ConfigProblem(file.toString(), null, "is empty; " + missing.substring(
                        missing.indexOf("run:"))));
                return null;
            }
            return Secret.of(text);
        } catch (NoSuchFileException e) {
            problems.add(new ConfigProblem(file.toString(), null, missing));
        } catch (IOException e) {
            problems.add(new ConfigProblem(file.toString(), null, "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    /** Creates the data directory, readable by its owner only, if it does not exist. */
    public static void createDataDir(Path dataDir) throws IOException {
        if (!Files.isDirectory(dataDir)) {
            Files.createDirectories(dataDir);
            try {
                Files.setPosixFilePermissions(dataDir, OWNER_ONLY_DIR);
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the directory's default permissions apply
            }
        }
    }

    /** Writes a secret to {@code file}, replacing it atomically; the file is never readable by others. */
    public static void writeSecret(Path file, String secret) throws IOException {
        writeOwnerOnly(file, secret + "\n");
    }

    /** Writes {@code text} to {@code file}, replacing it atomically; the file is readable by its owner only. */
    public static void writeOwnerOnly(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The bridge's signing key: read from {@code file}, or generated and written there (mode 0600) the first
     * time. A key once written is never replaced: hosting bridges pin it.
     *
     * @return whether a new key was generated, and the key
     */
    public static Map.Entry<Boolean, SigningKey> signingKey(Path file, SecureRandom random) throws IOException {
        if (Files.exists(file)) {
            return Map.entry(false, readSigningKey(file));
        }
        SigningKey key = SigningKey.generate(KeyId.ed25519("vb1"), random);
        KeyFile.write(file, key);
        return Map.entry(true, key);
    }

    /** Reads a key file in {@code byob keygen}'s format, or explains what is wrong with it. */
    public static SigningKey readSigningKey(Path path) throws IOException {
        return KeyFile.read(path);
    }

    /** Never shows a secret. */
    @Override
    public String toString() {
        return "Credentials[" + signingKey + ", " + ircPasswords.size() + " IRC password(s)]";
    }
}
