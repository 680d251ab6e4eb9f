package org.crackcam.service;

import java.util.List;

/**
 * A configuration file that failed validation. {@link #getMessage()} is the first problem
 * ({@code config.yaml:12: tiles.rows must be ≥ 1, got 0}); {@link #problems()} lists all.
 */
public final class ConfigException extends Exception {

    private final List<String> problems;

    public ConfigException(List<String> problems) {
        super(problems.isEmpty() ? "invalid configuration" : problems.get(0)
                + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
        this.problems = List.copyOf(problems);
    }

    public ConfigException(String problem, Throwable cause) {
        super(problem, cause);
        this.problems = List.of(problem);
    }

    /** Every problem found, one line each, in file order. */
    public List<String> problems() {
        return problems;
    }
}
