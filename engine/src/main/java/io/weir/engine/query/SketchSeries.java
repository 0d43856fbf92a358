package io.weir.engine.query;

import io.weir.engine.series.SeriesLabels;

/** One output series of a sketch-answered query: its labels (metric name dropped) and its points. */
public record SketchSeries(SeriesLabels labels, long[] timestamps, double[] values, int points) {}
