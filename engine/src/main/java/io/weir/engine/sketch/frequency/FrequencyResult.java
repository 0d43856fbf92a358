package io.weir.engine.sketch.frequency;

import static io.weir.engine.sketch.frequency.FrequencySketchDescriptor.*;
import static io.weir.engine.sketch.ring.BucketRingDescriptor.BUCKET_SAMPLE_COUNT_OFFSET;

import io.weir.engine.sketch.ExactAnswer;
import io.weir.engine.sketch.ring.WindowCoverage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The answer of a frequency sketch over a window {@code (start, end]}, reused by one query thread
 * across reads (owned by that thread; not safe to share while a read fills it). It also owns the heap
 * scratch a read copies buckets into, so reads allocate only the first time a shape is seen.
 *
 * <p>How the answer is computed from the buckets of the window:
 * <ul>
 * <li>l1 is the sum of the buckets' sample counts, exact unless an edge bucket is interpolated.</li>
 * <li>When every bucket lies whole inside the window and was filled in time order with non-decreasing
 * values (counters, constant gauges), distinct, l2 and entropy come exactly from the run statistics.</li>
 * <li>Otherwise the value tables are merged. Bucket b tracks value v exactly when v's hash level is
 * >= t_b(v): the level at which b pinned v (pins follow counts alone), else b's level. So v is
 * tracked in every bucket of the window exactly when its hash level is >= L_v = max_b t_b(v), which
 * happens with probability 2^-L_v whatever its counts; counting each such value 2^L_v times
 * (Horvitz-Thompson) gives unbiased estimates of distinct, sum f^2 and sum f log f. L_v is known
 * for every value so counted: the pin levels are in the tables, the other buckets' levels in
 * their headers. Values pinned at level 0 everywhere count once, exactly.</li>
 * <li>An edge bucket with weight w (the share of its sample span inside the window) adds w * c of
 * each value's count c; a value seen only in edge buckets counts as present with probability
 * 1 - prod (1 - w)^c.</li>
 * </ul>
 * Error bounds are relative to the estimate: three standard deviations of the sampling estimate plus
 * the worst case of the edge buckets (each value's edge samples all inside or all outside).
 */
public final class FrequencyResult extends WindowCoverage implements ExactAnswer {
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE;
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final double LN2 = Math.log(2.0);
    private static final byte IN_WHOLE_BUCKET = 2;

    private double distinct;
    private double l1;
    private double l2;
    private double entropy;
    private boolean exact;
    private int samplingLevel;
    private double distinctErrorBound;
    private double l1ErrorBound;
    private double l2ErrorBound;
    private double entropyErrorBound;

    // scratch of one read attempt: per copied bucket, its header fields and its table
    private int copied;
    private long width;
    private double[] bucketWeight = new double[0];
    private long[] bucketStart = new long[0];
    private long[] bucketFirstTs = new long[0];
    private long[] bucketLastTs = new long[0];
    private long[] bucketSamples = new long[0];
    private int[] bucketLevel = new int[0];
    private int[] bucketOccupied = new int[0];
    private boolean[] bucketInOrder = new boolean[0];
    private int[] bucketRuns = new int[0];
    private int[] bucketFirstRun = new int[0];
    private int[] bucketLastRun = new int[0];
    private long[] bucketFirstValue = new long[0];
    private long[] bucketLastValue = new long[0];
    private double[] bucketRunSquares = new double[0];
    private double[] bucketRunEntropy = new double[0];
    private long[] tables = new long[0];
    /** A heap segment over {@link #tables}, so the copy loop makes no segment per call. */
    private MemorySegment tablesSegment = MemorySegment.ofArray(tables);

    // merge map, open addressing on the 40-bit value key
    private long[] mapKey = new long[0];
    private double[] mapWhole = new double[0];
    private double[] mapEdge = new double[0];
    private double[] mapEdgeWeighted = new double[0];
    private double[] mapEdgeVariance = new double[0];
    private double[] mapAbsentLog = new double[0];
    private byte[] mapFlags = new byte[0];
    /** Per value: how many buckets, in descending level order, pin it before the first that does not. */
    private int[] mapPinnedPrefix = new int[0];
    /** Per value: the highest level at which a bucket of the window pinned it, -1 if none. */
    private int[] mapPinLevel = new int[0];
    private int[] bucketOrder = new int[0];
    /** Value bits of an exact window, sorted to find each value's count. */

    public FrequencyResult() {
        begin(0, 0);
        finish(FrequencySketchSpec.MIN_TABLE_CAPACITY);
    }

    /** distinct_over_time: number of distinct values; 0 when the window holds no sample. */
    public double distinct() { return distinct; }

    /** l1_over_time: sum of value frequencies, the sample count (fractional only when interpolated). */
    public double l1() { return l1; }

    /** l2_over_time: sqrt of the sum of squared value frequencies. */
    public double l2() { return l2; }

    /** entropy_over_time: Shannon entropy in bits of the value distribution; 0 for one value. */
    public double entropy() { return entropy; }

    /** True when no bucket was sampled or interpolated: all four are exact (up to 40-bit hash collisions). */
    public boolean exact() { return exact; }

    /** The merge level L: values were sampled with probability 2^-L (0 = every value counted). */
    public int samplingLevel() { return samplingLevel; }

    /** Bound on |distinct - true| / distinct (0 when exact). */
    public double distinctErrorBound() { return distinctErrorBound; }

    /** Bound on |l1 - true| / l1 (0 unless an edge bucket is interpolated). */
    public double l1ErrorBound() { return l1ErrorBound; }

    /** Bound on |l2 - true| / l2. */
    public double l2ErrorBound() { return l2ErrorBound; }

    /** Bound on |entropy - true| / entropy (absolute when entropy is 0). */
    public double entropyErrorBound() { return entropyErrorBound; }

    // ---- filled by FrequencySketchFlyweight.read ---------------------------------------------------

    /** Grows the scratch for blocks of this shape; allocates only when a larger shape shows up. */
    void ensureCapacity(int buckets, int capacity) {
        if (bucketWeight.length < buckets) {
            bucketWeight = new double[buckets];
            bucketOrder = new int[buckets];
            bucketStart = new long[buckets];
            bucketFirstTs = new long[buckets];
            bucketLastTs = new long[buckets];
            bucketSamples = new long[buckets];
            bucketLevel = new int[buckets];
            bucketOccupied = new int[buckets];
            bucketInOrder = new boolean[buckets];
            bucketRuns = new int[buckets];
            bucketFirstRun = new int[buckets];
            bucketLastRun = new int[buckets];
            bucketFirstValue = new long[buckets];
            bucketLastValue = new long[buckets];
            bucketRunSquares = new double[buckets];
            bucketRunEntropy = new double[buckets];
        }
        long slots = (long) buckets * capacity;
        if (tables.length < slots) {
            tables = new long[Math.toIntExact(slots)];
            tablesSegment = MemorySegment.ofArray(tables);
        }
        // every slot of every table is at most 3/4 full, so 2 * slots keeps the map under 3/8 load
        int map = Integer.highestOneBit(Math.toIntExact(Math.max(16, slots))) << 1;
        if (mapKey.length < map) {
            mapKey = new long[map];
            mapWhole = new double[map];
            mapEdge = new double[map];
            mapEdgeWeighted = new double[map];
            mapEdgeVariance = new double[map];
            mapAbsentLog = new double[map];
            mapFlags = new byte[map];
            mapPinnedPrefix = new int[map];
            mapPinLevel = new int[map];
        }
    }

    /**
     * Fills the answer from raw samples decoded from an exact block: counts per value come from the sorted
     * value bits (-0.0 folded into 0.0, as in the sketch), so all four answers are exact and every bound is 0.
     */
    @Override
    public void readExact(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactWindow window) {
        begin(startExclusive, endInclusive);
        range(window.coverageStartMs(), window.retainedStartMs(), window.newestMs());
        countValues(window.values(), 0, window.size());
    }

    /** All four answers from the values {@code v[from, from + n)}, counted in a hash table: exact, every bound 0. */
    private void countValues(double[] v, int from, int n) {
        // count per value in an open-addressing table at most half full: linear in the window, no sort
        int capacity = Integer.highestOneBit(Math.max(8, n)) << 2;
        if (countKeys.length < capacity) {
            countKeys = new long[capacity];
            counts = new int[capacity];
            usedSlots = new int[capacity];
        }
        // the table is all zeros between calls: the slots used are listed, read and cleared, instead of clearing and
        // scanning all of them (4,096 for a window of 1,200 samples)
        int mask = capacity - 1;
        int used = 0;
        for (int i = from; i < from + n; i++) {
            long bits = FrequencySketchFlyweight.canonicalBits(v[i]);
            int slot = (int) mix(bits) & mask;
            while (counts[slot] != 0 && countKeys[slot] != bits) {
                slot = (slot + 1) & mask;
            }
            if (counts[slot]++ == 0) {
                countKeys[slot] = bits;
                usedSlots[used++] = slot;
            }
        }
        double f2 = 0;
        double fLogF = 0;
        for (int u = 0; u < used; u++) {
            int slot = usedSlots[u];
            int f = counts[slot];
            counts[slot] = 0;
            f2 += (double) f * f;
            fLogF += fLog2F(f);
        }
        answers(n, used, f2, fLogF);
    }

    private long[] countKeys = new long[0];
    /** Zero outside {@link #countValues}. */
    private int[] counts = new int[0];
    private int[] usedSlots = new int[0];

    /**
     * MurmurHash3's 64-bit finaliser: every input bit reaches the low bits the table uses (integer values as
     * doubles end in dozens of zero bits, which a multiply alone leaves at zero).
     */
    private static long mix(long bits) {
        long z = bits ^ (bits >>> 33);
        z *= 0xFF51AFD7ED558CCDL;
        z ^= z >>> 33;
        z *= 0xC4CEB9FE1A85EC53L;
        return z ^ (z >>> 33);
    }

    /** f log2 f for the counts that occur most (a window of thousands of samples), looked up instead of computed. */
    private static final double[] F_LOG2_F = new double[4096];

    static {
        for (int f = 1; f < F_LOG2_F.length; f++) {
            F_LOG2_F[f] = f * (Math.log(f) / LN2);
        }
    }

    private static double fLog2F(int f) {
        return f < F_LOG2_F.length ? F_LOG2_F[f] : f * (Math.log(f) / LN2);
    }

    /**
     * The same answer as {@link #readExact} for the window {@code (startExclusive, endInclusive]} of a decoded span,
     * whose keys the span keeps sorted as the window slides (no sort per step).
     */
    @Override
    public void readExactSpan(long startExclusive, long endInclusive, io.weir.engine.sketch.exact.ExactSpan span,
                              io.weir.engine.sketch.exact.ExactWindow slice) {
        io.weir.engine.sketch.exact.ExactWindow all = span.samples();
        begin(startExclusive, endInclusive);
        range(all.coverageStartMs(), all.retainedStartMs(), all.newestMs());
        span.locate(startExclusive, endInclusive);
        int from = span.from();
        int n = span.to() - from;
        if (span.keysSortedBefore() && !span.slidesKeys(from, from + n)) {
            // the steps move the window by much of its width: counting in a hash table (linear) beats sorting each
            // window's keys afresh (n log n)
            countValues(all.values(), from, n);
            return;
        }
        fromSortedKeys(n > 0 ? span.sortedKeys(from, from + n, FrequencySketchFlyweight::canonicalBits) : NO_KEYS, n);
    }

    /** All four answers from the {@code n} sorted value keys of a window: exact, every bound 0. */
    private void fromSortedKeys(long[] keys, int n) {
        double runs = 0;
        double f2 = 0;
        double fLogF = 0;
        for (int i = 0; i < n; ) {
            int j = i + 1;
            while (j < n && keys[j] == keys[i]) {
                j++;
            }
            double f = j - i;
            runs++;
            f2 += f * f;
            fLogF += fLog2F(j - i);
            i = j;
        }
        answers(n, runs, f2, fLogF);
    }

    private static final long[] NO_KEYS = new long[0];

    /** All four answers from the window's count, distinct values, sum of squared and of f log2 f counts. */
    private void answers(int n, double runs, double f2, double fLogF) {
        distinct = runs;
        l1 = n;
        l2 = Math.sqrt(f2);
        entropy = n > 0 ? Math.max(0.0, Math.log(n) / LN2 - fLogF / n) : 0;
        exact = true;
        samplingLevel = 0;
        distinctErrorBound = l1ErrorBound = l2ErrorBound = entropyErrorBound = 0;
    }

    void begin(long startExclusive, long endInclusive) {
        beginWindow(startExclusive, endInclusive);
        copied = 0;
    }

    /** Copies one bucket (header fields and table) with weight {@code w} in (0, 1]; plain loads. */
    void copyBucket(MemorySegment seg, long b, long k, long bucketWidth, double w, int capacity) {
        int j = copied;
        if (j >= bucketWeight.length) {
            return; // torn read: the validation will fail
        }
        width = bucketWidth;
        bucketWeight[j] = w;
        bucketStart[j] = k * bucketWidth;
        bucketFirstTs[j] = seg.get(LONG, b + BUCKET_FIRST_TS_OFFSET);
        bucketLastTs[j] = seg.get(LONG, b + BUCKET_LAST_TS_OFFSET);
        bucketSamples[j] = seg.get(INT, b + BUCKET_SAMPLE_COUNT_OFFSET);
        bucketLevel[j] = seg.get(INT, b + BUCKET_LEVEL_OFFSET);
        bucketOccupied[j] = seg.get(INT, b + BUCKET_OCCUPIED_OFFSET);
        bucketInOrder[j] = seg.get(INT, b + BUCKET_IN_ORDER_OFFSET) != 0;
        bucketRuns[j] = seg.get(INT, b + BUCKET_RUN_COUNT_OFFSET);
        bucketFirstRun[j] = seg.get(INT, b + BUCKET_FIRST_RUN_OFFSET);
        bucketLastRun[j] = seg.get(INT, b + BUCKET_LAST_RUN_OFFSET);
        bucketFirstValue[j] = seg.get(LONG, b + BUCKET_FIRST_VALUE_OFFSET);
        bucketLastValue[j] = seg.get(LONG, b + BUCKET_LAST_VALUE_OFFSET);
        bucketRunSquares[j] = seg.get(DOUBLE, b + BUCKET_RUN_SQUARES_OFFSET);
        bucketRunEntropy[j] = seg.get(DOUBLE, b + BUCKET_RUN_ENTROPY_OFFSET);
        MemorySegment.copy(seg, b + BUCKET_TABLE_OFFSET, tablesSegment, (long) j * capacity * SLOT_LENGTH,
            (long) capacity * SLOT_LENGTH);
        copied = j + 1;
    }

    /** After a validated copy: computes the answer from the scratch. */
    void finish(int capacity) {
        distinct = l1 = l2 = entropy = 0;
        distinctErrorBound = l1ErrorBound = l2ErrorBound = entropyErrorBound = 0;
        exact = true;
        samplingLevel = 0;
        if (copied == 0) {
            return;
        }
        int level = 0;
        for (int j = 0; j < copied; j++) {
            level = Math.max(level, bucketLevel[j]);
        }
        if (fromRuns()) {
            return;
        }
        samplingLevel = level;
        mergeTables(capacity, level);
        if (l1 <= 0) {
            distinct = l1 = l2 = entropy = 0;
            distinctErrorBound = l1ErrorBound = l2ErrorBound = entropyErrorBound = 0;
        }
    }

    /**
     * Distinct, l2 and entropy from run statistics, when every bucket of the window was filled in time
     * order with non-decreasing values and the buckets chain in value order (so a value never comes
     * back). Exact with whole buckets; an edge bucket keeps its boundary run exactly (the window covers
     * the head or tail of an in-order bucket: min(run, w * n) of it) and scales its other runs by the
     * share of their samples inside. False when some bucket does not allow it.
     */
    private boolean fromRuns() {
        double runs = 0, squares = 0, xlogx = 0, samples = 0;
        double bRuns = 0, bSquares = 0, bX = 0, bSamples = 0;
        long openValue = 0;
        double openRun = 0;
        for (int j = 0; j < copied; j++) {
            double w = bucketWeight[j];
            long n = bucketSamples[j];
            if (!bucketInOrder[j] || n <= 0 || (w < 1.0 && j > 0 && j < copied - 1)) {
                return false;
            }
            if (w < 1.0 && copied == 1) {
                // the window lies inside one in-order bucket: one run keeps its value, more scale by w
                int r = bucketRuns[j];
                double last = bucketLastRun[j];
                double inside = w * n;
                double err = Math.max(w, 1.0 - w);
                l1 = inside;
                bSamples = err * n;
                if (r == 1) {
                    runs = 1;
                    squares = inside * inside;
                } else {
                    runs = w * r;
                    squares = w * (bucketRunSquares[j] + last * last);
                    xlogx = w * (bucketRunEntropy[j] + FrequencySketchFlyweight.xLog2x(last));
                    bRuns = err * r;
                    bSquares = err * (bucketRunSquares[j] + last * last);
                    bX = err * (bucketRunEntropy[j] + FrequencySketchFlyweight.xLog2x(last));
                }
                return runsAnswer(runs, squares, xlogx, inside, bRuns, bSquares, bX, bSamples);
            }
            long firstValue = bucketFirstValue[j];
            if (j > 0 && Double.longBitsToDouble(firstValue) < Double.longBitsToDouble(openValue)) {
                return false; // values went down between buckets (a counter reset): a value may come back
            }
            double first = bucketFirstRun[j];
            double last = bucketLastRun[j];
            int r = bucketRuns[j];
            double allSquares = bucketRunSquares[j] + last * last;
            double allX = bucketRunEntropy[j] + FrequencySketchFlyweight.xLog2x(last);
            if (w < 1.0 && j == 0) {
                // leading edge: the window holds the bucket's tail, its last run first
                double inside = w * n;
                double lastIn = Math.min(last, inside);
                if (r > 1) {
                    double rest = n - last;
                    double phi = rest > 0 ? Math.min(1.0, (inside - lastIn) / rest) : 0;
                    double err = Math.max(phi, 1.0 - phi);
                    runs += phi * (r - 1);
                    squares += phi * (allSquares - last * last);
                    xlogx += phi * (allX - FrequencySketchFlyweight.xLog2x(last));
                    bRuns += err * (r - 1);
                    bSquares += err * (allSquares - last * last);
                    bX += err * (allX - FrequencySketchFlyweight.xLog2x(last));
                }
                samples += inside;
                bSamples += Math.max(w, 1.0 - w) * n;
                openRun = lastIn;
                openValue = bucketLastValue[j];
                continue;
            }
            double firstIn = w < 1.0 ? Math.min(first, w * n) : first;
            if (openRun > 0 && firstValue == openValue) {
                openRun += firstIn;
            } else {
                runs += close(openRun);
                squares += openRun * openRun;
                xlogx += FrequencySketchFlyweight.xLog2x(openRun);
                openRun = firstIn;
            }
            if (w < 1.0) {
                // trailing edge: the window holds the bucket's head, its first run first
                double inside = w * n;
                if (r > 1) {
                    double rest = n - first;
                    double phi = rest > 0 ? Math.min(1.0, (inside - firstIn) / rest) : 0;
                    double err = Math.max(phi, 1.0 - phi);
                    double restSquares = allSquares - first * first;
                    double restX = allX - FrequencySketchFlyweight.xLog2x(first);
                    runs += phi * (r - 1);
                    squares += phi * restSquares;
                    xlogx += phi * restX;
                    bRuns += err * (r - 1);
                    bSquares += err * restSquares;
                    bX += err * restX;
                }
                samples += inside;
                bSamples += Math.max(w, 1.0 - w) * n;
                openValue = bucketLastValue[j];
                continue;
            }
            samples += n;
            if (r > 1) {
                // the closed sums of the bucket hold its first run and its middle runs
                runs += close(openRun) + r - 2;
                squares += openRun * openRun + bucketRunSquares[j] - first * first;
                xlogx += FrequencySketchFlyweight.xLog2x(openRun) + bucketRunEntropy[j] - FrequencySketchFlyweight.xLog2x(first);
                openRun = last;
            }
            openValue = bucketLastValue[j];
        }
        runs += close(openRun);
        squares += openRun * openRun;
        xlogx += FrequencySketchFlyweight.xLog2x(openRun);
        return runsAnswer(runs, squares, xlogx, samples, bRuns, bSquares, bX, bSamples);
    }

    private boolean runsAnswer(double runs, double squares, double xlogx, double samples,
                               double bRuns, double bSquares, double bX, double bSamples) {
        l1 = samples;
        if (l1 <= 0) {
            l1 = 0;
            return true;
        }
        distinct = clamp(runs, Math.min(1.0, l1), l1);
        l2 = Math.sqrt(squares);
        entropy = clamp(entropyOf(l1, xlogx), 0, Math.log(Math.max(1.0, distinct)) / LN2);
        exact = bSamples == 0;
        if (!exact) {
            l1ErrorBound = bSamples / l1;
            distinctErrorBound = (bRuns + bSamples) / distinct;
            double l2Lo = Math.sqrt(Math.max(0.0, squares - bSquares - bSamples));
            l2ErrorBound = Math.max(l2 - l2Lo, Math.sqrt(squares + bSquares + bSamples) - l2) / l2;
            double bH = bX / l1 + bSamples * (1.0 / (l1 * LN2) + Math.abs(xlogx) / (l1 * l1));
            entropyErrorBound = entropy > 0 ? bH / entropy : bH;
        }
        return true;
    }

    private static double close(double openRun) {
        return openRun > 0 ? 1 : 0;
    }

    private static double entropyOf(double total, double sumXLog2X) {
        double h = Math.log(total) / LN2 - sumXLog2X / total;
        return h < 0 ? 0 : h;
    }

    private void mergeTables(int capacity, int level) {
        int occupiedTotal = 0;
        for (int j = 0; j < copied; j++) {
            occupiedTotal += Math.max(0, Math.min(bucketOccupied[j], capacity));
        }
        int mapCapacity = Math.min(mapKey.length, Math.max(16, Integer.highestOneBit(Math.max(1, occupiedTotal)) << 2));
        int mapShift = 64 - Integer.numberOfTrailingZeros(mapCapacity);
        int mask = mapCapacity - 1;
        Arrays.fill(mapKey, 0, mapCapacity, 0L);
        boolean straddles = false;
        boolean saturated = false;
        double l1Sum = 0;
        double l1Bound = 0;
        final double quantum = (double) width / QUANTA;
        // buckets by descending level (insertion sort of at most bucketCount indices)
        for (int p = 0; p < copied; p++) {
            int j = p;
            while (j > 0 && bucketLevel[bucketOrder[j - 1]] < bucketLevel[p]) {
                bucketOrder[j] = bucketOrder[j - 1];
                j--;
            }
            bucketOrder[j] = p;
        }
        for (int p = 0; p < copied; p++) {
            final int j = bucketOrder[p];
            final double wb = bucketWeight[j];
            final boolean wholeBucket = wb >= 1.0;
            // the window and the bucket's sample span as offsets o = ts - 1 - kW: ts in (s, e] <=> o in [a, z)
            final double a = (double) (startExclusiveMs() - bucketStart[j]);
            final double z = (double) (endInclusiveMs() - bucketStart[j]);
            final double spanLo = (double) (bucketFirstTs[j] - 1 - bucketStart[j]);
            final double spanHi = (double) (bucketLastTs[j] - bucketStart[j]);
            double tracked = 0;
            double trackedInside = 0;
            int from = j * capacity;
            // an edge bucket where values straddling the window edge hold a good part of the samples (a
            // gauge dwelling on a few values): they share what the bucket's time weight leaves after the
            // values certainly inside (samples are regular in time, values need not be spread evenly over
            // their span). With few straddlers (values seen once or twice) their quanta place them better.
            // A sampled edge bucket (level > 0: many values, i.i.d.-like within 1/B of the window) spreads
            // every value by the bucket's time weight: far less variance than the few sampled values
            // whose quanta fall inside a narrow window.
            final boolean byTime = !wholeBucket && bucketLevel[j] > 0;
            double rho = 1.0;
            double straddleMass = 0;
            if (!wholeBucket && !byTime) {
                double all = 0, certain = 0, straddle = 0;
                for (int s = from; s < from + capacity; s++) {
                    long e = tables[s];
                    if (e != 0) {
                        double c = FrequencySketchDescriptor.count(e);
                        double wv = valueWeight(e, quantum, spanLo, spanHi, a, z);
                        all += c;
                        if (wv >= 1.0) {
                            certain += c;
                        } else if (wv > 0) {
                            straddle += wv * c;
                            straddleMass += c;
                        }
                    }
                }
                if (straddle > 0 && straddleMass >= 0.25 * all) {
                    rho = Math.max(0.0, wb * all - certain) / straddle;
                } else {
                    straddleMass = 0;
                }
            }
            for (int s = from; s < from + capacity; s++) {
                long e = tables[s];
                if (e == 0) {
                    continue;
                }
                double c = FrequencySketchDescriptor.count(e);
                saturated |= c >= COUNT_MAX;
                tracked += c;
                double wv = 1.0;
                if (byTime) {
                    wv = wb;
                    straddles = true;
                } else if (!wholeBucket) {
                    wv = valueWeight(e, quantum, spanLo, spanHi, a, z);
                    if (wv > 0 && wv < 1.0) {
                        straddles = true;
                        if (straddleMass == 0) {
                            l1Bound += Math.max(wv, 1.0 - wv) * c;
                        }
                        wv = Math.min(wv * rho, 0.999999);
                    }
                }
                trackedInside += wv * c;
                long key = e & HASH_MASK;
                int i = (int) (FrequencySketchDescriptor.spread(key) << 32 >>> mapShift) & mask;
                while (mapKey[i] != 0 && mapKey[i] != key) {
                    i = (i + 1) & mask;
                }
                if (mapKey[i] == 0) {
                    mapKey[i] = key;
                    mapWhole[i] = mapEdge[i] = mapEdgeWeighted[i] = mapEdgeVariance[i] = mapAbsentLog[i] = 0;
                    mapFlags[i] = 0;
                    mapPinnedPrefix[i] = 0;
                    mapPinLevel[i] = -1;
                }
                if (FrequencySketchDescriptor.pinned(e)) {
                    mapPinLevel[i] = Math.max(mapPinLevel[i], FrequencySketchDescriptor.pinLevel(e));
                    if (mapPinnedPrefix[i] == p) {
                        mapPinnedPrefix[i] = p + 1;
                    }
                }
                if (wv <= 0) {
                    continue; // outside the window: known to contribute nothing
                }
                if (wv >= 1.0) {
                    mapWhole[i] += c;
                    mapFlags[i] |= IN_WHOLE_BUCKET;
                } else {
                    mapEdge[i] += c;
                    mapEdgeWeighted[i] += wv * c;
                    mapEdgeVariance[i] += c * wv * (1.0 - wv);
                    mapAbsentLog[i] += c * Math.log1p(-wv);
                }
            }
            // samples the table does not hold (sampled out or saturated) follow the bucket's weight
            double untracked = Math.max(0, bucketSamples[j] - tracked);
            if (byTime || straddleMass > 0) {
                l1Sum += wb * bucketSamples[j];
                l1Bound += Math.max(wb, 1.0 - wb) * (byTime ? bucketSamples[j] : straddleMass + untracked);
            } else {
                l1Sum += trackedInside + wb * untracked;
                l1Bound += Math.max(wb, 1.0 - wb) * untracked;
            }
        }
        l1 = l1Sum;
        exact = level == 0 && !straddles && !saturated;
        if (l1 <= 0) {
            return;
        }
        double d = 0, f2 = 0, xlogx = 0;
        double varD = 0, varF2 = 0, varX = 0;
        double edgeD = 0, edgeF2 = 0, edgeX = 0;
        for (int i = 0; i < mapCapacity; i++) {
            long key = mapKey[i];
            if (key == 0) {
                continue;
            }
            // tracked in every bucket iff its hash level reaches the highest level of the buckets not pinning it
            int prefix = mapPinnedPrefix[i];
            int needed = Math.max(mapPinLevel[i], prefix < copied ? bucketLevel[bucketOrder[prefix]] : 0);
            if (FrequencySketchDescriptor.level(key) < needed) {
                continue;
            }
            double s = Math.scalb(1.0, needed);
            double whole = mapWhole[i];
            double f = whole + mapEdgeWeighted[i];
            double present = (mapFlags[i] & IN_WHOLE_BUCKET) != 0 ? 1.0 : -Math.expm1(mapAbsentLog[i]);
            double sq = f * f + mapEdgeVariance[i];
            double xl = expectedXLog2X(whole, mapEdge[i], mapEdgeWeighted[i], mapEdgeVariance[i]);
            d += s * present;
            f2 += s * sq;
            xlogx += s * xl;
            if (s > 1.0) {
                double v = s * (s - 1.0);
                varD += v * present * present;
                varF2 += v * sq * sq;
                varX += v * xl * xl;
            }
            double edge = mapEdge[i];
            if (edge > 0) {
                double hi = whole + edge;
                edgeD += s * Math.max(present, 1.0 - present);
                edgeF2 += s * Math.max(hi * hi - sq, sq - whole * whole);
                double xHi = FrequencySketchFlyweight.xLog2x(hi);
                double xLo = FrequencySketchFlyweight.xLog2x(whole);
                edgeX += s * Math.max(xHi - xl, xl - xLo);
            }
        }
        // consistency: 1 <= distinct <= l1 and l1 / sqrt(distinct) <= l2 <= l1 hold for any multiset
        distinct = clamp(d, Math.min(1.0, l1), l1);
        double l2Low = Math.max(Math.sqrt(l1), l1 / Math.sqrt(distinct));
        l2 = clamp(Math.sqrt(f2), Math.min(l2Low, l1), l1);
        entropy = clamp(entropyOf(l1, xlogx), 0, Math.log(Math.max(1.0, distinct)) / LN2);
        double bD = 3 * Math.sqrt(varD) + edgeD;
        double bF2 = 3 * Math.sqrt(varF2) + edgeF2;
        double bX = 3 * Math.sqrt(varX) + edgeX;
        distinctErrorBound = bD / distinct;
        l1ErrorBound = l1Bound / l1;
        double l2Lo = Math.sqrt(Math.max(0.0, l2 * l2 - bF2));
        l2ErrorBound = Math.max(l2 - l2Lo, Math.sqrt(l2 * l2 + bF2) - l2) / l2;
        // H = log2(N) - X/N: an error in X moves H by dX/N, an error in N by dN * (1/(N ln2) + X/N^2)
        double bH = bX / l1 + l1Bound * (1.0 / (l1 * LN2) + Math.abs(xlogx) / (l1 * l1));
        entropyErrorBound = entropy > 0 ? bH / entropy : bH;
    }

    /**
     * E[f log2 f] for f = whole + X, X the number of a value's {@code edge} edge-bucket samples that
     * fall inside the window, with mean m and variance var: f log f of the mean would undercount
     * (Jensen), most for values seen a few times, where X is summed as a Binomial(edge, m / edge)
     * variable; for larger means a second-order term suffices.
     */
    static double expectedXLog2X(double whole, double edge, double m, double var) {
        if (var <= 0 || m <= 0 || edge <= 0) {
            return FrequencySketchFlyweight.xLog2x(whole + m);
        }
        double mean = whole + m;
        double p = m / edge;
        if (m >= 8 || p >= 1.0) {
            return FrequencySketchFlyweight.xLog2x(mean) + var / (2.0 * mean * LN2);
        }
        int n = (int) edge;
        double pk = Math.pow(1.0 - p, n);
        double odds = p / (1.0 - p);
        double sum = pk * FrequencySketchFlyweight.xLog2x(whole);
        int kMax = (int) Math.min(n, m + 6 * Math.sqrt(m) + 6);
        for (int k = 0; k < kMax; k++) {
            pk *= (double) (n - k) / (k + 1) * odds;
            sum += pk * FrequencySketchFlyweight.xLog2x(whole + k + 1);
        }
        return sum;
    }

    /** The share of a value's time span in an edge bucket (from its first / last seen quanta) inside [a, z). */
    private static double valueWeight(long e, double quantum, double spanLo, double spanHi, double a, double z) {
        double lo = Math.max(FrequencySketchDescriptor.firstQuantum(e) * quantum, spanLo);
        double hi = Math.min((FrequencySketchDescriptor.lastQuantum(e) + 1) * quantum, spanHi);
        if (hi <= lo) {
            hi = lo + 1;
        }
        double overlap = Math.min(hi, z) - Math.max(lo, a);
        return overlap <= 0 ? 0 : Math.min(1.0, overlap / (hi - lo));
    }

    private static double clamp(double x, double lo, double hi) {
        return x < lo ? lo : (x > hi ? hi : x);
    }

    @Override
    public String toString() {
        return "FrequencyResult{(" + startExclusiveMs() + ", " + endInclusiveMs() + "] distinct=" + distinct + ", l1=" + l1
            + ", l2=" + l2 + ", entropy=" + entropy + ", exact=" + exact + ", level=" + samplingLevel + ", covered="
            + covered() + ", bounds=" + distinctErrorBound + "/" + l1ErrorBound + "/" + l2ErrorBound + "/"
            + entropyErrorBound + "}";
    }
}
