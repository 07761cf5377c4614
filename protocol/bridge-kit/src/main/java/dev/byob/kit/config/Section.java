package dev.byob.kit.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * One mapping of a configuration file being read: typed getters that record a problem under the full key
 * instead of throwing, and remember which keys were read so {@link #finish()} can report the unknown ones.
 */
public final class Section {
    private final String path;
    private final JsonNode node;
    private final Consumer<String[]> problems;
    private final boolean reportMissing;
    private final Set<String> read = new HashSet<>();

    /**
     * @param path the dotted path of this mapping, empty for the top level
     * @param node the mapping, or {@code null} if absent
     * @param problems receives {@code {key, reason}} pairs
     */
    public Section(String path, JsonNode node, Consumer<String[]> problems) {
        this(path, node, problems, true);
    }

    private Section(String path, JsonNode node, Consumer<String[]> problems, boolean reportMissing) {
        this.path = path;
        this.node = node;
        this.problems = problems;
        this.reportMissing = reportMissing;
    }

    /** Whether the mapping was present in the file. */
    public boolean present() {
        return node != null;
    }

    /** The full key of {@code name} in this mapping. */
    public String key(String name) {
        return path.isEmpty() ? name : path + "." + name;
    }

    /** Records a problem with {@code name}. */
    public void problem(String name, String reason) {
        problems.accept(new String[] {key(name), reason});
    }

    /**
     * Records that {@code name} is missing, unless this whole mapping was already reported missing or malformed
     * (one problem is enough then).
     */
    public void missing(String name, String reason) {
        if (reportMissing) {
            problem(name, reason);
        }
    }

    /** Whether {@code name} is set to something other than null. */
    public boolean has(String name) {
        return value(name) != null;
    }

    private JsonNode value(String name) {
        read.add(name);
        if (node == null) {
            return null;
        }
        JsonNode value = node.get(name);
        return value == null || value.isNull() ? null : value;
    }

    /** A scalar as text, or {@code null} if absent or not a scalar (recorded). */
    public String string(String name) {
        JsonNode value = value(name);
        if (value == null) {
            return null;
        }
        if (!value.isValueNode()) {
            problem(name, "expected a single value, not a " + (value.isArray() ? "list" : "mapping"));
            return null;
        }
        return value.asText();
    }

    /** A scalar as text, or {@code defaultValue} if absent. */
    public String string(String name, String defaultValue) {
        boolean absent = !has(name);
        String value = string(name);
        return absent ? defaultValue : value;
    }

    /** A scalar as text that must be present; {@code null} and a recorded problem otherwise. */
    public String requiredString(String name) {
        if (!has(name)) {
            missing(name, "required");
            return null;
        }
        String value = string(name);
        if (value != null && value.isBlank()) {
            problem(name, "must not be empty");
            return null;
        }
        return value;
    }

    /** A whole number in {@code [min, max]}, {@code defaultValue} if absent, {@code null} if wrong (recorded). */
    public Long integer(String name, long defaultValue, long min, long max) {
        JsonNode value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            problem(name, "expected a whole number");
            return null;
        }
        long n = value.asLong();
        if (n < min || n > max) {
            problem(name, "must be between " + min + " and " + max);
            return null;
        }
        return n;
    }

    /** {@code true} or {@code false}, {@code defaultValue} if absent, {@code null} if wrong (recorded). */
    public Boolean bool(String name, boolean defaultValue) {
        JsonNode value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isBoolean()) {
            problem(name, "expected true or false");
            return null;
        }
        return value.booleanValue();
    }

    /** The nested mapping {@code name}; an absent one reads as empty (recorded as a problem if required). */
    public Section section(String name, boolean required) {
        JsonNode value = value(name);
        if (value == null) {
            if (required) {
                missing(name, "required");
            }
            return new Section(key(name), null, problems, reportMissing && !required);
        }
        if (!value.isObject()) {
            problem(name, "expected a mapping of settings");
            return new Section(key(name), null, problems, false);
        }
        return new Section(key(name), value, problems, reportMissing);
    }

    /** The list of mappings {@code name}: empty if absent; entries that are not mappings are recorded. */
    public List<Section> sections(String name) {
        JsonNode value = value(name);
        List<Section> sections = new ArrayList<>();
        if (value == null) {
            return sections;
        }
        if (!value.isArray()) {
            problem(name, "expected a list");
            return sections;
        }
        for (int i = 0; i < value.size(); i++) {
            String itemKey = key(name) + "[" + i + "]";
            JsonNode item = value.get(i);
            if (!item.isObject()) {
                problems.accept(new String[] {itemKey, "expected a mapping of settings"});
                continue;
            }
            sections.add(new Section(itemKey, item, problems));
        }
        return sections;
    }

    /** A list of scalars as text, {@code defaultValue} if absent, {@code null} if wrong (recorded). */
    public List<String> strings(String name, List<String> defaultValue) {
        JsonNode value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!value.isArray()) {
            problem(name, "expected a list");
            return null;
        }
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < value.size(); i++) {
            JsonNode item = value.get(i);
            if (!item.isValueNode() || item.isNull()) {
                problems.accept(new String[] {key(name) + "[" + i + "]", "expected a single value"});
                return null;
            }
            strings.add(item.asText());
        }
        return strings;
    }

    /**
     * {@code value} (the string read for {@code name}) as an http(s) URL without query or fragment, or
     * {@code null} after recording why not; {@code null} in, {@code null} out.
     */
    public java.net.URI httpUrl(String name, String value) {
        if (value == null) {
            return null;
        }
        try {
            java.net.URI uri = new java.net.URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            if ((scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null
                    && uri.getRawQuery() == null && uri.getRawFragment() == null) {
                return uri;
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        problem(name, "not an http(s) URL");
        return null;
    }

    /** Records every key of the mapping that was never read as unknown. */
    public void finish() {
        if (node == null) {
            return;
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!read.contains(name)) {
                problem(name, "unknown key");
            }
        }
    }
}
