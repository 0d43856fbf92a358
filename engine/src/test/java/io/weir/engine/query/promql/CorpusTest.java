package io.weir.engine.query.promql;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every query of promql/corpus.txt parses, and printing is a fixpoint: parse(print(parse(q))) == parse(q). */
class CorpusTest {

    static List<String> corpus() throws IOException {
        List<String> queries = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                Objects.requireNonNull(CorpusTest.class.getResourceAsStream("/promql/corpus.txt")), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                String trimmed = line.strip();
                if (!trimmed.isEmpty() && !trimmed.startsWith("#")) {
                    queries.add(trimmed);
                }
            }
        }
        return queries;
    }

    @TestFactory
    List<DynamicTest> everyCorpusQueryParsesAndRoundTrips() throws IOException {
        List<String> queries = corpus();
        assertTrue(queries.size() >= 300, "corpus shrank: " + queries.size());
        List<DynamicTest> tests = new ArrayList<>();
        for (String q : queries) {
            tests.add(DynamicTest.dynamicTest(q, () -> {
                Expr first = PromQLParser.parse(q);
                String printed = PromQLPrinter.print(first);
                Expr second = PromQLParser.parse(printed);
                assertEquals(first, second, () -> "round trip changed the tree; printed as: " + printed);
                assertEquals(printed, second.toString(), "printing is not canonical");
            }));
        }
        return tests;
    }
}
