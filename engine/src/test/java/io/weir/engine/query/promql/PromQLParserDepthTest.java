package io.weir.engine.query.promql;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nesting limit: every shape that deepens the tree parses at {@link PromQLParser#MAX_DEPTH} levels on a 1 MiB
 * stack, the JVM's default thread stack on Linux x64 that query threads run on (with equals, hashCode and
 * printing, which recurse too), and is refused with a parse error one level on or thousands of levels on, never
 * with a StackOverflowError. (512 KiB sufficed once the parser was compiled, but not always while it still ran
 * interpreted on a loaded machine, where frames are larger.)
 */
class PromQLParserDepthTest {
    private static final int STACK = 1024 * 1024;

    /** Query builders by nesting depth of the resulting tree (the root at depth 1). */
    private static List<IntFunction<String>> shapes() {
        List<IntFunction<String>> shapes = new ArrayList<>();
        shapes.add(d -> "(".repeat(d - 1) + "x" + ")".repeat(d - 1));
        shapes.add(d -> "abs(".repeat(d - 1) + "x" + ")".repeat(d - 1));
        shapes.add(d -> "sum(".repeat(d - 1) + "x" + ")".repeat(d - 1));
        shapes.add(d -> "-(".repeat((d - 1) / 2) + "x" + ")".repeat((d - 1) / 2));
        shapes.add(d -> "x" + " + x".repeat(d - 1));           // left-deep by iteration, not recursion
        shapes.add(d -> "x" + " ^ x".repeat(d - 1));           // right-associative: recursion
        shapes.add(d -> "x" + " and x".repeat(d - 1));
        shapes.add(d -> "max_over_time(".repeat((d - 1) / 2) + "x" + "[5m:1m])".repeat((d - 1) / 2));
        return shapes;
    }

    @Test
    void maxDepthParsesOnASmallStack() throws Exception {
        onSmallStack(() -> {
            for (IntFunction<String> shape : shapes()) {
                String q = shape.apply(PromQLParser.MAX_DEPTH);
                Expr e = PromQLParser.parse(q);
                assertEquals(e, PromQLParser.parse(q));
                assertEquals(PromQLParser.parse(q).hashCode(), e.hashCode());
                assertTrue(e.toString().length() > PromQLParser.MAX_DEPTH);
            }
        });
    }

    @Test
    void deeperIsAParseError() throws Exception {
        onSmallStack(() -> {
            for (IntFunction<String> shape : shapes()) {
                for (int depth : new int[] {PromQLParser.MAX_DEPTH + 2, 5_000, 100_000}) {
                    String q = shape.apply(depth);
                    PromQLParseException e = assertThrows(PromQLParseException.class, () -> PromQLParser.parse(q),
                            () -> q.substring(0, 40));
                    assertTrue(e.getMessage().contains("expression nesting too deep (more than 256 levels)"),
                            e.getMessage());
                }
            }
            // unary signs fold into the literal in Prometheus, but each one is a level of the parser's recursion
            assertThrows(PromQLParseException.class, () -> PromQLParser.parse("-".repeat(100_000) + "1"));
        });
    }

    private static void onSmallStack(Runnable body) throws Exception {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                body.run();
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "small-stack", STACK);
        t.start();
        t.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertNull(failure.get());
    }
}
