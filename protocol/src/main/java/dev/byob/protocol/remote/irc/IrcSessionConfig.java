package dev.byob.protocol.remote.irc;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How an {@link IrcSession} registers: nick, user name, real name, the IRCv3 capabilities wanted, and
 * optionally a SASL PLAIN login. Immutable; change with the {@code with...} copies.
 *
 * <pre>{@code
 * IrcSessionConfig config = IrcSessionConfig.of("alice[m]")
 *         .withRealname("alice via byob")
 *         .withSasl(SaslPlain.of("alice", password));   // required: fail rather than connect anonymously
 * }</pre>
 *
 * @param nick the nick to ask for first
 * @param username the user name ({@code USER}); by default the nick reduced to letters, digits, {@code -} and {@code _}
 * @param realname the real name ({@code USER})
 * @param capabilities the capabilities to request when offered; {@code sasl} is added when SASL is configured
 * @param sasl the SASL PLAIN credentials, if logging in
 * @param saslRequired whether a failed or impossible SASL login ends the session instead of continuing without an account
 * @param alternativeNicks nicks to try in order when the ones before are in use (433), before generated ones
 * @param maxNickAttempts how many nicks to try in all before giving up: the first, the alternatives, then
 *     the first with {@code _} appended once more each time
 */
public record IrcSessionConfig(String nick, String username, String realname, List<String> capabilities,
                               Optional<SaslPlain> sasl, boolean saslRequired, List<String> alternativeNicks,
                               int maxNickAttempts) {

    /** What a bridge wants by default: tags from clients, the sender's account, server time and its own messages echoed. */
    public static final List<String> DEFAULT_CAPABILITIES =
            List.of("message-tags", "account-tag", "server-time", "echo-message");

    /** Validates. */
    public IrcSessionConfig {
        checkWord(nick, "nick");
        if (nick.startsWith(":") || nick.startsWith("#") || nick.indexOf('!') >= 0 || nick.indexOf('@') >= 0) {
            throw new IllegalArgumentException("not a nick: '" + nick + "'");
        }
        checkWord(username, "username");
        Objects.requireNonNull(realname, "realname");
        if (realname.isEmpty() || realname.chars().anyMatch(c -> c == 0 || c == '\r' || c == '\n')) {
            throw new IllegalArgumentException("the real name must be non-empty, without NUL or line breaks");
        }
        capabilities = List.copyOf(capabilities);
        capabilities.forEach(c -> checkWord(c, "capability"));
        Objects.requireNonNull(sasl, "sasl");
        alternativeNicks = List.copyOf(alternativeNicks);
        alternativeNicks.forEach(n -> checkWord(n, "alternative nick"));
        if (maxNickAttempts < 1) {
            throw new IllegalArgumentException("maxNickAttempts must be at least 1, was " + maxNickAttempts);
        }
    }

    /** Defaults for {@code nick}: the user name derived from it, the nick as real name, {@link #DEFAULT_CAPABILITIES}, no SASL, 4 nick attempts. */
    public static IrcSessionConfig of(String nick) {
        checkWord(nick, "nick");
        return new IrcSessionConfig(nick, usernameFor(nick), nick, DEFAULT_CAPABILITIES, Optional.empty(), false,
                List.of(), 4);
    }

    /** A copy with this user name. */
    public IrcSessionConfig withUsername(String username) {
        return new IrcSessionConfig(nick, username, realname, capabilities, sasl, saslRequired, alternativeNicks,
                maxNickAttempts);
    }

    /** A copy with this real name. */
    public IrcSessionConfig withRealname(String realname) {
        return new IrcSessionConfig(nick, username, realname, capabilities, sasl, saslRequired, alternativeNicks,
                maxNickAttempts);
    }

    /** A copy requesting these capabilities (when offered). */
    public IrcSessionConfig withCapabilities(List<String> capabilities) {
        return new IrcSessionConfig(nick, username, realname, capabilities, sasl, saslRequired, alternativeNicks,
                maxNickAttempts);
    }

    /** A copy logging in with SASL PLAIN, required: if the login fails the session fails. */
    public IrcSessionConfig withSasl(SaslPlain credentials) {
        return withSasl(credentials, true);
    }

    /** A copy logging in with SASL PLAIN; when not {@code required}, a failed login continues without an account. */
    public IrcSessionConfig withSasl(SaslPlain credentials, boolean required) {
        return new IrcSessionConfig(nick, username, realname, capabilities, Optional.of(credentials), required,
                alternativeNicks, maxNickAttempts);
    }

    /** A copy trying these nicks, in order, when the first is in use. */
    public IrcSessionConfig withAlternativeNicks(List<String> alternativeNicks) {
        return new IrcSessionConfig(nick, username, realname, capabilities, sasl, saslRequired, alternativeNicks,
                maxNickAttempts);
    }

    /** A copy trying at most this many nicks in all. */
    public IrcSessionConfig withMaxNickAttempts(int maxNickAttempts) {
        return new IrcSessionConfig(nick, username, realname, capabilities, sasl, saslRequired, alternativeNicks,
                maxNickAttempts);
    }

    /** Nick number {@code attempt} (from 0): the nick, the alternatives, then the nick with more and more {@code _}. */
    String nickCandidate(int attempt) {
        if (attempt == 0) {
            return nick;
        }
        if (attempt <= alternativeNicks.size()) {
            return alternativeNicks.get(attempt - 1);
        }
        return nick + "_".repeat(attempt - alternativeNicks.size());
    }

    private static String usernameFor(String nick) {
        StringBuilder out = new StringBuilder();
        for (char c : nick.toCharArray()) {
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_') {
                out.append(c);
            }
        }
        return out.length() == 0 ? "byob" : out.toString();
    }

    private static void checkWord(String value, String what) {
        Objects.requireNonNull(value, what);
        if (value.isEmpty() || value.chars().anyMatch(c -> c == ' ' || c == 0 || c == '\r' || c == '\n')) {
            throw new IllegalArgumentException("a " + what + " must be non-empty, without spaces, NUL or line breaks: '"
                    + value + "'");
        }
    }
}
