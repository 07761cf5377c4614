package dev.byob.kit.matrix;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.byob.protocol.id.UserId;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;
import okhttp3.Dns;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Whose OpenID token this is, asked of the server that issued it at
 * {@code GET /_matrix/federation/v1/openid/userinfo} (spec §7.4 of byob; Server-Server API). The bridge's own
 * homeserver is asked at the URL the operator configured; any other server is found by
 * {@link ServerNameResolver} and asked over HTTPS, and only at public addresses: a server name is chosen by
 * whoever sends the token, so loopback, private, link-local and other internal addresses are refused, and
 * redirects are not followed, against request forgery.
 */
public final class OpenIdUserInfo {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final OkHttpClient http;
    private final String ownServerName;
    private final URI ownBase;
    private final ServerNameResolver resolver;

    /**
     * Asks {@code ownServerName}'s tokens at {@code ownBase} and other servers' where {@code resolver} says,
     * through {@code http} (whose settings are kept, except DNS, redirects and timeouts for other servers).
     */
    public OpenIdUserInfo(OkHttpClient http, String ownServerName, URI ownBase, ServerNameResolver resolver) {
        this.http = Objects.requireNonNull(http, "http");
        this.ownServerName = Objects.requireNonNull(ownServerName, "ownServerName");
        this.ownBase = Objects.requireNonNull(ownBase, "ownBase");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
    }

    /** As the constructor, resolving other servers with HTTPS well-known lookups and DNS SRV records. */
    public static OpenIdUserInfo withDns(OkHttpClient http, String ownServerName, URI ownBase) {
        OkHttpClient guarded = guarded(http, Dns.SYSTEM);
        return new OpenIdUserInfo(http, ownServerName, ownBase,
                new ServerNameResolver(host -> wellKnown(guarded, host), OpenIdUserInfo::srv));
    }

    /**
     * The user whose token {@code accessToken} is, as {@code serverName} says; empty if the server does not know
     * the token (401, 403).
     *
     * @throws IOException if the server cannot be reached, may not be contacted, or answers otherwise
     */
    public Optional<UserId> lookup(String serverName, String accessToken) throws IOException {
        HttpUrl base;
        OkHttpClient client;
        if (serverName.equals(ownServerName)) {
            base = HttpUrl.get(ownBase.toString());
            client = http;
        } else {
            ServerNameResolver.Target target;
            try {
                target = resolver.resolve(serverName);
            } catch (IllegalArgumentException e) {
                throw new IOException("'" + serverName + "' is not a server name");
            }
            String host = target.host().startsWith("[")
                    ? target.host().substring(1, target.host().length() - 1) : target.host();
            base = new HttpUrl.Builder().scheme("https").host(host).port(target.port()).build();
            client = guarded(http, hostname -> hostname.equalsIgnoreCase(target.host())
                    ? Dns.SYSTEM.lookup(target.connectHost()) : Dns.SYSTEM.lookup(hostname));
            if (ServerNameResolver.isIpLiteral(target.host())) {
                refuseInternal(host, List.of(InetAddress.getByName(host))); // no DNS lookup to guard
            }
        }
        HttpUrl url = base.newBuilder().addPathSegments("_matrix/federation/v1/openid/userinfo")
                .addQueryParameter("access_token", accessToken).build();
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            if (response.code() == 401 || response.code() == 403) {
                return Optional.empty();
            }
            if (response.code() != 200) {
                throw new IOException("openid/userinfo at " + serverName + " answered " + response.code());
            }
            JsonNode sub = JSON.readTree(response.body().string()).get("sub");
            if (sub == null || !sub.isTextual()) {
                throw new IOException("openid/userinfo at " + serverName + " answered without 'sub'");
            }
            try {
                return Optional.of(UserId.parse(sub.textValue()));
            } catch (IllegalArgumentException e) {
                throw new IOException("openid/userinfo at " + serverName + " answered a 'sub' that is no user id");
            }
        }
    }

    /** Whether {@code address} is one a server name from outside may make the bridge contact. */
    public static boolean isPublic(InetAddress address) {
        if (address.isLoopbackAddress() || address.isSiteLocalAddress() || address.isLinkLocalAddress()
                || address.isAnyLocalAddress() || address.isMulticastAddress()) {
            return false;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet6Address) {
            return (b[0] & 0xfe) != 0xfc; // fc00::/7, unique local
        }
        int first = b[0] & 0xff;
        int second = b[1] & 0xff;
        return first != 0 && !(first == 100 && second >= 64 && second < 128) // 100.64/10, carrier-grade NAT
                && !(first == 198 && (second == 18 || second == 19)) // 198.18/15, benchmarking
                && first < 240; // 240/4 reserved, 255.255.255.255
    }

    private static OkHttpClient guarded(OkHttpClient http, Dns dns) {
        return http.newBuilder()
                .dns(hostname -> refuseInternal(hostname, dns.lookup(hostname)))
                .followRedirects(false)
                .followSslRedirects(false)
                .callTimeout(TIMEOUT)
                .build();
    }

    private static List<InetAddress> refuseInternal(String hostname, List<InetAddress> addresses)
            throws UnknownHostException {
        for (InetAddress address : addresses) {
            if (!isPublic(address)) {
                throw new UnknownHostException(hostname + " resolves to " + address.getHostAddress()
                        + ", an internal address the bridge does not contact for others");
            }
        }
        return addresses;
    }

    private static Optional<String> wellKnown(OkHttpClient client, String host) {
        HttpUrl url = new HttpUrl.Builder().scheme("https").host(host).addPathSegments(".well-known/matrix/server")
                .build();
        try (Response response = client.newCall(new Request.Builder().url(url).build()).execute()) {
            if (response.code() != 200) {
                return Optional.empty();
            }
            JsonNode server = JSON.readTree(response.body().string()).get("m.server");
            return server != null && server.isTextual() ? Optional.of(server.textValue()) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static List<ServerNameResolver.SrvRecord> srv(String name) {
        Hashtable<String, String> env = new Hashtable<>();
        env.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
        List<ServerNameResolver.SrvRecord> records = new ArrayList<>();
        try {
            DirContext context = new InitialDirContext(env);
            try {
                Attribute attribute = context.getAttributes(name, new String[] {"SRV"}).get("SRV");
                if (attribute == null) {
                    return records;
                }
                NamingEnumeration<?> values = attribute.getAll();
                while (values.hasMore()) {
                    String[] parts = values.next().toString().trim().split("\\s+");
                    if (parts.length == 4) {
                        records.add(new ServerNameResolver.SrvRecord(Integer.parseInt(parts[0]),
                                Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), parts[3]));
                    }
                }
            } finally {
                context.close();
            }
        } catch (NamingException | NumberFormatException e) {
            return List.of(); // no records, or DNS unavailable: the default port applies
        }
        return records;
    }
}
