package dev.byob.it.harness;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL server that is already running, named by {@code BYOB_IT_PG_URL} (a JDBC URL such as
 * {@code jdbc:postgresql://127.0.0.1:5432/postgres}) with {@code BYOB_IT_PG_USER} and
 * {@code BYOB_IT_PG_PASSWORD}. The user must be allowed to create databases.
 */
public final class ExternalPostgres implements PostgresServer {
    private static final Pattern URL = Pattern.compile("(jdbc:postgresql://[^/?]+/)([^?]*)(\\?.*)?");

    private final String url;
    private final String user;
    private final String password;

    /**
     * @param url a JDBC URL naming a database the user can connect to
     * @param user the user
     * @param password the password
     */
    public ExternalPostgres(String url, String user, String password) {
        if (!URL.matcher(url).matches()) {
            throw new IllegalArgumentException("not a jdbc:postgresql://host[:port]/database URL: " + url);
        }
        this.url = url;
        this.user = user;
        this.password = password;
    }

    /** The server described by the decision's environment variables. */
    static ExternalPostgres from(ServerSource.External source) {
        return new ExternalPostgres(source.get("BYOB_IT_PG_URL", null),
                source.get("BYOB_IT_PG_USER", System.getProperty("user.name")),
                source.get("BYOB_IT_PG_PASSWORD", ""));
    }

    @Override
    public String jdbcUrl(String database) {
        Matcher matcher = URL.matcher(url);
        if (!matcher.matches()) {
            throw new IllegalStateException(url);
        }
        return matcher.group(1) + database + (matcher.group(3) == null ? "" : matcher.group(3));
    }

    @Override
    public String jdbcUrl() {
        return url;
    }

    @Override
    public String user() {
        return user;
    }

    @Override
    public String password() {
        return password;
    }

    @Override
    public List<Path> logs() {
        return List.of();
    }

    @Override
    public String toString() {
        return "ExternalPostgres[" + url + " as " + user + "]";
    }
}
