package io.weir.engine.query;

import io.weir.engine.sketch.SketchFunction;

import java.util.List;

/**
 * A query answered from sketches, with what the response must say about its accuracy.
 *
 * @param range             true for a matrix (range query), false for a vector (instant query)
 * @param exact             every point was computed from whole buckets: exact up to floating-point rounding
 * @param maxRelativeError  the largest relative (value) error bound over all points (0 when exact; NaN when a
 *                          point has no finite bound, e.g. min/max over a partly covered bucket)
 * @param maxRankError      for quantiles, the largest rank error bound over all points (NaN otherwise)
 */
public record SketchAnswer(boolean range, List<SketchSeries> series, SketchFunction function, boolean exact,
                           double maxRelativeError, double maxRankError) {}
