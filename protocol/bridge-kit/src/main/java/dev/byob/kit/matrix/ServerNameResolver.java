package dev.byob.kit.matrix;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a Matrix server name's Server-Server API is, as the spec's "Resolving server names" prescribes: an IP
 * literal or an explicit port as given; otherwise {@code /.well-known/matrix/server} (whose answer is resolved
 * the same way, SRV included), then the SRV records {@code _matrix-fed._tcp} and the older {@code _matrix._tcp},
 * then port 8448. The lookups are injected, so the rules are tested without a network.
 */
public final class ServerNameResolver {
    /** The default federation port. */
    public static final int DEFAULT_PORT = 8448;

    /**
     * Where to send requests: {@code https://host:port}, with {@code host}'s certificate and Host header, but
     * connecting to {@code connectHost:port} (an SRV target; else {@code host} itself).
     */
    public record Target(String host, int port, String connectHost) {
        /** Checks for null and the port's range. */
        public Target {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(connectHost, "connectHost");
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }
    }

    /** One SRV record. */
    public record SrvRecord(int priority, int weight, int port, String target) {
    }

    /** Fetches {@code m.server} from {@code https://<hostname>/.well-known/matrix/server}; empty on any failure. */
    @FunctionalInterface
    public interface WellKnown {
        /** The delegated server name, if the host delegates. */
        Optional<String> delegatedServer(String hostname);
    }

    /** Looks up SRV records; empty when there are none or the lookup fails. */
    @FunctionalInterface
    public interface SrvLookup {
        /** The records of {@code name}, e.g. {@code _matrix-fed._tcp.example.org}. */
        List<SrvRecord> lookup(String name);
    }

    private final WellKnown wellKnown;
    private final SrvLookup srv;

    /** A resolver using these lookups. */
    public ServerNameResolver(WellKnown wellKnown, SrvLookup srv) {
        this.wellKnown = Objects.requireNonNull(wellKnown, "wellKnown");
        this.srv = Objects.requireNonNull(srv, "srv");
    }

    /**
     * Resolves {@code serverName} ({@code host[:port]}, the host a DNS name, IPv4 literal or bracketed IPv6).
     *
     * @throws IllegalArgumentException if it is not a server name
     */
    public Target resolve(String serverName) {
        HostPort name = HostPort.parse(serverName);
        if (name.ipLiteral() || name.port().isPresent()) {
            return new Target(name.host(), name.port().orElse(DEFAULT_PORT), name.host());
        }
        Optional<HostPort> delegated = wellKnown.delegatedServer(name.host()).flatMap(HostPort::tryParse);
        if (delegated.isPresent()) {
            HostPort d = delegated.get();
            if (d.ipLiteral() || d.port().isPresent()) {
                return new Target(d.host(), d.port().orElse(DEFAULT_PORT), d.host());
            }
            return viaSrv(d.host());
        }
        return viaSrv(name.host());
    }

    private Target viaSrv(String host) {
        for (String prefix : List.of("_matrix-fed._tcp.", "_matrix._tcp.")) {
            Optional<SrvRecord> best = best(srv.lookup(prefix + host));
            if (best.isPresent()) {
                String target = best.get().target().replaceAll("\\.$", "");
                return new Target(host, best.get().port(), target);
            }
        }
        return new Target(host, DEFAULT_PORT, host);
    }

    /** The record to use: lowest priority, then highest weight (no random weighting: one request is made). */
    private static Optional<SrvRecord> best(List<SrvRecord> records) {
        List<SrvRecord> usable = new ArrayList<>();
        for (SrvRecord r : records) {
            if (!r.target().isEmpty() && !".".equals(r.target()) && r.port() > 0 && r.port() <= 65_535) {
                usable.add(r);
            }
        }
        return usable.stream().min(Comparator.comparingInt(SrvRecord::priority)
                .thenComparing(Comparator.comparingInt(SrvRecord::weight).reversed()));
    }

    /** Whether {@code host} (of a server name, or of a {@link Target}) is an IP literal: IPv4, or IPv6 in brackets. */
    public static boolean isIpLiteral(String host) {
        return host.startsWith("[") || host.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    }

    /** A server name's parts. */
    record HostPort(String host, Optional<Integer> port, boolean ipLiteral) {
        static Optional<HostPort> tryParse(String text) {
            try {
                return Optional.of(parse(text));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        static HostPort parse(String text) {
            if (text == null || text.isEmpty() || text.length() > 255) {
                throw new IllegalArgumentException("not a server name: " + text);
            }
            String host;
            String rest;
            boolean ip;
            if (text.startsWith("[")) {
                int close = text.indexOf(']');
                if (close < 0 || !text.substring(1, close).matches("[0-9A-Fa-f:.]{2,45}")) {
                    throw new IllegalArgumentException("not a server name: " + text);
                }
                host = text.substring(0, close + 1);
                rest = text.substring(close + 1);
                ip = true;
            } else {
                int colon = text.indexOf(':');
                host = colon < 0 ? text : text.substring(0, colon);
                rest = colon < 0 ? "" : text.substring(colon);
                if (!host.matches("[A-Za-z0-9.-]+")) {
                    throw new IllegalArgumentException("not a server name: " + text);
                }
                ip = isIpLiteral(host);
            }
            Optional<Integer> port = Optional.empty();
            if (!rest.isEmpty()) {
                if (!rest.matches(":\\d{1,5}")) {
                    throw new IllegalArgumentException("not a server name: " + text);
                }
                int p = Integer.parseInt(rest.substring(1));
                if (p < 1 || p > 65_535) {
                    throw new IllegalArgumentException("port out of range in " + text);
                }
                port = Optional.of(p);
            }
            return new HostPort(host, port, ip);
        }
    }
}
