package dev.byob.visiting;

import dev.byob.protocol.id.UserId;
import dev.byob.visiting.MatrixLogin.LoginException;
import dev.byob.kit.config.ConfigException;
import dev.byob.visiting.config.Credentials;
import dev.byob.visiting.config.IrcNetworkConfig;
import dev.byob.visiting.config.VisitingBridgeConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code visiting-bridge login}: asks for the Matrix password (or an access token) of the user and of the bridge's
 * bot, checks each token with {@code whoami}, asks for the IRC passwords, and stores them all under the data
 * directory in files only the user can read, with the bridge's signing key (generated once).
 */
@Command(name = "login", mixinStandardHelpOptions = true,
        description = "Logs in to Matrix as you (and as the bridge's bot, if configured), checks the tokens, and"
                + " stores them with your IRC passwords under the data directory (mode 0600). Nothing secret is"
                + " taken on the command line: it is asked for.")
final class LoginCommand implements Callable<Integer> {
    private final Prompter prompter;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "The configuration file.")
    Path config;

    @Option(names = "--access-token", description = "Ask for your access token instead of your password.")
    boolean accessToken;

    @Option(names = "--bot-access-token", description = "Ask for the bot's access token instead of its password.")
    boolean botAccessToken;

    LoginCommand(Prompter prompter) {
        this.prompter = prompter;
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        VisitingBridgeConfig cfg;
        try {
            cfg = VisitingBridgeConfig.load(config);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return Main.EXIT_USAGE;
        }
        try {
            String userToken = token(cfg, cfg.user(), "you", accessToken);
            String botToken = null;
            if (cfg.bot().isPresent()) {
                botToken = token(cfg, cfg.bot().get(), "the bot", botAccessToken);
            }
            Map<String, String> irc = new LinkedHashMap<>();
            for (IrcNetworkConfig n : cfg.ircNetworks()) {
                String pw = ask("Password of the IRC account " + n.account() + " on " + n.id() + " (" + n.host() + ")");
                irc.put(n.id(), pw);
            }
            Path dir = cfg.dataDir();
            Credentials.createDataDir(dir);
            Credentials.writeSecret(Credentials.userTokenFile(dir), userToken);
            if (botToken != null) {
                Credentials.writeSecret(Credentials.botTokenFile(dir), botToken);
            } else {
                Files.deleteIfExists(Credentials.botTokenFile(dir));
            }
            for (Map.Entry<String, String> e : irc.entrySet()) {
                Credentials.writeSecret(Credentials.ircPasswordFile(dir, e.getKey()), e.getValue());
            }
            Map.Entry<Boolean, dev.byob.protocol.crypto.SigningKey> key =
                    Credentials.signingKey(Credentials.signingKeyFile(dir), new SecureRandom());
            out.println("Logged in as " + cfg.user() + cfg.bot().map(b -> " and " + b).orElse("")
                    + "; credentials stored in " + dir + " (readable by you only).");
            out.println((key.getKey() ? "Generated the bridge's signing key " : "Kept the bridge's signing key ")
                    + key.getValue().keyId() + " " + key.getValue().verifyKey().publicKeyBase64() + ".");
            out.println("Start the bridge with: visiting-bridge run -c " + config);
            return 0;
        } catch (LoginException e) {
            err.println("visiting-bridge: " + e.getMessage());
            return Main.EXIT_USAGE;
        } catch (IOException e) {
            err.println("visiting-bridge: cannot write the credentials under " + cfg.dataDir() + ": " + e.getMessage());
            return Main.EXIT_FAILURE;
        } catch (IllegalArgumentException e) {
            err.println("visiting-bridge: " + Credentials.signingKeyFile(cfg.dataDir()) + ": " + e.getMessage()
                    + "; move it away to generate a new key");
            return Main.EXIT_USAGE;
        }
    }

    private String token(VisitingBridgeConfig cfg, UserId user, String what, boolean askToken) throws LoginException {
        String token;
        if (askToken) {
            token = ask("Access token of " + user);
        } else {
            token = MatrixLogin.password(cfg.homeserver(), user, ask("Matrix password of " + user),
                    "byob visiting bridge");
        }
        MatrixLogin.check(cfg.homeserver(), user, token, what);
        return token;
    }

    private String ask(String question) throws LoginException {
        String answer = prompter.secret(question);
        if (answer == null || answer.isBlank()) {
            throw new LoginException("no answer to \"" + question + "\"; nothing was stored");
        }
        return answer.strip();
    }
}
