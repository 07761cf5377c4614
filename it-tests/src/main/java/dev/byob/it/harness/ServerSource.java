package dev.byob.it.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a server for the integration tests comes from: an existing one named by environment variables,
 * one the harness installs and starts (which needs root), or none, with a message saying what to do.
 */
public sealed interface ServerSource {

    /** Use the existing server described by these environment variables (only the kind's own). */
    record External(ServerKind kind, Map<String, String> settings) implements ServerSource {
        /** Immutable copy. */
        public External {
            settings = Map.copyOf(settings);
        }

        /** A setting's value, or {@code fallback} when it is not set. */
        public String get(String variable, String fallback) {
            return settings.getOrDefault(variable, fallback);
        }
    }

    /** Install (if needed) and start the server on loopback. */
    record Embedded(ServerKind kind) implements ServerSource {
    }

    /** No server can be had; {@code message} says what to do. */
    record Unavailable(ServerKind kind, String message) implements ServerSource {
    }

    /**
     * Decides where the server of {@code kind} comes from.
     *
     * @param kind the server
     * @param env the environment (e.g. {@link System#getenv()})
     * @param root whether this process runs as root, which installing and starting servers needs
     */
    static ServerSource decide(ServerKind kind, Map<String, String> env, boolean root) {
        if (isSet(env, kind.primaryVariable())) {
            List<String> missing = new ArrayList<>();
            for (String required : kind.requiredVariables()) {
                if (!isSet(env, required)) {
                    missing.add(required);
                }
            }
            if (!missing.isEmpty()) {
                return new Unavailable(kind, kind.primaryVariable() + " is set, so the integration tests use "
                        + kind.description() + " that is already running, but " + String.join(" and ", missing)
                        + (missing.size() == 1 ? " is" : " are") + " not set. Set "
                        + (missing.size() == 1 ? "it" : "them") + " too, or unset " + kind.primaryVariable()
                        + ". See it-tests/README.md.");
            }
            Map<String, String> settings = new LinkedHashMap<>();
            settings.put(kind.primaryVariable(), env.get(kind.primaryVariable()).trim());
            for (String name : concat(kind.requiredVariables(), kind.optionalVariables())) {
                if (isSet(env, name)) {
                    settings.put(name, env.get(name).trim());
                }
            }
            return new External(kind, settings);
        }
        if (root) {
            return new Embedded(kind);
        }
        return new Unavailable(kind, howTo(kind));
    }

    /** The message for a machine where the tests can neither start nor find {@code kind}. */
    static String howTo(ServerKind kind) {
        List<String> variables = concat(List.of(kind.primaryVariable()), kind.requiredVariables());
        return "The integration tests need " + kind.description() + ". Either run the build as root on Debian "
                + "(the harness then installs and starts " + kind.embeddedName() + " on 127.0.0.1, caching the "
                + "installation under ~/.cache/byob), or set " + String.join(" and ", variables)
                + " to use one that is already running, or skip the integration tests with -DskipITs. "
                + "See it-tests/README.md.";
    }

    private static boolean isSet(Map<String, String> env, String name) {
        String value = env.get(name);
        return value != null && !value.isBlank();
    }

    private static List<String> concat(List<String> first, List<String> second) {
        List<String> all = new ArrayList<>(first);
        all.addAll(second);
        return all;
    }
}
