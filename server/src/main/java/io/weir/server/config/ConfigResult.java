package io.weir.server.config;

import java.util.List;
import java.util.Objects;

/** The outcome of loading a configuration: a valid {@link WeirConfig}, or every problem found. */
public sealed interface ConfigResult {

    static ConfigResult valid(WeirConfig config) { return new Valid(config); }

    static ConfigResult invalid(List<ConfigProblem> problems) { return new Invalid(problems); }

    boolean isValid();

    /** @throws InvalidConfigException listing the problems when this result is not valid */
    WeirConfig config();

    /** Empty for a valid result; otherwise in the order found (document order). */
    List<ConfigProblem> problems();

    record Valid(WeirConfig config) implements ConfigResult {
        public Valid {
            Objects.requireNonNull(config, "config");
        }

        @Override
        public boolean isValid() { return true; }

        @Override
        public List<ConfigProblem> problems() { return List.of(); }
    }

    record Invalid(List<ConfigProblem> problems) implements ConfigResult {
        public Invalid {
            problems = List.copyOf(problems);
            if (problems.isEmpty()) {
                throw new IllegalArgumentException("an invalid result needs at least one problem");
            }
        }

        @Override
        public boolean isValid() { return false; }

        @Override
        public WeirConfig config() { throw new InvalidConfigException(problems); }
    }
}
