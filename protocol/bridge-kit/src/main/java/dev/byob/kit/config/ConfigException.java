package dev.byob.kit.config;

import java.util.List;
import java.util.stream.Collectors;

/** A configuration that cannot be used, with every problem found in it. */
public final class ConfigException extends Exception {
    private final transient List<ConfigProblem> problems;

    /**
     * @param problems at least one problem
     */
    public ConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a configuration exception needs a problem");
        }
        this.problems = List.copyOf(problems);
    }

    /** Every problem, in the order found (the file's order). */
    public List<ConfigProblem> problems() {
        return problems;
    }
}
