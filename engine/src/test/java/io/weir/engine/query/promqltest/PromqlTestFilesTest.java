package io.weir.engine.query.promqltest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prometheus' own PromQL test files (v3.5.5, see {@code promqltest/NOTICE}) as the reference for the semantics of
 * the sketch functions: every eval case built on one of them that Weir evaluates locally passes against a
 * sketch-only Weir (the node's default exact tier on). Not-local cases (an {@code @} modifier, a subquery, a
 * function only the backend evaluates, native histograms) are counted and reported, not asserted.
 */
class PromqlTestFilesTest {
    static final List<String> FILES = List.of("at_modifier", "duration_expression", "functions", "histograms",
            "name_label_dropping", "native_histograms", "range_queries", "staleness", "subquery");
    /** The node's default storage.exact_max_bytes. */
    static final int EXACT_MAX_BYTES = 256 << 10;

    /** Selected cases that are deliberately not asserted, by file:line, each with why. */
    static final Map<String, String> EXCLUDED = Map.of();

    static String read(String file) throws IOException {
        try (InputStream in = PromqlTestFilesTest.class.getResourceAsStream("/promqltest/" + file + ".test")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void everyLocalCaseOnASketchFunctionPasses(@TempDir Path tmp) throws IOException {
        List<PromqlTestRunner.Case> failed = new ArrayList<>();
        StringBuilder report = new StringBuilder("promqltest files against Weir (exact tier on):\n");
        int excludedSeen = 0;
        for (String file : FILES) {
            List<PromqlTestRunner.Case> cases = PromqlTestRunner.run(file, read(file), tmp, EXACT_MAX_BYTES);
            int passed = 0;
            int notLocal = 0;
            int fail = 0;
            for (PromqlTestRunner.Case c : cases) {
                switch (c.verdict()) {
                    case PASSED -> passed++;
                    case NOT_LOCAL -> notLocal++;
                    case FAILED -> {
                        fail++;
                        if (EXCLUDED.containsKey(file + ":" + c.line())) {
                            excludedSeen++;
                        } else {
                            failed.add(c);
                        }
                    }
                }
            }
            report.append(String.format("  %-22s passed %3d  failed %3d  not local %3d%n", file, passed, fail, notLocal));
            for (PromqlTestRunner.Case c : cases) {
                if (c.verdict() != PromqlTestRunner.Verdict.PASSED) {
                    report.append("    ").append(c).append('\n');
                }
            }
        }
        System.out.println(report);
        assertTrue(failed.isEmpty(), () -> failed.size() + " cases fail:\n" + String.join("\n", failed.stream().map(Object::toString).toList()));
        assertEquals(EXCLUDED.size(), excludedSeen, "every exclusion names a case that still fails");
    }
}
