package io.weir.engine.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;

/**
 * The node's own metrics, exposed in the Prometheus text format. Components keep their counters in their own
 * fields (single-writer, published with release stores) and register a supplier here, so the hot paths pay
 * nothing for being observable. Registration is for start-up; {@link #writeText} may run on any thread.
 */
public final class MetricRegistry {
    public enum Type { COUNTER, GAUGE }

    private record Sample(String labels, DoubleSupplier value) {}

    private record Family(String name, Type type, String help, List<Sample> samples) {}

    private final List<Family> families = new CopyOnWriteArrayList<>();
    private final List<LatencyHistogram> histograms = new CopyOnWriteArrayList<>();

    public MetricRegistry counter(String name, String help, DoubleSupplier value) {
        return add(name, Type.COUNTER, help, "", value);
    }

    public MetricRegistry gauge(String name, String help, DoubleSupplier value) {
        return add(name, Type.GAUGE, help, "", value);
    }

    /** @param labels rendered label pairs without braces, e.g. {@code shard="0"} */
    public synchronized MetricRegistry add(String name, Type type, String help, String labels, DoubleSupplier value) {
        for (Family f : families) {
            if (f.name.equals(name)) {
                if (f.type != type) {
                    throw new IllegalArgumentException("metric " + name + " registered with two types");
                }
                f.samples.add(new Sample(labels, value));
                return this;
            }
        }
        List<Sample> samples = new CopyOnWriteArrayList<>();
        samples.add(new Sample(labels, value));
        families.add(new Family(name, type, help, samples));
        return this;
    }

    public LatencyHistogram histogram(String name, String help) {
        LatencyHistogram h = new LatencyHistogram(name, help);
        histograms.add(h);
        return h;
    }

    public void writeText(StringBuilder out) {
        for (Family f : families) {
            out.append("# HELP ").append(f.name).append(' ').append(f.help).append('\n');
            out.append("# TYPE ").append(f.name).append(' ').append(f.type == Type.COUNTER ? "counter" : "gauge").append('\n');
            for (Sample s : f.samples) {
                out.append(f.name);
                if (!s.labels.isEmpty()) {
                    out.append('{').append(s.labels).append('}');
                }
                out.append(' ');
                appendValue(out, s.value.getAsDouble());
                out.append('\n');
            }
        }
        for (LatencyHistogram h : histograms) {
            h.writeText(out);
        }
    }

    public List<String> names() {
        List<String> names = new ArrayList<>();
        families.forEach(f -> names.add(f.name));
        histograms.forEach(h -> names.add(h.name()));
        return names;
    }

    static void appendValue(StringBuilder out, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            out.append((long) v);
        } else if (Double.isNaN(v)) {
            out.append("NaN");
        } else if (Double.isInfinite(v)) {
            out.append(v > 0 ? "+Inf" : "-Inf");
        } else {
            out.append(v);
        }
    }
}
