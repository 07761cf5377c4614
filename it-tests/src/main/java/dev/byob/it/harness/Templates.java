package dev.byob.it.harness;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Configuration templates shipped as resources next to this class, with {@code @@NAME@@} placeholders.
 * Every placeholder must be given a value; a forgotten one fails instead of reaching a server.
 */
public final class Templates {
    private static final Pattern PLACEHOLDER = Pattern.compile("@@([A-Z_]+)@@");

    private Templates() {
    }

    /** The text of a resource relative to this package, e.g. {@code "irc/inspircd.conf"}. */
    public static String resource(String name) {
        try (InputStream in = Templates.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name + " next to " + Templates.class.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

    /** Replaces every {@code @@NAME@@} in {@code template} with {@code values.get("NAME")}. */
    public static String fill(String template, Map<String, String> values) {
        Matcher matcher = PLACEHOLDER.matcher(template);
        StringBuilder out = new StringBuilder(template.length());
        while (matcher.find()) {
            String value = values.get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException("no value for placeholder " + matcher.group());
            }
            matcher.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    /** {@link #fill} applied to a resource. */
    public static String render(String resourceName, Map<String, String> values) {
        return fill(resource(resourceName), values);
    }
}
