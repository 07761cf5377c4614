package dev.byob.kit.config;

import java.util.Objects;

/**
 * One thing wrong with a configuration file.
 *
 * @param file the file, as the user named it
 * @param key the dotted key, e.g. {@code irc.networks[0].port}; {@code null} for the file as a whole
 * @param reason what is wrong, e.g. {@code not an http(s) URL}
 */
public record ConfigProblem(String file, String key, String reason) {
    /** Checks file and reason are present. */
    public ConfigProblem {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(reason, "reason");
    }

    /** {@code file: key: reason}, or {@code file: reason} for the file as a whole. */
    @Override
    public String toString() {
        return key == null ? file + ": " + reason : file + ": " + key + ": " + reason;
    }
}
