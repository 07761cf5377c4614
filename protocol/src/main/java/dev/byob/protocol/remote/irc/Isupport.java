package dev.byob.protocol.remote.irc;

import dev.byob.protocol.remote.IrcAccountProof.CaseMapping;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What a server said it supports in {@code RPL_ISUPPORT} (005) replies: tokens like
 * {@code CASEMAPPING=rfc1459} or {@code NETWORK=Libera.Chat}, added by later replies and removed by
 * {@code -TOKEN}. Values are unescaped ({@code \x20} is a space). Immutable.
 */
public final class Isupport {
    private static final Isupport EMPTY = new Isupport(Map.of());

    private final Map<String, String> tokens;

    private Isupport(Map<String, String> tokens) {
        this.tokens = Collections.unmodifiableMap(new LinkedHashMap<>(tokens));
    }

    /** Nothing advertised yet. */
    public static Isupport empty() {
        return EMPTY;
    }

    /** This with the tokens of one 005 reply applied: the parameters between the client's nick and the trailing text. */
    public Isupport with(List<String> advertised) {
        Objects.requireNonNull(advertised, "advertised");
        Map<String, String> copy = new LinkedHashMap<>(tokens);
        for (String token : advertised) {
            if (token.isEmpty()) {
                continue;
            }
            if (token.startsWith("-")) {
                copy.remove(token.substring(1).toUpperCase(Locale.ROOT));
                continue;
            }
            int equals = token.indexOf('=');
            String name = (equals < 0 ? token : token.substring(0, equals)).toUpperCase(Locale.ROOT);
            copy.put(name, equals < 0 ? "" : unescape(token.substring(equals + 1)));
        }
        return new Isupport(copy);
    }

    /** Every token advertised, upper-cased, to its unescaped value ({@code ""} when it has none). */
    public Map<String, String> tokens() {
        return tokens;
    }

    /** A token's value ({@code ""} when it has none), if advertised. */
    public Optional<String> value(String token) {
        return Optional.ofNullable(tokens.get(token.toUpperCase(Locale.ROOT)));
    }

    /** Whether a token is advertised. */
    public boolean has(String token) {
        return tokens.containsKey(token.toUpperCase(Locale.ROOT));
    }

    /** The network's name ({@code NETWORK}), if advertised. */
    public Optional<String> network() {
        return value("NETWORK").filter(v -> !v.isEmpty());
    }

    /** How the network compares nicks, channels and accounts ({@code CASEMAPPING}); {@code rfc1459} when not advertised. */
    public CaseMapping caseMapping() {
        return CaseMapping.fromIsupport(value("CASEMAPPING").orElse("rfc1459"));
    }

    /** The longest nick the network accepts ({@code NICKLEN}), if advertised as a number. */
    public OptionalInt nickLength() {
        Optional<String> value = value("NICKLEN");
        if (value.isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.get()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    /** Undoes the {@code \xHH} escaping of ISUPPORT values; a malformed escape is kept as it is. */
    static String unescape(String value) {
        if (value.indexOf('\\') < 0) {
            return value;
        }
        StringBuilder out = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 3 < value.length() && value.charAt(i + 1) == 'x'
                    && isHex(value.charAt(i + 2)) && isHex(value.charAt(i + 3))) {
                out.append((char) Integer.parseInt(value.substring(i + 2, i + 4), 16));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean isHex(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Isupport && ((Isupport) o).tokens.equals(tokens);
    }

    @Override
    public int hashCode() {
        return tokens.hashCode();
    }

    @Override
    public String toString() {
        return "Isupport" + tokens;
    }
}
