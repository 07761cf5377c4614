package dev.byob.it.harness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An application-service registration as a homeserver loads it at start-up: where the appservice
 * listens, its tokens, its bot's localpart and the namespaces it claims.
 *
 * <p>Build one with {@link #builder(String)}. A registration without a URL gets
 * {@code http://127.0.0.1:<free port>} from the harness; missing tokens are random.
 */
public final class AppserviceRegistration {
    private final String id;
    private final URI url;
    private final String asToken;
    private final String hsToken;
    private final String senderLocalpart;
    private final List<Namespace> users;
    private final List<Namespace> aliases;
    private final List<Namespace> rooms;

    /**
     * A namespace entry.
     *
     * @param regex a regular expression in the homeserver's dialect (Python's for Synapse)
     * @param exclusive whether only this appservice may use matching ids
     */
    public record Namespace(String regex, boolean exclusive) {
        /** Checks the regex is present. */
        public Namespace {
            Objects.requireNonNull(regex, "regex");
        }
    }

    private AppserviceRegistration(Builder builder) {
        this.id = builder.id;
        this.url = builder.url;
        this.asToken = builder.asToken != null ? builder.asToken : Names.token();
        this.hsToken = builder.hsToken != null ? builder.hsToken : Names.token();
        this.senderLocalpart = Objects.requireNonNull(builder.senderLocalpart, "senderLocalpart");
        this.users = List.copyOf(builder.users);
        this.aliases = List.copyOf(builder.aliases);
        this.rooms = List.copyOf(builder.rooms);
    }

    /** A builder for the appservice {@code id}. */
    public static Builder builder(String id) {
        return new Builder(id);
    }

    /**
     * A regex for user ids {@code @<prefix>...:<serverName>}, escaped for Python's {@code re} (which has
     * no {@code \Q...\E}).
     */
    public static String userIdRegex(String localpartPrefix, String serverName) {
        return "@" + pythonEscape(localpartPrefix) + ".*:" + pythonEscape(serverName);
    }

    private static String pythonEscape(String literal) {
        StringBuilder out = new StringBuilder();
        for (char c : literal.toCharArray()) {
            if (!Character.isLetterOrDigit(c) && c != '_') {
                out.append('\\');
            }
            out.append(c);
        }
        return out.toString();
    }

    /** The appservice's id. */
    public String id() {
        return id;
    }

    /** Where the homeserver sends transactions; {@code null} until the harness assigns one. */
    public URI url() {
        return url;
    }

    /** The port of {@link #url()}. */
    public int port() {
        if (url == null) {
            throw new IllegalStateException("appservice " + id + " has no URL yet");
        }
        return url.getPort();
    }

    /** The token the appservice uses towards the homeserver. */
    public String asToken() {
        return asToken;
    }

    /** The token the homeserver sends to the appservice. */
    public String hsToken() {
        return hsToken;
    }

    /** The localpart of the appservice's own user. */
    public String senderLocalpart() {
        return senderLocalpart;
    }

    /** The appservice's own user id on {@code serverName}. */
    public String senderUserId(String serverName) {
        return "@" + senderLocalpart + ":" + serverName;
    }

    /** This registration with {@code url}. */
    public AppserviceRegistration withUrl(URI url) {
        return toBuilder().url(url).build();
    }

    private Builder toBuilder() {
        Builder builder = new Builder(id).url(url).asToken(asToken).hsToken(hsToken).senderLocalpart(senderLocalpart);
        builder.users.addAll(users);
        builder.aliases.addAll(aliases);
        builder.rooms.addAll(rooms);
        return builder;
    }

    /** The registration file's content. JSON is YAML, so homeservers load it as their YAML registration. */
    public String toYaml() {
        if (url == null) {
            throw new IllegalStateException("appservice " + id + " has no URL yet");
        }
        ObjectNode root = Http.JSON.createObjectNode();
        root.put("id", id);
        root.put("url", url.toString());
        root.put("as_token", asToken);
        root.put("hs_token", hsToken);
        root.put("sender_localpart", senderLocalpart);
        root.put("rate_limited", false);
        ObjectNode namespaces = root.putObject("namespaces");
        addNamespaces(namespaces.putArray("users"), users);
        addNamespaces(namespaces.putArray("aliases"), aliases);
        addNamespaces(namespaces.putArray("rooms"), rooms);
        try {
            return Http.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void addNamespaces(ArrayNode array, List<Namespace> namespaces) {
        for (Namespace namespace : namespaces) {
            array.addObject().put("exclusive", namespace.exclusive()).put("regex", namespace.regex());
        }
    }

    @Override
    public String toString() {
        return "AppserviceRegistration[" + id + " at " + url + ", sender " + senderLocalpart + "]";
    }

    /** Builds an {@link AppserviceRegistration}. */
    public static final class Builder {
        private final String id;
        private URI url;
        private String asToken;
        private String hsToken;
        private String senderLocalpart;
        private final List<Namespace> users = new ArrayList<>();
        private final List<Namespace> aliases = new ArrayList<>();
        private final List<Namespace> rooms = new ArrayList<>();

        private Builder(String id) {
            this.id = Objects.requireNonNull(id, "id");
        }

        /** Where the homeserver sends transactions (default: a free loopback port chosen at start). */
        public Builder url(URI url) {
            this.url = url;
            return this;
        }

        /** The appservice's token (default: random). */
        public Builder asToken(String asToken) {
            this.asToken = asToken;
            return this;
        }

        /** The homeserver's token (default: random). */
        public Builder hsToken(String hsToken) {
            this.hsToken = hsToken;
            return this;
        }

        /** The localpart of the appservice's own user. Required. */
        public Builder senderLocalpart(String senderLocalpart) {
            this.senderLocalpart = senderLocalpart;
            return this;
        }

        /** Claims user ids matching {@code regex}. */
        public Builder users(String regex, boolean exclusive) {
            users.add(new Namespace(regex, exclusive));
            return this;
        }

        /** Claims room aliases matching {@code regex}. */
        public Builder aliases(String regex, boolean exclusive) {
            aliases.add(new Namespace(regex, exclusive));
            return this;
        }

        /** Claims room ids matching {@code regex}. */
        public Builder rooms(String regex, boolean exclusive) {
            rooms.add(new Namespace(regex, exclusive));
            return this;
        }

        /** The registration. */
        public AppserviceRegistration build() {
            return new AppserviceRegistration(this);
        }
    }
}
