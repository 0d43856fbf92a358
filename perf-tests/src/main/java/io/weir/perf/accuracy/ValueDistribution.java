package io.weir.perf.accuracy;

import java.util.SplittableRandom;

/**
 * The value streams the accuracy harness feeds to sketches: PromSketch's four (Zipf, uniform, normal, and a
 * "dynamic" mix cycling through them) plus three shaped like real Prometheus series. Every stream is a pure
 * function of (seed, length, window), so two runs see the same numbers.
 */
public enum ValueDistribution {
    /** Zipf with s = 1.01 over the integers 0..50000 (value k has weight 1/(k+1)^s). */
    ZIPF("zipf"),
    /** Uniform on [0, 100000). */
    UNIFORM("uniform"),
    /** Normal with mean 50000 and standard deviation 10000. */
    NORMAL("normal"),
    /** Zipf, uniform, normal in turn, switching every tenth of the window, so sub-windows see shifts. */
    DYNAMIC("dynamic"),
    /** A monotone counter (requests_total): exponential increments of mean 50, reset to 0 with p = 1e-4 per sample. */
    COUNTER("counter"),
    /** A slowly varying gauge (memory bytes): 2e9 + a daily sine of 5e8 + a random walk + noise of sd 1e6. */
    GAUGE("gauge"),
    /** A low-cardinality gauge ({@code up}): 1, dropping to 0 for short outages (p = 5e-4 down, 0.2 back up). */
    UP("up");

    static final double ZIPF_S = 1.01;
    static final int ZIPF_MAX = 50_000;
    private static volatile double[] zipfCdf;

    private final String label;

    ValueDistribution(String label) {
        this.label = label;
    }

    public String label() { return label; }

    /** PromSketch's synthetic set. */
    public static final ValueDistribution[] SYNTHETIC = {ZIPF, UNIFORM, NORMAL, DYNAMIC};
    /** The counter/gauge set. */
    public static final ValueDistribution[] REALISTIC = {COUNTER, GAUGE, UP};

    /**
     * {@code length} values for a run whose window holds {@code windowSamples} samples.
     */
    public double[] values(int length, int windowSamples, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (ordinal() + 1)));
        double[] out = new double[length];
        switch (this) {
            case ZIPF -> { for (int i = 0; i < length; i++) out[i] = zipf(rnd); }
            case UNIFORM -> { for (int i = 0; i < length; i++) out[i] = uniform(rnd); }
            case NORMAL -> { for (int i = 0; i < length; i++) out[i] = normal(rnd); }
            case DYNAMIC -> {
                int phase = Math.max(1, windowSamples / 10);
                for (int i = 0; i < length; i++) {
                    out[i] = switch ((i / phase) % 3) {
                        case 0 -> zipf(rnd);
                        case 1 -> uniform(rnd);
                        default -> normal(rnd);
                    };
                }
            }
            case COUNTER -> {
                double c = 0;
                for (int i = 0; i < length; i++) {
                    c = rnd.nextDouble() < 1e-4 ? 0 : c + Math.floor(-50.0 * Math.log(1.0 - rnd.nextDouble()));
                    out[i] = c;
                }
            }
            case GAUGE -> {
                double walk = 0;
                for (int i = 0; i < length; i++) {
                    walk += rnd.nextGaussian() * 2e5;
                    out[i] = Math.rint(2e9 + 5e8 * Math.sin(2 * Math.PI * i / 86_400.0) + walk + rnd.nextGaussian() * 1e6);
                }
            }
            case UP -> {
                boolean up = true;
                for (int i = 0; i < length; i++) {
                    up = up ? rnd.nextDouble() >= 5e-4 : rnd.nextDouble() < 0.2;
                    out[i] = up ? 1 : 0;
                }
            }
        }
        return out;
    }

    private static double uniform(SplittableRandom rnd) { return rnd.nextDouble(0, 100_000); }

    private static double normal(SplittableRandom rnd) { return 50_000 + 10_000 * rnd.nextGaussian(); }

    private static double zipf(SplittableRandom rnd) {
        double[] cdf = zipfCdf();
        double u = rnd.nextDouble();
        int lo = 0;
        int hi = cdf.length - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cdf[mid] < u) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double[] zipfCdf() {
        double[] cdf = zipfCdf;
        if (cdf == null) {
            cdf = new double[ZIPF_MAX + 1];
            double total = 0;
            for (int k = 0; k <= ZIPF_MAX; k++) {
                total += Math.pow(k + 1, -ZIPF_S);
                cdf[k] = total;
            }
            for (int k = 0; k <= ZIPF_MAX; k++) {
                cdf[k] /= total;
            }
            cdf[ZIPF_MAX] = 1.0;
            zipfCdf = cdf;
        }
        return cdf;
    }
}
