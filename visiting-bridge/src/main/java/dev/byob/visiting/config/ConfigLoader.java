package dev.byob.visiting.config;

import dev.byob.kit.config.Section;
import dev.byob.kit.config.ConfigProblem;
import dev.byob.kit.config.ConfigException;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a configuration file into a {@link VisitingBridgeConfig}, collecting every problem before giving up.
 * Relative paths are resolved against the file's directory.
 */
final class ConfigLoader {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Pattern NETWORK_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,255}");
    private static final Pattern NICK = Pattern.compile("[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]{0,29}");
    private static final Pattern ACCOUNT = Pattern.compile("[^\\s\\x00]{1,64}");

    private final Path file;
    private final String shown;
    private final Path baseDir;
    private final List<ConfigProblem> problems = new ArrayList<>();

    ConfigLoader(Path file) {
        this.file = file;
        this.shown = file.toString();
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.baseDir = parent != null ? parent : Path.of("").toAbsolutePath();
    }

    VisitingBridgeConfig load() throws ConfigException {
        JsonNode root = parse();
        Section top = new Section("", root, p -> problems.add(new ConfigProblem(shown, p[0], p[1])));
        Section hs = top.section("homeserver", true);
        URI url = hs.httpUrl("url", hs.requiredString("url"));
        hs.finish();
        UserId user = userId(top, "user", top.requiredString("user"));
        UserId bot = top.has("bot") ? userId(top, "bot", top.string("bot")) : null;
        if (user != null && bot != null && bot.equals(user)) {
            top.problem("bot", "is the user itself; leave bot out to use the user's account");
        }
        Path dataDir = path(top, "data_dir", top.string("data_dir", "data"));
        List<IrcNetworkConfig> networks = irc(top.section("irc", true));
        top.finish();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new VisitingBridgeConfig(file, url, user, Optional.ofNullable(bot), dataDir, networks);
    }

    private JsonNode parse() throws ConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file));
        } catch (NoSuchFileException e) {
            throw fatal("does not exist; write one with: visiting-bridge init -c " + shown);
        } catch (JsonProcessingException e) {
            throw fatal("not valid YAML: " + describe(e));
        } catch (IOException e) {
            throw fatal("cannot be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw fatal("is empty; write one with: visiting-bridge init -c " + shown);
        }
        if (!root.isObject()) {
            throw fatal("expected a YAML mapping of settings at the top level");
        }
        return root;
    }

    private ConfigException fatal(String reason) {
        return new ConfigException(List.of(new ConfigProblem(shown, null, reason)));
    }

    private static String describe(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String where = location == null || location.getLineNr() < 1 ? ""
                : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
        return where + e.getOriginalMessage().lines().findFirst().orElse("syntax error");
    }

    private List<IrcNetworkConfig> irc(Section s) {
        List<IrcNetworkConfig> out = new ArrayList<>();
        List<Section> networks = s.sections("networks");
        if (s.present() && !s.has("networks")) {
            s.missing("networks", "required: the IRC networks this bridge serves");
        } else if (s.present() && networks.isEmpty()) {
            s.problem("networks", "must name at least one network");
        }
        Set<String> ids = new HashSet<>();
        for (Section n : networks) {
            String id = n.requiredString("id");
            if (id != null && !NETWORK_ID.matcher(id).matches()) {
                n.problem("id", "must be lower case letters, digits and '-' (at most 32), as in the hosting"
                        + " bridge's m.bridge event");
                id = null;
            } else if (id != null && !ids.add(id)) {
                n.problem("id", "network " + id + " is listed twice");
                id = null;
            }
            String host = n.requiredString("host");
            if (host != null && !HOST.matcher(host).matches()) {
                n.problem("host", "not a host name or IP address");
                host = null;
            }
            Boolean tls = n.bool("tls", true);
            Long port = n.integer("port", tls != null && !tls ? 6667 : 6697, 1, 65535);
            String nick = n.requiredString("nick");
            if (nick != null && !NICK.matcher(nick).matches()) {
                n.problem("nick", "not a valid IRC nick");
                nick = null;
            }
            String account = n.string("account", nick);
            if (account != null && !ACCOUNT.matcher(account).matches()) {
                n.problem("account", "not a valid services account name");
                account = null;
            }
            n.finish();
            if (id != null && host != null && tls != null && port != null && nick != null && account != null) {
                out.add(new IrcNetworkConfig(id, host, port.intValue(), tls, nick, account));
            }
        }
        s.finish();
        return out;
    }

    private static UserId userId(Section s, String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            return UserId.parse(value);
        } catch (IllegalArgumentException e) {
            s.problem(name, "not a Matrix user id like @alice:example.org");
            return null;
        }
    }

    private Path path(Section s, String name, String value) {
        if (value == null) {
            return null;
        }
        if (value.isBlank()) {
            s.problem(name, "must not be empty");
            return null;
        }
        try {
            return baseDir.resolve(value).normalize();
        } catch (InvalidPathException e) {
            s.problem(name, "not a valid path");
            return null;
        }
    }
}
