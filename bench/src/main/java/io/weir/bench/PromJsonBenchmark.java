package io.weir.bench;

import io.weir.net.http.PromJson;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Writing sample values as Prometheus does ({@link PromJson#appendFloat}): most of a dashboard panel's answer is
 * this (a 4 h panel of 1,000 series is 240,000 values). {@code kind}: {@code mean} = averages of one-decimal gauges
 * (149.83333333333334: no short decimal, the shortest-digits search), {@code decimal} = one- and two-decimal values
 * (149.5, 0.25), {@code integer} = counters. Per operation: one value.
 */
@State(Scope.Thread)
public class PromJsonBenchmark extends WeirForkedBenchmark {
    private static final int VALUES = 4_096;

    @Param({"mean", "decimal", "integer"})
    public String kind;

    private final double[] values = new double[VALUES];
    private final StringBuilder out = new StringBuilder(64);

    @Setup
    public void setUp() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int i = 0; i < VALUES; i++) {
            values[i] = switch (kind) {
                case "mean" -> {
                    double sum = 0;
                    int n = 240;
                    for (int k = 0; k < n; k++) {
                        sum += 100 + r.nextInt(997) / 10.0;
                    }
                    yield sum / n;
                }
                case "decimal" -> r.nextBoolean() ? 100 + r.nextInt(997) / 10.0 : r.nextInt(10_000) / 100.0;
                default -> r.nextLong(1L << 40);
            };
        }
    }

    @Benchmark
    @OperationsPerInvocation(VALUES)
    public int appendFloat() {
        int length = 0;
        for (double v : values) {
            out.setLength(0);
            PromJson.appendFloat(out, v);
            length += out.length();
        }
        return length;
    }
}
