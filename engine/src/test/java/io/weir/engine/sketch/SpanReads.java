package io.weir.engine.sketch;

/**
 * The two reads the span tests compare: every window of a range query read inside one span (the one-pass path) and
 * each read on its own (the reference). Each test keeps its own tolerance for the answers.
 */
final class SpanReads {
    /** One window's answers, as numbers. */
    interface Answers {
        double[] of(SketchShard shard, int id, long startExclusive, long endInclusive);
    }

    /** [0][i]: window i read inside a span over {@code (spanStart, spanEnd]}; [1][i]: the same window read alone. */
    static double[][][] read(SketchShard shard, int id, long spanStart, long spanEnd, long[] ends, long range, Answers answers) {
        double[][] spanned = new double[ends.length][];
        shard.beginSpan(id, spanStart, spanEnd);
        try {
            for (int i = 0; i < ends.length; i++) {
                spanned[i] = answers.of(shard, id, ends[i] - range, ends[i]);
            }
        } finally {
            shard.endSpan();
        }
        double[][] single = new double[ends.length][];
        for (int i = 0; i < ends.length; i++) {
            single[i] = answers.of(shard, id, ends[i] - range, ends[i]);
        }
        return new double[][][] {spanned, single};
    }

    private SpanReads() {
    }
}
