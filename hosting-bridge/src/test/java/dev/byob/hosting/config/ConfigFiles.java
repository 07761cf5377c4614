package dev.byob.hosting.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds configuration files for tests from a valid base, changed key by key. */
final class ConfigFiles {
    static final String AS_TOKEN = "as-token-0123456789abcdef";
    static final String HS_TOKEN = "hs-token-0123456789abcdef";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Map<String, Object> root = new LinkedHashMap<>();

    private ConfigFiles() {
    }

    /** A valid configuration with inline tokens and one IRC network. */
    static ConfigFiles valid() {
        ConfigFiles files = new ConfigFiles();
        files.set("homeserver.url", "https://matrix.example.org")
                .set("homeserver.server_name", "example.org")
                .set("appservice.id", "byob-irc")
                .set("appservice.as_token", AS_TOKEN)
                .set("appservice.hs_token", HS_TOKEN);
        Map<String, Object> network = new LinkedHashMap<>();
        network.put("id", "libera");
        network.put("host", "irc.libera.chat");
        network.put("bot_nick", "byobbridge");
        files.set("irc.networks", new ArrayList<>(List.of(network)));
        return files;
    }

    /** Sets a dotted key ({@code a.b.c}); {@code null} removes it. */
    @SuppressWarnings("unchecked")
    ConfigFiles set(String dottedKey, Object value) {
        String[] parts = dottedKey.split("\\.");
        Map<String, Object> map = root;
        for (int i = 0; i < parts.length - 1; i++) {
            String part = parts[i];
            if (part.endsWith("]")) {
                String name = part.substring(0, part.indexOf('['));
                int index = Integer.parseInt(part.substring(part.indexOf('[') + 1, part.length() - 1));
                map = (Map<String, Object>) ((List<Object>) map.get(name)).get(index);
            } else {
                map = (Map<String, Object>) map.computeIfAbsent(part, k -> new LinkedHashMap<String, Object>());
            }
        }
        if (value == null) {
            map.remove(parts[parts.length - 1]);
        } else {
            map.put(parts[parts.length - 1], value);
        }
        return this;
    }

    String yaml() {
        try {
            return YAML.writeValueAsString(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path write(Path dir) {
        return write(dir, "config.yaml");
    }

    Path write(Path dir, String name) {
        try {
            Path file = dir.resolve(name);
            Files.writeString(file, yaml());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
