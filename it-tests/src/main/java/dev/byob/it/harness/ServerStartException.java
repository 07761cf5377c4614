package dev.byob.it.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A server could not be installed or started. The message names the server's log files and quotes
 * the end of each, so the cause is visible in the test report without opening anything.
 */
public final class ServerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private static final int TAIL_LINES = 30;

    private final List<Path> logs;

    /** A failure described by {@code message}, with the logs that explain it. */
    public ServerStartException(String message, List<Path> logs) {
        this(message, logs, null);
    }

    /** A failure described by {@code message}, with the logs that explain it and its cause. */
    public ServerStartException(String message, List<Path> logs, Throwable cause) {
        super(describe(message, logs), cause);
        this.logs = List.copyOf(logs);
    }

    /** The log files named in the message. */
    public List<Path> logs() {
        return logs;
    }

    private static String describe(String message, List<Path> logs) {
        StringBuilder out = new StringBuilder(message);
        for (Path log : logs) {
            out.append(System.lineSeparator()).append("--- log: ").append(log.toAbsolutePath());
            List<String> tail = tail(log, TAIL_LINES);
            if (tail.isEmpty()) {
                out.append(" (empty or missing)");
            } else {
                out.append(" (last ").append(tail.size()).append(" lines)");
                for (String line : tail) {
                    out.append(System.lineSeparator()).append("    ").append(line);
                }
            }
        }
        return out.toString();
    }

    /** The last {@code count} lines of a file, or none if it cannot be read. */
    static List<String> tail(Path file, int count) {
        try {
            // Decoded leniently: a server may log bytes that are not UTF-8.
            List<String> lines = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
            return new ArrayList<>(lines.subList(Math.max(0, lines.size() - count), lines.size()));
        } catch (IOException e) {
            return List.of();
        }
    }
}
