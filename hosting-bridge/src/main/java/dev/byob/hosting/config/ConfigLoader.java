package dev.byob.hosting.config;

import dev.byob.kit.config.Section;
import dev.byob.kit.config.Secret;
import dev.byob.kit.config.ConfigProblem;
import dev.byob.kit.config.ConfigException;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.byob.protocol.id.UserId;
import dev.byob.protocol.message.ProofMethods;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Inet6Address;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a configuration file into a {@link BridgeConfig}, collecting every problem before giving up, so a
 * person fixes them all in one go. Relative paths in the file are resolved against the file's directory.
 */
final class ConfigLoader {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    static final String DEFAULT_ADDRESS = "127.0.0.1";
    static final int DEFAULT_PORT = 29340;
    static final String DEFAULT_BOT_LOCALPART = "ircbridge";
    static final String DEFAULT_GHOST_PREFIX = "irc_";
    static final String DEFAULT_DATA_DIR = "data";
    static final String DEFAULT_SQLITE_FILE = "hosting-bridge.db";
    static final String DEFAULT_NICK_TEMPLATE = "<name>[m]";

    private static final Pattern APPSERVICE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Pattern SERVER_NAME = Pattern.compile(
            "(?:\\[[0-9A-Fa-f:.]{2,45}]|[A-Za-z0-9.-]{1,255})(?::[0-9]{1,5})?");
    private static final Pattern LOCALPART = Pattern.compile("[a-z0-9._=\\-/+]{1,200}");
    private static final Pattern NETWORK_ID = Pattern.compile("[a-z0-9][a-z0-9-]{0,31}");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.:\\[\\]_-]{1,255}");
    private static final Pattern NICK = Pattern.compile("[A-Za-z\\[\\]\\\\`_^{|}][A-Za-z0-9\\[\\]\\\\`_^{|}-]{0,29}");
    private static final Pattern ROOM = Pattern.compile("[!#][^:\\s]+:[A-Za-z0-9.:\\[\\]-]+");
    private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{16,}");

    private final Path file;
    private final String shown;
    private final Path baseDir;
    private final boolean requireTokens;
    private final List<ConfigProblem> problems = new ArrayList<>();

    /**
     * @param file the configuration file
     * @param requireTokens whether the appservice tokens must be available (inline or from the registration)
     */
    ConfigLoader(Path file, boolean requireTokens) {
        this.file = file;
        this.shown = file.toString();
        Path parent = file.toAbsolutePath().normalize().getParent();
        this.baseDir = parent != null ? parent : Path.of("").toAbsolutePath();
        this.requireTokens = requireTokens;
    }

    BridgeConfig load() throws ConfigException {
        JsonNode root = parse();
        Section top = new Section("", root, p -> problems.add(new ConfigProblem(shown, p[0], p[1])));

        HomeserverConfig homeserver = homeserver(top.section("homeserver", true));
        Section appserviceSection = top.section("appservice", true);
        Path dataDir = dataDir(top);
        AppserviceConfig appservice = appservice(appserviceSection);
        DatabaseConfig database = database(top.section("database", false), dataDir);
        List<IrcNetworkConfig> networks = irc(top.section("irc", true));
        ByobPolicyConfig byob = byob(top.section("byob", false));
        List<RoomConfig> rooms = rooms(top, networks);
        top.finish();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new BridgeConfig(file, homeserver, appservice, dataDir, database, networks, byob, rooms);
    }

    private JsonNode parse() throws ConfigException {
        JsonNode root;
        try {
            String text = Files.readString(file);
            root = YAML.readTree(text);
        } catch (NoSuchFileException e) {
            throw fatal("does not exist");
        } catch (JsonProcessingException e) {
            throw fatal("not valid YAML: " + describe(e));
        } catch (IOException e) {
            throw fatal("cannot be read: " + e.getMessage());
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            throw fatal("is empty; write one with: hosting-bridge generate-registration --example-config FILE");
        }
        if (!root.isObject()) {
            throw fatal("expected a YAML mapping of settings at the top level");
        }
        return root;
    }

    private ConfigException fatal(String reason) {
        return new ConfigException(List.of(new ConfigProblem(shown, null, reason)));
    }

    static String describe(JsonProcessingException e) {
        JsonLocation location = e.getLocation();
        String where = location == null || location.getLineNr() < 1 ? ""
                : "line " + location.getLineNr() + ", column " + location.getColumnNr() + ": ";
        return where + e.getOriginalMessage().lines().findFirst().orElse("syntax error");
    }

    // ---- sections ----

    private HomeserverConfig homeserver(Section s) {
        URI url = s.httpUrl("url", s.requiredString("url"));
        String serverName = s.requiredString("server_name");
        if (serverName != null && !SERVER_NAME.matcher(serverName).matches()) {
            s.problem("server_name", "not a valid server name (a host name or IP address, optionally with :port)");
            serverName = null;
        }
        s.finish();
        return url == null || serverName == null ? null : new HomeserverConfig(url, serverName);
    }

    private AppserviceConfig appservice(Section s) {
        String id = s.requiredString("id");
        if (id != null && !APPSERVICE_ID.matcher(id).matches()) {
            s.problem("id", "use at most 64 letters, digits, '.', '_' and '-'");
            id = null;
        }
        InetAddress address = address(s);
        Long port = s.integer("port", DEFAULT_PORT, 1, 65535);
        URI url;
        if (s.has("url")) {
            url = s.httpUrl("url", s.string("url"));
        } else if (address != null && port != null) {
            if (address.isAnyLocalAddress()) {
                s.problem("url", "required when address is a wildcard address: the homeserver cannot connect to "
                        + address.getHostAddress());
                url = null;
            } else {
                String host = address instanceof Inet6Address ? "[" + address.getHostAddress() + "]"
                        : address.getHostAddress();
                url = URI.create("http://" + host + ":" + port);
            }
        } else {
            url = null;
        }

        String botLocalpart = localpart(s, "bot_localpart", s.string("bot_localpart", DEFAULT_BOT_LOCALPART));
        String ghostPrefix = localpart(s, "ghost_prefix", s.string("ghost_prefix", DEFAULT_GHOST_PREFIX));
        if (botLocalpart != null && ghostPrefix != null && botLocalpart.startsWith(ghostPrefix)) {
            s.problem("bot_localpart", "must not start with ghost_prefix '" + ghostPrefix
                    + "', or the bot would be one of its own ghosts");
            botLocalpart = null;
        }

        Optional<Path> registrationFile = Optional.empty();
        Optional<AppserviceTokens> tokens = Optional.empty();
        boolean tokensOk = true;
        String asToken = token(s, "as_token");
        String hsToken = token(s, "hs_token");
        String registration = s.string("registration");
        boolean inline = s.has("as_token") || s.has("hs_token");
        if (inline) {
            if (!s.has("as_token") || !s.has("hs_token")) {
                s.problem(s.has("as_token") ? "hs_token" : "as_token",
                        "required with " + (s.has("as_token") ? "as_token" : "hs_token"));
                tokensOk = false;
            } else if (asToken == null || hsToken == null) {
                tokensOk = false;
            } else if (asToken.equals(hsToken)) {
                s.problem("hs_token", "must differ from as_token");
                tokensOk = false;
            } else {
                tokens = Optional.of(new AppserviceTokens(Secret.of(asToken), Secret.of(hsToken)));
            }
            if (registration != null) {
                s.problem("registration", "give either as_token and hs_token, or registration, not both");
                tokensOk = false;
            }
        } else if (registration != null) {
            Path path = path(s, "registration", registration);
            if (path == null) {
                tokensOk = false;
            } else {
                registrationFile = Optional.of(path);
                if (requireTokens) {
                    tokens = readRegistration(s, registration, path, id, botLocalpart);
                    tokensOk = tokens.isPresent();
                }
            }
        } else if (requireTokens) {
            s.missing("registration", "required: the registration file written by generate-registration "
                    + "(or as_token and hs_token)");
            tokensOk = false;
        }
        s.finish();
        if (id == null || address == null || port == null || url == null || botLocalpart == null
                || ghostPrefix == null || !tokensOk) {
            return null;
        }
        return new AppserviceConfig(id, address, port.intValue(), url, registrationFile, tokens, botLocalpart,
                ghostPrefix);
    }

    private static InetAddress address(Section s) {
        String address = s.string("address", DEFAULT_ADDRESS);
        if (address == null) {
            return null;
        }
        if (address.isBlank() || address.chars().anyMatch(Character::isWhitespace)) {
            s.problem("address", "not an IP address or host name");
            return null;
        }
        try {
            return InetAddress.getByName(address);
        } catch (UnknownHostException e) {
            s.problem("address", "cannot be resolved to an IP address");
            return null;
        }
    }

    private static String token(Section s, String name) {
        String token = s.string(name);
        if (token != null && !TOKEN.matcher(token).matches()) {
            s.problem(name, "must be at least 16 printable ASCII characters without spaces");
            return null;
        }
        return token;
    }

    private static String localpart(Section s, String name, String value) {
        if (value != null && !LOCALPART.matcher(value).matches()) {
            s.problem(name, "not a Matrix localpart: use lowercase letters, digits and ._=-/+");
            return null;
        }
        return value;
    }

    private Optional<AppserviceTokens> readRegistration(Section s, String shownPath, Path path, String id,
                                                        String botLocalpart) {
        JsonNode registration;
        try {
            registration = YAML.readTree(Files.readString(path));
        } catch (NoSuchFileException e) {
            s.problem("registration", shownPath + " does not exist; write it with: hosting-bridge "
                    + "generate-registration -c " + shown + " -o " + shownPath);
            return Optional.empty();
        } catch (JsonProcessingException e) {
            s.problem("registration", shownPath + " is not valid YAML: " + describe(e));
            return Optional.empty();
        } catch (IOException e) {
            s.problem("registration", shownPath + " cannot be read: " + e.getMessage());
            return Optional.empty();
        }
        if (registration == null || !registration.isObject()) {
            s.problem("registration", shownPath + " is not an appservice registration (expected a YAML mapping)");
            return Optional.empty();
        }
        String asToken = registration.path("as_token").asText("");
        String hsToken = registration.path("hs_token").asText("");
        boolean ok = true;
        for (String[] field : new String[][] {{"as_token", asToken}, {"hs_token", hsToken}}) {
            if (!TOKEN.matcher(field[1]).matches()) {
                s.problem("registration", shownPath + " has no valid " + field[0]);
                ok = false;
            }
        }
        if (ok && asToken.equals(hsToken)) {
            s.problem("registration", shownPath + " has the same as_token and hs_token");
            ok = false;
        }
        String registeredId = registration.path("id").asText(null);
        if (id != null && registeredId != null && !registeredId.equals(id)) {
            s.problem("registration", shownPath + " is for appservice '" + registeredId + "', but appservice.id is '"
                    + id + "'");
            ok = false;
        }
        String sender = registration.path("sender_localpart").asText(null);
        if (botLocalpart != null && sender != null && !sender.equals(botLocalpart)) {
            s.problem("registration", shownPath + " has sender_localpart '" + sender + "', but appservice.bot_localpart "
                    + "is '" + botLocalpart + "'");
            ok = false;
        }
        return ok ? Optional.of(new AppserviceTokens(Secret.of(asToken), Secret.of(hsToken))) : Optional.empty();
    }

    private Path dataDir(Section top) {
        String value = top.string("data_dir", DEFAULT_DATA_DIR);
        Path dir = value == null ? null : path(top, "data_dir", value);
        if (dir != null && Files.exists(dir) && !Files.isDirectory(dir)) {
            top.problem("data_dir", "not a directory");
            return null;
        }
        return dir;
    }

    private DatabaseConfig database(Section s, Path dataDir) {
        String type = s.string("type", "sqlite");
        DatabaseConfig database = null;
        if ("sqlite".equals(type)) {
            for (String postgresOnly : List.of("url", "user", "password")) {
                if (s.has(postgresOnly)) {
                    s.problem(postgresOnly, "applies only to type postgres");
                }
            }
            if (s.has("path")) {
                String value = s.string("path");
                Path path = value == null ? null : path(s, "path", value);
                database = path == null ? null : new DatabaseConfig.Sqlite(path);
            } else if (dataDir != null) {
                database = new DatabaseConfig.Sqlite(dataDir.resolve(DEFAULT_SQLITE_FILE));
            }
        } else if ("postgres".equals(type)) {
            if (s.has("path")) {
                s.problem("path", "applies only to type sqlite");
            }
            String url = s.requiredString("url");
            if (url != null && !url.startsWith("jdbc:postgresql://")) {
                s.problem("url", "not a jdbc:postgresql:// URL");
                url = null;
            }
            String user = s.requiredString("user");
            String password = s.string("password");
            if (password != null && password.isEmpty()) {
                password = null;
            }
            if (url != null && user != null) {
                database = new DatabaseConfig.Postgres(url, user, Optional.ofNullable(password).map(Secret::of));
            }
        } else if (type != null) {
            s.problem("type", "must be sqlite or postgres");
        }
        s.finish();
        return database;
    }

    private List<IrcNetworkConfig> irc(Section s) {
        List<IrcNetworkConfig> networks = new ArrayList<>();
        boolean ok = true;
        if (s.present() && !s.has("networks")) {
            s.problem("networks", "required: at least one network");
            ok = false;
        }
        List<Section> sections = s.sections("networks");
        if (s.has("networks") && sections.isEmpty()) {
            s.problem("networks", "required: at least one network");
            ok = false;
        }
        Set<String> ids = new HashSet<>();
        for (Section n : sections) {
            IrcNetworkConfig network = network(n, ids);
            if (network == null) {
                ok = false;
            } else {
                networks.add(network);
            }
        }
        s.finish();
        return ok ? networks : null;
    }

    private static IrcNetworkConfig network(Section n, Set<String> ids) {
        String id = n.requiredString("id");
        if (id != null && !NETWORK_ID.matcher(id).matches()) {
            n.problem("id", "use at most 32 lowercase letters, digits and '-', starting with a letter or digit");
            id = null;
        } else if (id != null && !ids.add(id)) {
            n.problem("id", "another network already has id '" + id + "'");
            id = null;
        }
        String host = n.requiredString("host");
        if (host != null && !HOST.matcher(host).matches()) {
            n.problem("host", "not a host name or IP address");
            host = null;
        }
        Boolean tls = n.bool("tls", true);
        Long port = n.integer("port", Boolean.FALSE.equals(tls) ? 6667 : 6697, 1, 65535);
        String botNick = n.requiredString("bot_nick");
        if (botNick != null && !NICK.matcher(botNick).matches()) {
            n.problem("bot_nick", "not a valid IRC nick");
            botNick = null;
        }
        String template = n.string("nick_template", DEFAULT_NICK_TEMPLATE);
        if (template != null && !template.contains(IrcNetworkConfig.NAME_PLACEHOLDER)) {
            n.problem("nick_template", "must contain " + IrcNetworkConfig.NAME_PLACEHOLDER);
            template = null;
        } else if (template != null && !NICK.matcher(template.replace(IrcNetworkConfig.NAME_PLACEHOLDER, "n"))
                .matches()) {
            n.problem("nick_template", "does not make valid IRC nicks");
            template = null;
        }
        Boolean relaybot = n.bool("relaybot", false);
        n.finish();
        if (id == null || host == null || tls == null || port == null || botNick == null || template == null
                || relaybot == null) {
            return null;
        }
        return new IrcNetworkConfig(id, host, port.intValue(), tls, botNick, template, relaybot);
    }

    private static List<RoomConfig> rooms(Section top, List<IrcNetworkConfig> networks) {
        List<RoomConfig> rooms = new ArrayList<>();
        Set<String> seenRooms = new HashSet<>();
        Set<String> seenChannels = new HashSet<>();
        for (Section r : top.sections("rooms")) {
            String room = r.requiredString("room");
            if (room != null && !ROOM.matcher(room).matches()) {
                r.problem("room", "not a room id (!id:server) or alias (#alias:server)");
                room = null;
            } else if (room != null && !seenRooms.add(room)) {
                r.problem("room", "bridged twice");
                room = null;
            }
            String network = r.requiredString("network");
            if (network != null && networks != null && networks.stream().noneMatch(n -> n.id().equals(network))) {
                r.problem("network", "no IRC network has id '" + network + "'");
            }
            String channel = r.requiredString("channel");
            if (channel != null && !RoomConfig.isChannelName(channel)) {
                r.problem("channel", "not an IRC channel name (" + RoomConfig.CHANNEL_RULE + ")");
                channel = null;
            } else if (channel != null && network != null
                    && !seenChannels.add(network + " " + channel.toLowerCase(Locale.ROOT))) {
                r.problem("channel", "bridged to another room already");
                channel = null;
            }
            r.finish();
            if (room != null && network != null && channel != null) {
                rooms.add(new RoomConfig(room, network, channel));
            }
        }
        return rooms;
    }

    private static ByobPolicyConfig byob(Section s) {
        List<String> methods = s.strings("matrix_proof_methods", List.of(ProofMethods.MATRIX_DM));
        if (methods != null) {
            Set<String> seen = new HashSet<>();
            for (String method : methods) {
                if (!ProofMethods.MATRIX_ALL.contains(method)) {
                    s.problem("matrix_proof_methods", "unknown method '" + method + "' (known: "
                            + String.join(", ", ProofMethods.MATRIX_ALL) + ")");
                    methods = null;
                    break;
                }
                if (!seen.add(method)) {
                    s.problem("matrix_proof_methods", "lists '" + method + "' twice");
                    methods = null;
                    break;
                }
            }
            if (methods != null && !methods.contains(ProofMethods.MATRIX_DM)) {
                s.problem("matrix_proof_methods", "must include " + ProofMethods.MATRIX_DM
                        + ", which every hosting bridge supports");
                methods = null;
            }
        }
        Long lease = s.integer("lease_seconds", 90, 1, 86_400);
        Long heartbeat = s.integer("heartbeat_seconds", 30, 1, 86_400);
        if (lease != null && heartbeat != null && heartbeat > lease) {
            s.problem("heartbeat_seconds", "must not exceed lease_seconds (" + lease + ")");
            heartbeat = null;
        }
        Long grace = s.integer("fill_in_grace_seconds", ByobPolicyConfig.DEFAULT_FILL_IN_GRACE.toSeconds(), 0, 86_400);
        Long challengeTtl = s.integer("challenge_ttl_seconds", 600, 1, 86_400);
        List<String> adminNames = s.strings("admins", List.of());
        List<UserId> admins = new ArrayList<>();
        if (adminNames != null) {
            for (String name : adminNames) {
                try {
                    admins.add(UserId.parse(name));
                } catch (IllegalArgumentException e) {
                    s.problem("admins", "'" + name + "' is not a Matrix user id (@user:server)");
                    admins = null;
                    break;
                }
            }
        }

        Section limits = s.section("rate_limits", false);
        Long perVb = limits.integer("requests_per_vb", 10, 1, 1_000_000);
        Long perUser = limits.integer("requests_per_user", 20, 1, 1_000_000);
        Long window = limits.integer("window_seconds", 3600, 1, 604_800);
        Long inFlight = limits.integer("max_in_flight", 64, 1, 100_000);
        Long inFlightPerUser = limits.integer("max_in_flight_per_user", 4, 1, 100_000);
        if (inFlight != null && inFlightPerUser != null && inFlightPerUser > inFlight) {
            limits.problem("max_in_flight_per_user", "must not exceed max_in_flight (" + inFlight + ")");
            inFlightPerUser = null;
        }
        limits.finish();
        s.finish();
        if (methods == null || admins == null || lease == null || heartbeat == null || grace == null
                || challengeTtl == null || perVb == null
                || perUser == null || window == null || inFlight == null || inFlightPerUser == null) {
            return null;
        }
        return new ByobPolicyConfig(methods, Duration.ofSeconds(lease), Duration.ofSeconds(heartbeat),
                Duration.ofSeconds(challengeTtl), perVb.intValue(), perUser.intValue(), Duration.ofSeconds(window),
                inFlight.intValue(), inFlightPerUser.intValue(), admins, Duration.ofSeconds(grace));
    }

    // ---- values ----

    private Path path(Section s, String name, String value) {
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
