package io.weir.server.config;

import java.util.Objects;

/**
 * One thing wrong with a configuration.
 *
 * @param keyPath where, e.g. {@code sketch.targets[1].window}; a CLI flag such as {@code --listen}; or empty for
 *                the document as a whole (unreadable file, YAML syntax error)
 * @param message what, naming the bad value, e.g. {@code not a valid duration: "5x"}
 */
public record ConfigProblem(String keyPath, String message) {
    public ConfigProblem {
        Objects.requireNonNull(keyPath, "keyPath");
        Objects.requireNonNull(message, "message");
    }

    /** {@code keyPath: message}, or just the message for a document-level problem. */
    @Override
    public String toString() {
        return keyPath.isEmpty() ? message : keyPath + ": " + message;
    }
}
