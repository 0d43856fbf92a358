package io.weir.server.config;

import java.util.List;
import java.util.stream.Collectors;

/** Thrown where a valid configuration was required; carries every problem found, one per message line. */
public final class InvalidConfigException extends IllegalArgumentException {
    private final List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() { return problems; }
}
