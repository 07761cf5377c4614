package dev.byob.hosting.appservice;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;

/** The endpoints served, by path, with their method and whether they need the homeserver's token. */
enum Route {
    TRANSACTION(HttpMethod.PUT, "/_matrix/app/v1/transactions/", true, true),
    USER_QUERY(HttpMethod.GET, "/_matrix/app/v1/users/", true, true),
    PING(HttpMethod.POST, "/_matrix/app/v1/ping", false, true),
    LIVE(HttpMethod.GET, "/health/live", false, false),
    READY(HttpMethod.GET, "/health/ready", false, false),
    METRICS(HttpMethod.GET, "/metrics", false, false);

    /** The label of requests matching no route, in metrics. */
    static final String UNKNOWN_LABEL = "unknown";

    private final HttpMethod method;
    private final String path;
    private final boolean hasParameter;
    private final boolean authenticated;

    Route(HttpMethod method, String path, boolean hasParameter, boolean authenticated) {
        this.method = method;
        this.path = path;
        this.hasParameter = hasParameter;
        this.authenticated = authenticated;
    }

    /** A route matched, with its path parameter percent-decoded ({@code null} for routes without one). */
    record Match(Route route, String parameter) {}

    /** The route for {@code rawPath} (not yet percent-decoded), or {@code null}. */
    static Match match(String rawPath) {
        for (Route route : values()) {
            if (!route.hasParameter) {
                if (rawPath.equals(route.path)) {
                    return new Match(route, null);
                }
            } else if (rawPath.startsWith(route.path)) {
                String raw = rawPath.substring(route.path.length());
                if (raw.isEmpty() || raw.indexOf('/') >= 0) {
                    return null;
                }
                String decoded = decodeSegment(raw);
                return decoded == null || decoded.isEmpty() ? null : new Match(route, decoded);
            }
        }
        return null;
    }

    /** Percent-decodes one path segment ({@code +} stays {@code +}), or {@code null} if malformed. */
    static String decodeSegment(String raw) {
        try {
            return QueryStringDecoder.decodeComponent(raw.replace("+", "%2B"));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    HttpMethod method() {
        return method;
    }

    boolean authenticated() {
        return authenticated;
    }

    /** The label in metrics. */
    String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
