package dev.byob.protocol.remote.irc;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * One IRC line: IRCv3 message tags, an optional source, a command and its parameters.
 *
 * <p>Every instance can be written back as a valid line: the constructor refuses what could not be
 * (line breaks or NUL anywhere, a space or a leading {@code :} in a parameter other than the last).
 * {@link #parse(String)} is strict about structure and says what is wrong; it accepts any tag key
 * the structure allows, as the message-tags specification requires. {@link #format()} checks the
 * size limits: at most {@value #MAX_BODY_BYTES} bytes without the tags (512 with CR LF) and at most
 * {@value #MAX_TAGS_BYTES} bytes of tags including the {@code @} and the space after them.
 *
 * <pre>{@code
 * IrcMessage m = IrcMessage.of("PRIVMSG", "#byob", "hello there").withTag("+byob.dev/origin", "$ev:hs");
 * m.format();  // "@+byob.dev/origin=$ev:hs PRIVMSG #byob :hello there"
 * IrcMessage.parse("@account=alice :alice!a@host PRIVMSG #byob :hi").account();  // Optional[alice]
 * }</pre>
 *
 * @param tags tag keys to unescaped values in line order; a tag without a value (or with an empty
 *     one, which the specification treats the same) maps to {@code ""}
 * @param source who sent the line, if it says
 * @param command the command, upper-cased, or a three-digit numeric
 * @param params the parameters, the last one without its {@code :}
 */
public record IrcMessage(Map<String, String> tags, Optional<Source> source, String command, List<String> params) {
    /** Bytes of a line without its tags, excluding CR LF (512 with them). */
    public static final int MAX_BODY_BYTES = 510;
    /** Bytes of the tag section of any line, including the leading {@code @} and the trailing space. */
    public static final int MAX_TAGS_BYTES = 8191;
    /** Bytes of tag data (between {@code @} and the space) a client may send. */
    public static final int MAX_CLIENT_TAG_DATA_BYTES = 4094;
    /** The longest line that can be valid, excluding CR LF: the longest tag section and the longest body. */
    public static final int MAX_LINE_BYTES = MAX_TAGS_BYTES + MAX_BODY_BYTES;

    /** Immutable copies; validates so that every message can be formatted. */
    public IrcMessage {
        Objects.requireNonNull(tags, "tags");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(params, "params");
        Map<String, String> tagCopy = new LinkedHashMap<>();
        tags.forEach((key, value) -> {
            checkTagKey(key);
            Objects.requireNonNull(value, () -> "the value of tag " + key);
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the value of tag " + key + " contains NUL, which cannot be escaped");
            }
            tagCopy.put(key, value);
        });
        tags = Collections.unmodifiableMap(tagCopy);
        command = command.toUpperCase(Locale.ROOT);
        checkCommand(command);
        params = List.copyOf(params);
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            checkNoLineBreak(p, "parameter " + (i + 1));
            if (i < params.size() - 1) {
                if (p.isEmpty() || p.indexOf(' ') >= 0 || p.startsWith(":")) {
                    throw new IllegalArgumentException("parameter " + (i + 1) + " of " + params.size()
                            + " is empty, has a space or starts with ':'; only the last parameter may: '" + p + "'");
                }
            }
        }
    }

    /** A message without tags or source, e.g. {@code of("PRIVMSG", "#chan", "hello")}. */
    public static IrcMessage of(String command, String... params) {
        return new IrcMessage(Map.of(), Optional.empty(), command, Arrays.asList(params));
    }

    /** A message without tags or source. */
    public static IrcMessage of(String command, List<String> params) {
        return new IrcMessage(Map.of(), Optional.empty(), command, params);
    }

    /**
     * Parses one line without its line ending.
     *
     * @throws IllegalArgumentException naming what is wrong: an empty line, a line break or NUL inside,
     *     an empty tag section or tag key, tags or a source without a command, or a command that is
     *     neither letters nor a three-digit numeric
     */
    public static IrcMessage parse(String line) {
        Objects.requireNonNull(line, "line");
        if (line.isEmpty()) {
            throw new IllegalArgumentException("an empty IRC line");
        }
        checkNoLineBreak(line, "an IRC line");
        int n = line.length();
        int i = 0;
        Map<String, String> tags = new LinkedHashMap<>();
        if (line.charAt(0) == '@') {
            int end = line.indexOf(' ');
            if (end < 0) {
                throw new IllegalArgumentException("tags without a command: " + line);
            }
            String section = line.substring(1, end);
            if (section.isEmpty()) {
                throw new IllegalArgumentException("an empty tag section: " + line);
            }
            for (String tag : section.split(";", -1)) {
                int equals = tag.indexOf('=');
                String key = equals < 0 ? tag : tag.substring(0, equals);
                if (key.isEmpty()) {
                    throw new IllegalArgumentException("a tag without a key in '" + section + "'");
                }
                // The specification: of a repeated key, only the last occurrence counts.
                tags.put(key, equals < 0 ? "" : unescapeTagValue(tag.substring(equals + 1)));
            }
            i = skipSpaces(line, end);
        }
        Source source = null;
        if (i < n && line.charAt(i) == ':') {
            int end = line.indexOf(' ', i);
            if (end < 0) {
                throw new IllegalArgumentException("a source without a command: " + line);
            }
            source = Source.parse(line.substring(i + 1, end));
            i = skipSpaces(line, end);
        }
        if (i >= n) {
            throw new IllegalArgumentException("no command: " + line);
        }
        int end = line.indexOf(' ', i);
        if (end < 0) {
            end = n;
        }
        String command = line.substring(i, end);
        i = skipSpaces(line, end);
        List<String> params = new ArrayList<>();
        while (i < n) {
            if (line.charAt(i) == ':') {
                params.add(line.substring(i + 1));
                break;
            }
            int stop = line.indexOf(' ', i);
            if (stop < 0) {
                stop = n;
            }
            params.add(line.substring(i, stop));
            i = skipSpaces(line, stop);
        }
        return new IrcMessage(tags, Optional.ofNullable(source), command, params);
    }

    /**
     * The line to send, without CR LF.
     *
     * @throws IllegalArgumentException if the tags take more than {@value #MAX_TAGS_BYTES} bytes or the
     *     rest more than {@value #MAX_BODY_BYTES}
     */
    public String format() {
        String tagSection = tagSection();
        int tagBytes = utf8Length(tagSection);
        if (tagBytes > MAX_TAGS_BYTES) {
            throw new IllegalArgumentException("the tags take " + tagBytes + " bytes; at most " + MAX_TAGS_BYTES
                    + " (with '@' and the space): " + command);
        }
        String body = body();
        int bodyBytes = utf8Length(body);
        if (bodyBytes > MAX_BODY_BYTES) {
            throw new IllegalArgumentException("the line takes " + bodyBytes + " bytes without tags; at most "
                    + MAX_BODY_BYTES + " (512 with CR LF): " + abbreviate(body));
        }
        return tagSection + body;
    }

    /**
     * The line a client may send, without CR LF: as {@link #format()}, and the tag data (between
     * {@code @} and the space) at most {@value #MAX_CLIENT_TAG_DATA_BYTES} bytes, leaving the server
     * room for its own tags.
     */
    public String formatAsClient() {
        int data = tagDataBytes();
        if (data > MAX_CLIENT_TAG_DATA_BYTES) {
            throw new IllegalArgumentException("the tag data takes " + data + " bytes; a client may send at most "
                    + MAX_CLIENT_TAG_DATA_BYTES + ": " + command);
        }
        return format();
    }

    /** The bytes of tag data (between {@code @} and the space) as formatted; 0 without tags. */
    public int tagDataBytes() {
        String section = tagSection();
        return section.isEmpty() ? 0 : utf8Length(section) - 2;
    }

    /** The bytes of the line without its tags and CR LF, as formatted. */
    public int bodyBytes() {
        return utf8Length(body());
    }

    private String tagSection() {
        if (tags.isEmpty()) {
            return "";
        }
        StringBuilder out = new StringBuilder("@");
        tags.forEach((key, value) -> {
            if (out.length() > 1) {
                out.append(';');
            }
            out.append(key);
            if (!value.isEmpty()) {
                out.append('=').append(escapeTagValue(value));
            }
        });
        return out.append(' ').toString();
    }

    private String body() {
        StringBuilder out = new StringBuilder();
        source.ifPresent(s -> out.append(':').append(s).append(' '));
        out.append(command);
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            out.append(' ');
            if (i == params.size() - 1 && (p.isEmpty() || p.indexOf(' ') >= 0 || p.startsWith(":"))) {
                out.append(':');
            }
            out.append(p);
        }
        return out.toString();
    }

    /** A tag's value ({@code ""} for a tag without one), if present. */
    public Optional<String> tag(String key) {
        return Optional.ofNullable(tags.get(key));
    }

    /** Whether the tag is present, with or without a value. */
    public boolean hasTag(String key) {
        return tags.containsKey(key);
    }

    /** The client-only tags (those whose key starts with {@code +}), in line order. */
    public Map<String, String> clientTags() {
        Map<String, String> out = new LinkedHashMap<>();
        tags.forEach((key, value) -> {
            if (isClientTag(key)) {
                out.put(key, value);
            }
        });
        return Collections.unmodifiableMap(out);
    }

    /**
     * The sender's services account from the {@code account} tag (IRCv3 {@code account-tag}), if the
     * server sent one with a value. Servers add it only for senders logged in to services; a client
     * cannot forge it, unlike client-only tags.
     */
    public Optional<String> account() {
        return tag("account").filter(v -> !v.isEmpty());
    }

    /** The server's message id ({@code msgid} tag), if sent. */
    public Optional<String> msgid() {
        return tag("msgid").filter(v -> !v.isEmpty());
    }

    /** When the server says the message was sent ({@code time} tag, IRCv3 {@code server-time}); empty if absent or malformed. */
    public Optional<Instant> time() {
        Optional<String> raw = tag("time");
        if (raw.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.parse(raw.get()));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    /** The name part of the source (a nick, or a server's name), if there is a source. */
    public Optional<String> nick() {
        return source.map(Source::name);
    }

    /** Parameter {@code index} (from 0), if there are enough. */
    public Optional<String> param(int index) {
        return index >= 0 && index < params.size() ? Optional.of(params.get(index)) : Optional.empty();
    }

    /** The last parameter, if there is one. */
    public Optional<String> trailing() {
        return params.isEmpty() ? Optional.empty() : Optional.of(params.get(params.size() - 1));
    }

    /** Whether this is {@code command} (ignoring case). */
    public boolean is(String command) {
        return this.command.equalsIgnoreCase(command);
    }

    /** Whether the command is a three-digit numeric reply. */
    public boolean isNumeric() {
        return command.length() == 3 && Character.isDigit(command.charAt(0));
    }

    /** A copy with {@code key} set to {@code value} ({@code ""} for no value), after the existing tags. */
    public IrcMessage withTag(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(tags);
        copy.put(key, value);
        return new IrcMessage(copy, source, command, params);
    }

    /** A copy with exactly these tags. */
    public IrcMessage withTags(Map<String, String> tags) {
        return new IrcMessage(tags, source, command, params);
    }

    /** A copy with this source. */
    public IrcMessage withSource(Source source) {
        return new IrcMessage(tags, Optional.of(source), command, params);
    }

    /** The line as it would be sent, without CR LF and without checking sizes; for logs. */
    @Override
    public String toString() {
        return tagSection() + body();
    }

    /** Whether a tag key is client-only: it starts with {@code +}, and servers relay it as sent. */
    public static boolean isClientTag(String key) {
        return key.startsWith("+");
    }

    /**
     * IRCv3 tag-value escaping: {@code ;} as {@code \:}, space as {@code \s}, {@code \} as
     * {@code \\}, CR as {@code \r}, LF as {@code \n}; everything else as itself.
     */
    public static String escapeTagValue(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case ';' -> out.append("\\:");
                case ' ' -> out.append("\\s");
                case '\\' -> out.append("\\\\");
                case '\r' -> out.append("\\r");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /**
     * Undoes {@link #escapeTagValue}. As the specification says, a backslash before any other
     * character is dropped ({@code \b} gives {@code b}) and a lone backslash at the end gives nothing.
     */
    public static String unescapeTagValue(String escaped) {
        if (escaped.indexOf('\\') < 0) {
            return escaped;
        }
        StringBuilder out = new StringBuilder(escaped.length());
        for (int i = 0; i < escaped.length(); i++) {
            char c = escaped.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == escaped.length()) {
                break;
            }
            char next = escaped.charAt(i);
            switch (next) {
                case ':' -> out.append(';');
                case 's' -> out.append(' ');
                case 'r' -> out.append('\r');
                case 'n' -> out.append('\n');
                default -> out.append(next);
            }
        }
        return out.toString();
    }

    /**
     * Splits text for {@code PRIVMSG}/{@code NOTICE}: one piece per line of {@code text} (CR, LF or
     * CR LF end a line; empty lines are dropped, since IRC cannot send an empty message), and a line
     * longer than {@code maxBytes} UTF-8 bytes split further, at the last space that keeps at least half
     * of the piece, otherwise between code points. A space a line is split at is dropped.
     *
     * @param maxBytes the budget per piece, e.g. from {@link #textBudget}; at least 4 (one code point)
     */
    public static List<String> splitText(String text, int maxBytes) {
        Objects.requireNonNull(text, "text");
        if (maxBytes < 4) {
            throw new IllegalArgumentException("maxBytes must be at least 4, was " + maxBytes);
        }
        List<String> pieces = new ArrayList<>();
        for (String line : text.split("\r\n|\r|\n")) {
            String rest = line;
            while (utf8Length(rest) > maxBytes) {
                int cut = cutIndex(rest, maxBytes);
                int space = rest.lastIndexOf(' ', cut);
                if (space > 0 && utf8Length(rest.substring(0, space)) * 2 >= maxBytes) {
                    pieces.add(rest.substring(0, space));
                    rest = rest.substring(space + 1);
                } else {
                    pieces.add(rest.substring(0, cut));
                    rest = rest.substring(cut);
                }
            }
            if (!rest.isEmpty()) {
                pieces.add(rest);
            }
        }
        pieces.removeIf(String::isEmpty);
        return List.copyOf(pieces);
    }

    /**
     * The UTF-8 bytes left for the text of {@code <command> <target> :<text>} once the server relays it
     * with {@code :<source> } in front, within {@value #MAX_BODY_BYTES}. Pass the sender's full
     * {@code nick!user@host} as the server shows it; when unknown, a generous estimate (nick length plus
     * 10 for the user and 63 for the host) keeps pieces from being cut by the server.
     */
    public static int textBudget(String command, String target, int sourceLength) {
        int overhead = 1 + sourceLength + 1 + utf8Length(command) + 1 + utf8Length(target) + 2;
        return MAX_BODY_BYTES - overhead;
    }

    /** The number of bytes {@code text} takes in UTF-8. */
    public static int utf8Length(String text) {
        return text.getBytes(StandardCharsets.UTF_8).length;
    }

    /** The largest index such that {@code text[0, index)} fits {@code maxBytes} and does not split a code point. */
    private static int cutIndex(String text, int maxBytes) {
        int bytes = 0;
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            i += Character.charCount(cp);
        }
        return i;
    }

    private static int skipSpaces(String text, int from) {
        int i = from;
        while (i < text.length() && text.charAt(i) == ' ') {
            i++;
        }
        return i;
    }

    private static void checkTagKey(String key) {
        Objects.requireNonNull(key, "tag key");
        if (key.isEmpty()) {
            throw new IllegalArgumentException("an empty tag key");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == ' ' || c == ';' || c == '=' || c == '\0' || c == '\r' || c == '\n') {
                throw new IllegalArgumentException("a tag key cannot contain space, ';', '=', NUL, CR or LF: '"
                        + key + "'");
            }
        }
    }

    private static void checkCommand(String command) {
        boolean numeric = command.length() == 3 && command.chars().allMatch(c -> c >= '0' && c <= '9');
        boolean word = !command.isEmpty() && command.chars().allMatch(c -> c >= 'A' && c <= 'Z');
        if (!numeric && !word) {
            throw new IllegalArgumentException("not an IRC command (letters, or a three-digit numeric): '"
                    + command + "'");
        }
    }

    private static void checkNoLineBreak(String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n') {
                throw new IllegalArgumentException(what + " contains a line break");
            }
            if (c == '\0') {
                throw new IllegalArgumentException(what + " contains NUL");
            }
        }
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }

    /**
     * Who sent a line: {@code nick!user@host} for a user, or a server's name.
     *
     * @param name the nick, or a server's name
     * @param user the user (ident) part, if given
     * @param host the host part, if given
     */
    public record Source(String name, Optional<String> user, Optional<String> host) {

        /** Validates: non-empty parts without spaces, line breaks or NUL; no {@code !} or {@code @} in the name. */
        public Source {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(user, "user");
            Objects.requireNonNull(host, "host");
            checkPart(name, "name", "!@");
            user.ifPresent(u -> checkPart(u, "user", "@"));
            host.ifPresent(h -> checkPart(h, "host", ""));
        }

        /** A source with only a name (a nick or a server). */
        public static Source of(String name) {
            return new Source(name, Optional.empty(), Optional.empty());
        }

        /** A user's full source. */
        public static Source of(String nick, String user, String host) {
            return new Source(nick, Optional.of(user), Optional.of(host));
        }

        /**
         * Parses {@code nick}, {@code nick!user}, {@code nick@host}, {@code nick!user@host} or a server name.
         *
         * @throws IllegalArgumentException for an empty part or a space
         */
        public static Source parse(String text) {
            Objects.requireNonNull(text, "text");
            if (text.isEmpty()) {
                throw new IllegalArgumentException("an empty source");
            }
            int bang = text.indexOf('!');
            int at = text.indexOf('@', Math.max(bang, 0));
            int nameEnd = bang >= 0 ? bang : at >= 0 ? at : text.length();
            String name = text.substring(0, nameEnd);
            Optional<String> user = bang < 0 ? Optional.empty()
                    : Optional.of(text.substring(bang + 1, at >= 0 ? at : text.length()));
            Optional<String> host = at < 0 ? Optional.empty() : Optional.of(text.substring(at + 1));
            try {
                return new Source(name, user, host);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(e.getMessage() + " in source '" + text + "'", e);
            }
        }

        /**
         * Whether this looks like a server rather than a user: only a name, containing a dot (nicks
         * cannot contain dots).
         */
        public boolean isServer() {
            return user.isEmpty() && host.isEmpty() && name.indexOf('.') >= 0;
        }

        /** {@code nick!user@host} as on the wire, without the leading {@code :}. */
        @Override
        public String toString() {
            return name + user.map(u -> "!" + u).orElse("") + host.map(h -> "@" + h).orElse("");
        }

        private static void checkPart(String part, String what, String forbidden) {
            if (part.isEmpty()) {
                throw new IllegalArgumentException("an empty " + what);
            }
            for (int i = 0; i < part.length(); i++) {
                char c = part.charAt(i);
                if (c == ' ' || c == '\0' || c == '\r' || c == '\n' || forbidden.indexOf(c) >= 0) {
                    throw new IllegalArgumentException("the " + what + " '" + part + "' contains '" + c + "'");
                }
            }
        }
    }
}
