package io.weir.net.otlp;

import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.weir.net.remotewrite.Utf8;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

import static io.weir.net.remotewrite.RemoteWriteStatus.BAD_PROTOBUF;
import static io.weir.net.remotewrite.RemoteWriteStatus.OK;

/**
 * Thread-confined (one per event loop) decoder of OTLP {@code ExportMetricsServiceRequest} protobuf bodies into
 * Prometheus series, translated as Prometheus 2.53's OTLP receiver does (unit and type suffixes on):
 * <pre>
 *   ExportMetricsServiceRequest { 1: repeated ResourceMetrics }
 *   ResourceMetrics  { 1: Resource   2: repeated ScopeMetrics }     Resource { 1: repeated KeyValue attributes }
 *   ScopeMetrics     { 1: InstrumentationScope (ignored, as Prometheus 2.x)   2: repeated Metric }
 *   Metric           { 1: name  3: unit  5: Gauge  7: Sum  9: Histogram  10: ExponentialHistogram  11: Summary }
 *   Gauge/Sum/Histogram/ExponentialHistogram/Summary { 1: repeated points  2: temporality  3: is_monotonic (Sum) }
 *   NumberDataPoint    { 7: attributes  3: time_unix_nano  4: as_double  6: as_int  8: flags }
 *   HistogramDataPoint { 9: attributes  3: time  4: count  5: sum  6: bucket_counts  7: explicit_bounds  10: flags
 *                        8: exemplars }
 *   ExponentialHistogramDataPoint { 1: attributes  3: time  4: count  5: sum  6: scale  7: zero_count  8/9: buckets
 *                        10: flags  11: exemplars  14: zero_threshold }
 *   SummaryDataPoint   { 7: attributes  3: time  4: count  5: sum  6: quantile_values {1: quantile  2: value}  8: flags }
 *   KeyValue { 1: key  2: AnyValue { 1: string 2: bool 3: int 4: double 5: array 6: kvlist 7: bytes } }
 * </pre>
 * Series: gauges and non-monotonic sums keep their name, monotonic sums get {@code _total}; histograms become
 * {@code _bucket{le}} (cumulative, ending in {@code +Inf} = count), {@code _sum} (when set) and {@code _count};
 * summaries {@code {quantile}}, {@code _sum}, {@code _count}; exponential histograms one native histogram each (kept
 * as the request's extras, see {@link NativeHistogramWriter}); exemplars remote write exemplars on their series. {@code job} = {@code service.namespace/service.name},
 * {@code instance} = {@code service.instance.id}; the other resource attributes go on one {@code target_info} series
 * (value 1, at the resource's latest point). Timestamps ns -> ms (truncated); the NoRecordedValue flag becomes the
 * Prometheus stale marker.
 * <p>
 * Fields may come in any order (the resource after its metrics, a Sum's temporality after its points); unknown fields
 * are skipped by wire type. Where a singular message field (a ResourceMetrics' resource, a Metric's data) appears
 * twice, the last one is used, where protobuf-java would merge the two; senders do not split these.
 * <p>
 * A body that is not a well-formed request is refused whole ({@link RemoteWriteStatus#BAD_PROTOBUF}, nothing kept). A
 * well-formed request keeps every point it can translate; the others (delta or unspecified temporality, exponential
 * histogram scales below -4, bucket counts that do not match the bounds, labels Prometheus would refuse) are counted in
 * {@link #rejectedPoints()} with a message, the OTLP partial-success answer. Label text is built into the
 * {@link DecodedWriteRequest}'s buffer; points, buckets and attributes cost no allocation once the buffers have grown
 * (attribute values of array, map, bytes or double type do allocate: they are rare and formatted as text).
 */
public final class OtlpMetricsDecoder {
    private static final int VARINT = 0;
    private static final int I64 = 1;
    private static final int LEN = 2;
    private static final int START_GROUP = 3;
    private static final int END_GROUP = 4;
    private static final int I32 = 5;

    private static final int CUMULATIVE = 2;
    private static final int NO_RECORDED_VALUE = 1;
    /** Prometheus' stale marker (value.StaleNaN). */
    static final long STALE_NAN_BITS = io.weir.engine.sketch.StaleMarker.BITS;
    private static final int MAX_JSON_DEPTH = 32;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final byte[] NAME = ascii("__name__");
    private static final byte[] JOB = ascii("job");
    private static final byte[] INSTANCE = ascii("instance");
    private static final byte[] LE = ascii("le");
    private static final byte[] QUANTILE = ascii("quantile");
    private static final byte[] PLUS_INF = ascii("+Inf");
    private static final byte[] BUCKET = ascii("_bucket");
    private static final byte[] SUM = ascii("_sum");
    private static final byte[] COUNT = ascii("_count");
    private static final byte[] NONE = new byte[0];
    private static final byte[] TARGET_INFO = ascii("target_info");
    private static final byte[] SERVICE_NAME = ascii("service.name");
    private static final byte[] SERVICE_NAMESPACE = ascii("service.namespace");
    private static final byte[] SERVICE_INSTANCE_ID = ascii("service.instance.id");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");

    /** Thrown inside the parser only, caught by {@link #decode}; preallocated, no stack trace. */
    private static final class Abort extends RuntimeException {
        Abort() {
            super(null, null, false, false);
        }
    }

    private static final Abort ABORT = new Abort();

    private final AttributeTable resourceAttrs = new AttributeTable();
    private final AttributeTable pointAttrs = new AttributeTable();
    private final MetricNamer namer = new MetricNamer();
    private final FloatText.PlainCache floatLabels = new FloatText.PlainCache();

    private byte[] b;
    private int pos;
    private DecodedWriteRequest out;
    private int errorCode;
    private String errorMessage;

    private long rejectedPoints;
    private int rejectedMetrics;
    private String firstRejection;

    // resource state
    private boolean hasJob;
    private boolean hasInstance;
    private boolean hasNamespace;
    private final Text job = new Text();
    private final Text namespace = new Text();
    private final Text instance = new Text();
    private long resourceLatestNanos;

    // metric state
    private int metricNameOff;
    private int metricNameLen;
    private byte[] seriesName = new byte[256];

    // point scratch
    private final Text value = new Text();
    private long[] bucketCounts = new long[32];
    private int bucketCountN;
    private double[] bounds = new double[32];
    private int boundN;
    private double[] quantiles = new double[16];
    private double[] quantileValues = new double[16];
    private int quantileN;

    /** @return what was wrong with the last body that did not decode, or null after OK */
    public String errorMessage() { return errorMessage; }

    /** @return data points of the last decoded request that were not translated (OTLP partial success) */
    public long rejectedPoints() { return rejectedPoints; }

    /** @return why points were refused (the first reason, and how many metrics had refused points), or null */
    public String rejectionMessage() {
        if (firstRejection == null) {
            return null;
        }
        return rejectedMetrics > 1 ? firstRejection + " (and points of " + (rejectedMetrics - 1) + " more metrics refused)"
                : firstRejection;
    }

    /**
     * Decodes and translates one request body into {@code out} (cleared first). Bad arguments are a caller bug and
     * throw IndexOutOfBoundsException; bad bodies never throw.
     *
     * @return {@link RemoteWriteStatus#OK}, or {@link RemoteWriteStatus#BAD_PROTOBUF} with {@code out} empty
     */
    public int decode(byte[] body, int off, int len, DecodedWriteRequest out) {
        Objects.checkFromIndexSize(off, len, body.length);
        out.clear();
        errorMessage = null;
        rejectedPoints = 0;
        rejectedMetrics = 0;
        firstRejection = null;
        this.out = out;
        b = body;
        try {
            pos = off;
            int end = off + len;
            while (pos < end) {
                long tag = readTag(end);
                int field = (int) (tag >>> 3);
                int wireType = (int) tag & 7;
                if (field == 1) {
                    parseResourceMetrics(endOf(wireType, end, "ExportMetricsServiceRequest.resource_metrics"));
                } else {
                    skipField(field, wireType, end);
                }
            }
        } catch (Abort a) {
            out.clear();
            rejectedPoints = 0;
            rejectedMetrics = 0;
            firstRejection = null;
                return errorCode;
        } finally {
            b = null;
            this.out = null;
        }
        return OK;
    }

    // ---- resource ----

    private void parseResourceMetrics(int end) {
        int start = pos;
        int resourceOff = -1;
        int resourceEnd = -1;
        while (pos < end) { // first pass: the resource may follow its metrics on the wire
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                resourceEnd = endOf(wireType, end, "ResourceMetrics.resource");
                resourceOff = pos;
                pos = resourceEnd;
            } else {
                skipField(field, wireType, end);
            }
        }
        resourceAttrs.clear(b);
        hasJob = false;
        hasInstance = false;
        hasNamespace = false;
        resourceLatestNanos = 0;
        if (resourceOff >= 0) {
            pos = resourceOff;
            while (pos < resourceEnd) {
                long tag = readTag(resourceEnd);
                int field = (int) (tag >>> 3);
                int wireType = (int) tag & 7;
                if (field == 1) {
                    parseResourceAttribute(endOf(wireType, resourceEnd, "Resource.attributes"));
                } else {
                    skipField(field, wireType, resourceEnd);
                }
            }
        }
        resourceAttrs.finish();
        if (hasJob && hasNamespace) {
            job.prepend(namespace, (byte) '/');
        }
        pos = start;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 2) {
                parseScopeMetrics(endOf(wireType, end, "ResourceMetrics.scope_metrics"));
            } else {
                skipField(field, wireType, end);
            }
        }
        addTargetInfo();
    }

    private void parseResourceAttribute(int end) {
        int keyLen = parseKeyValue(end);
        int keyOff = keyValueKeyOff;
        if (is(keyOff, keyLen, SERVICE_NAME)) {
            hasJob = true;
            job.set(value);
        } else if (is(keyOff, keyLen, SERVICE_NAMESPACE)) {
            hasNamespace = true;
            namespace.set(value);
        } else if (is(keyOff, keyLen, SERVICE_INSTANCE_ID)) {
            hasInstance = true;
            instance.set(value);
        } else {
            resourceAttrs.add(keyOff, keyLen, value.bytes, 0, value.length);
        }
    }

    /** target_info: the resource's other attributes, when it has any and a job or instance to join them on. */
    private void addTargetInfo() {
        if (resourceLatestNanos == 0 || resourceAttrs.size() == 0 || !(hasJob || hasInstance)) {
            return;
        }
        int first = out.seriesCount();
        setSeriesName(TARGET_INFO, 0, TARGET_INFO.length, NONE);
        int code = addSeries(resourceAttrs, null, null, Long.divideUnsigned(resourceLatestNanos, 1_000_000L), 1.0);
        if (code != OK) {
            rollback(first);
            rejectedPoints++;
            rejectedMetrics++;
            if (firstRejection == null) {
                firstRejection = "target_info of a resource refused: " + RemoteWriteStatus.name(code);
            }
        }
    }

    // ---- metrics ----

    private void parseScopeMetrics(int end) {
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 2) {
                parseMetric(endOf(wireType, end, "ScopeMetrics.metrics"));
            } else {
                skipField(field, wireType, end); // the scope: Prometheus 2.x does not turn it into labels
            }
        }
    }

    private void parseMetric(int end) {
        int nameOff = 0;
        int nameLen = 0;
        int unitOff = 0;
        int unitLen = 0;
        int dataField = 0;
        int dataOff = 0;
        int dataEnd = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> {
                    nameLen = lengthOf(wireType, end, "Metric.name");
                    nameOff = pos;
                    pos += nameLen;
                }
                case 3 -> {
                    unitLen = lengthOf(wireType, end, "Metric.unit");
                    unitOff = pos;
                    pos += unitLen;
                }
                case 5, 7, 9, 10, 11 -> {
                    dataEnd = endOf(wireType, end, "Metric.data");
                    dataField = field;
                    dataOff = pos;
                    pos = dataEnd;
                }
                default -> skipField(field, wireType, end);
            }
        }
        checkUtf8(nameOff, nameLen, "Metric.name");
        checkUtf8(unitOff, unitLen, "Metric.unit");
        metricNameOff = nameOff;
        metricNameLen = nameLen;
        if (dataField == 0) {
            return; // no data: nothing to keep, nothing lost
        }
        pos = dataOff;
        switch (dataField) {
            case 5 -> {
                namer.build(b, nameOff, nameLen, unitOff, unitLen, MetricNamer.GAUGE);
                parsePoints(dataEnd, MetricNamer.GAUGE);
            }
            case 7 -> {
                long flags = scanAggregation(dataEnd);
                int temporality = (int) (flags >>> 1);
                if (temporality != CUMULATIVE) {
                    refuseAll(dataEnd, temporalityProblem("sum", temporality));
                } else {
                    int kind = (flags & 1) != 0 ? MetricNamer.COUNTER : MetricNamer.UP_DOWN;
                    namer.build(b, nameOff, nameLen, unitOff, unitLen, kind);
                    parsePoints(dataEnd, kind);
                }
            }
            case 9 -> {
                int temporality = (int) (scanAggregation(dataEnd) >>> 1);
                if (temporality != CUMULATIVE) {
                    refuseAll(dataEnd, temporalityProblem("histogram", temporality));
                } else {
                    namer.build(b, nameOff, nameLen, unitOff, unitLen, MetricNamer.HISTOGRAM);
                    parsePoints(dataEnd, MetricNamer.HISTOGRAM);
                }
            }
            case 10 -> {
                int temporality = (int) (scanAggregation(dataEnd) >>> 1);
                if (temporality != CUMULATIVE) {
                    refuseAll(dataEnd, temporalityProblem("exponential histogram", temporality));
                } else {
                    namer.build(b, nameOff, nameLen, unitOff, unitLen, MetricNamer.HISTOGRAM);
                    parsePoints(dataEnd, EXPONENTIAL);
                }
            }
            default -> {
                namer.build(b, nameOff, nameLen, unitOff, unitLen, MetricNamer.SUMMARY);
                parsePoints(dataEnd, MetricNamer.SUMMARY);
            }
        }
        pos = end;
    }

    private static String temporalityProblem(String type, int temporality) {
        return temporality == 1
                ? "delta temporality is not supported (Prometheus keeps cumulative " + type + "s only; "
                        + "configure the exporter for cumulative temporality)"
                : "aggregation temporality " + temporality + " is not valid for a " + type + " (want CUMULATIVE = 2)";
    }

    /** @return temporality << 1 | is_monotonic, read from a Sum/Histogram without its points; pos is left at the start */
    private long scanAggregation(int end) {
        int start = pos;
        long temporality = 0;
        long monotonic = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 2) {
                expectWireType(wireType, VARINT, "aggregation_temporality");
                temporality = readVarint(end) & 0xFFFF_FFFFL;
            } else if (field == 3) {
                expectWireType(wireType, VARINT, "Sum.is_monotonic");
                monotonic = readVarint(end) != 0 ? 1 : 0;
            } else {
                skipField(field, wireType, end);
            }
        }
        pos = start;
        return Math.min(temporality, 1 << 20) << 1 | monotonic;
    }

    /** Counts (and checks one level deep) the points of a metric that is refused whole. */
    private void refuseAll(int end, String why) {
        long points = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                int pointEnd = endOf(wireType, end, "data_points");
                points++;
                while (pos < pointEnd) {
                    long t = readTag(pointEnd);
                    int f = (int) (t >>> 3);
                    int w = (int) t & 7;
                    if (f == 3 && w == I64) {
                        latest(readFixed64(pointEnd));
                    } else {
                        skipField(f, w, pointEnd);
                    }
                }
            } else {
                skipField(field, wireType, end);
            }
        }
        if (points > 0) {
            refuse(points, why);
        }
    }

    private void refuse(long points, String why) {
        rejectedPoints += points;
        rejectedMetrics++;
        if (firstRejection == null) {
            firstRejection = "metric \"" + new String(b, metricNameOff, metricNameLen, StandardCharsets.UTF_8) + "\": "
                    + points + " point" + (points == 1 ? "" : "s") + " refused: " + why;
        }
    }

    private void parsePoints(int end, int kind) {
        long refusedHere = 0;
        String why = null;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                int pointEnd = endOf(wireType, end, "data_points");
                String problem = switch (kind) {
                    case MetricNamer.HISTOGRAM -> histogramPoint(pointEnd);
                    case EXPONENTIAL -> exponentialPoint(pointEnd);
                    case MetricNamer.SUMMARY -> summaryPoint(pointEnd);
                    default -> numberPoint(pointEnd);
                };
                if (problem != null) {
                    refusedHere++;
                    if (why == null) {
                        why = problem;
                    }
                }
                pos = pointEnd;
            } else {
                skipField(field, wireType, end);
            }
        }
        if (refusedHere > 0) {
            refuse(refusedHere, why);
        }
    }

    // ---- points; each returns null when its series were added, else why the point was refused ----

    private String numberPoint(int end) {
        pointAttrs.clear(b);
        exemplarN = 0;
        exemplarText.length = 0;
        long time = 0;
        long valueBits = 0;
        long flags = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 7 -> pointAttribute(endOf(wireType, end, "NumberDataPoint.attributes"));
                case 3 -> {
                    expectWireType(wireType, I64, "NumberDataPoint.time_unix_nano");
                    time = readFixed64(end);
                }
                case 4 -> {
                    expectWireType(wireType, I64, "NumberDataPoint.as_double");
                    valueBits = readFixed64(end);
                }
                case 6 -> {
                    expectWireType(wireType, I64, "NumberDataPoint.as_int");
                    valueBits = Double.doubleToRawLongBits((double) readFixed64(end));
                }
                case 8 -> {
                    expectWireType(wireType, VARINT, "NumberDataPoint.flags");
                    flags = readVarint(end);
                }
                case 5 -> parseExemplar(endOf(wireType, end, "NumberDataPoint.exemplars"));
                default -> skipField(field, wireType, end);
            }
        }
        latest(time);
        pointAttrs.finish();
        double v = (flags & NO_RECORDED_VALUE) != 0 ? Double.longBitsToDouble(STALE_NAN_BITS) : Double.longBitsToDouble(valueBits);
        int first = out.seriesCount();
        setSeriesName(namer.name(), 0, namer.nameLength(), NONE);
        int s = openSeries(pointAttrs, null, null);
        out.addSample(Long.divideUnsigned(time, 1_000_000L), v);
        attachExemplars(Double.POSITIVE_INFINITY, true);
        int code = out.finishSeries(s);
        return code == OK ? null : labelProblem(first, code);
    }

    private String histogramPoint(int end) {
        pointAttrs.clear(b);
        exemplarN = 0;
        exemplarText.length = 0;
        long time = 0;
        long count = 0;
        long sumBits = 0;
        boolean hasSum = false;
        long flags = 0;
        bucketCountN = 0;
        boundN = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 9 -> pointAttribute(endOf(wireType, end, "HistogramDataPoint.attributes"));
                case 3 -> {
                    expectWireType(wireType, I64, "HistogramDataPoint.time_unix_nano");
                    time = readFixed64(end);
                }
                case 4 -> {
                    expectWireType(wireType, I64, "HistogramDataPoint.count");
                    count = readFixed64(end);
                }
                case 5 -> {
                    expectWireType(wireType, I64, "HistogramDataPoint.sum");
                    sumBits = readFixed64(end);
                    hasSum = true;
                }
                case 6 -> readFixed64s(wireType, end, true, "HistogramDataPoint.bucket_counts");
                case 7 -> readFixed64s(wireType, end, false, "HistogramDataPoint.explicit_bounds");
                case 10 -> {
                    expectWireType(wireType, VARINT, "HistogramDataPoint.flags");
                    flags = readVarint(end);
                }
                case 8 -> parseExemplar(endOf(wireType, end, "HistogramDataPoint.exemplars"));
                default -> skipField(field, wireType, end);
            }
        }
        latest(time);
        if (bucketCountN != 0 && bucketCountN != boundN + 1) {
            return bucketCountN + " bucket counts for " + boundN + " explicit bounds (want " + (boundN + 1) + ")";
        }
        pointAttrs.finish();
        boolean stale = (flags & NO_RECORDED_VALUE) != 0;
        double staleNaN = Double.longBitsToDouble(STALE_NAN_BITS);
        long ts = Long.divideUnsigned(time, 1_000_000L);
        int first = out.seriesCount();
        byte[] base = namer.name();
        int baseLen = namer.nameLength();
        setSeriesName(base, 0, baseLen, BUCKET);
        long cumulative = 0;
        // Each exemplar goes on the first bucket whose bound is >= its value (as Prometheus does): none are attached yet.
        for (int i = 0; i < exemplarN; i++) {
            exAttached[i] = false;
        }
        for (int i = 0; i < bucketCountN - 1; i++) {
            cumulative += bucketCounts[i];
            int s = openSeries(pointAttrs, LE, floatLabels.get(bounds[i]));
            out.addSample(ts, stale ? staleNaN : unsignedToDouble(cumulative));
            attachExemplars(bounds[i], false);
            int code = out.finishSeries(s);
            if (code != OK) {
                return labelProblem(first, code);
            }
        }
        int s = openSeries(pointAttrs, LE, PLUS_INF);
        out.addSample(ts, stale ? staleNaN : unsignedToDouble(count));
        attachExemplars(Double.POSITIVE_INFINITY, false);
        int code = out.finishSeries(s);
        if (code == OK && hasSum) {
            setSeriesName(base, 0, baseLen, SUM);
            code = addSeries(pointAttrs, null, null, ts, stale ? staleNaN : Double.longBitsToDouble(sumBits));
        }
        if (code == OK) {
            setSeriesName(base, 0, baseLen, COUNT);
            code = addSeries(pointAttrs, null, null, ts, stale ? staleNaN : unsignedToDouble(count));
        }
        if (code != OK) {
            return labelProblem(first, code);
        }
        return null;
    }

    // ---- exponential histograms -> native histograms ----
    //   ExponentialHistogramDataPoint { 1: attributes  3: time  4: count  5: sum  6: sint32 scale  7: zero_count
    //                                   8: positive  9: negative  10: flags  11: exemplars  14: zero_threshold }
    //   Buckets { 1: sint32 offset  2: repeated uint64 bucket_counts }

    /** A point kind of its own: exponential histograms are named like histograms but parsed differently. */
    private static final int EXPONENTIAL = 100;
    /** Prometheus' native histograms have schemas -4 .. 8; finer OTLP scales are merged down to 8. */
    private static final int MIN_SCALE = -4;
    private static final int MAX_SCHEMA = 8;
    /** What Prometheus' OTLP translator uses when the point has no zero threshold of its own. */
    private static final double DEFAULT_ZERO_THRESHOLD = 1e-128;

    private long[] positiveCounts = new long[32];
    private int positiveN;
    private int positiveOffset;
    private long[] negativeCounts = new long[32];
    private int negativeN;
    private int negativeOffset;
    private final NativeHistogramWriter histogram = new NativeHistogramWriter();

    private String exponentialPoint(int end) {
        pointAttrs.clear(b);
        exemplarN = 0;
        exemplarText.length = 0;
        positiveN = 0;
        negativeN = 0;
        positiveOffset = 0;
        negativeOffset = 0;
        long time = 0;
        long count = 0;
        long sumBits = 0;
        long zeroCount = 0;
        long zeroThresholdBits = 0;
        int scale = 0;
        long flags = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1 -> pointAttribute(endOf(wireType, end, "ExponentialHistogramDataPoint.attributes"));
                case 3 -> {
                    expectWireType(wireType, I64, "ExponentialHistogramDataPoint.time_unix_nano");
                    time = readFixed64(end);
                }
                case 4 -> {
                    expectWireType(wireType, I64, "ExponentialHistogramDataPoint.count");
                    count = readFixed64(end);
                }
                case 5 -> {
                    expectWireType(wireType, I64, "ExponentialHistogramDataPoint.sum");
                    sumBits = readFixed64(end);
                }
                case 6 -> {
                    expectWireType(wireType, VARINT, "ExponentialHistogramDataPoint.scale");
                    scale = zigZag32(readVarint(end));
                }
                case 7 -> {
                    expectWireType(wireType, I64, "ExponentialHistogramDataPoint.zero_count");
                    zeroCount = readFixed64(end);
                }
                case 8 -> parseBuckets(endOf(wireType, end, "ExponentialHistogramDataPoint.positive"), true);
                case 9 -> parseBuckets(endOf(wireType, end, "ExponentialHistogramDataPoint.negative"), false);
                case 10 -> {
                    expectWireType(wireType, VARINT, "ExponentialHistogramDataPoint.flags");
                    flags = readVarint(end);
                }
                case 11 -> parseExemplar(endOf(wireType, end, "ExponentialHistogramDataPoint.exemplars"));
                case 14 -> {
                    expectWireType(wireType, I64, "ExponentialHistogramDataPoint.zero_threshold");
                    zeroThresholdBits = readFixed64(end);
                }
                default -> skipField(field, wireType, end);
            }
        }
        latest(time);
        if (scale < MIN_SCALE) {
            return "exponential histogram scale " + scale + " is below " + MIN_SCALE + " (native histograms cannot hold it)";
        }
        pointAttrs.finish();
        int scaleDown = Math.max(0, scale - MAX_SCHEMA);
        double zeroThreshold = Double.longBitsToDouble(zeroThresholdBits);
        boolean stale = (flags & NO_RECORDED_VALUE) != 0;
        histogram.begin();
        // A stale point is a histogram whose sum is the stale NaN (and count its bits), as Prometheus writes it.
        histogram.countAndSum(stale ? STALE_NAN_BITS : count, stale ? STALE_NAN_BITS : sumBits);
        histogram.schema(scale - scaleDown);
        histogram.zero(zeroThreshold > 0 ? zeroThreshold : DEFAULT_ZERO_THRESHOLD, zeroCount);
        histogram.buckets(negativeCounts, negativeN, negativeOffset, scaleDown, false);
        histogram.buckets(positiveCounts, positiveN, positiveOffset, scaleDown, true);
        histogram.timestamp(Long.divideUnsigned(time, 1_000_000L));
        int first = out.seriesCount();
        setSeriesName(namer.name(), 0, namer.nameLength(), NONE);
        int s = openSeries(pointAttrs, null, null);
        out.addHistogramMessage(histogram.bytes(), 0, histogram.length());
        attachExemplars(Double.POSITIVE_INFINITY, true);
        int code = out.finishSeries(s);
        return code == OK ? null : labelProblem(first, code);
    }

    private void parseBuckets(int end, boolean positive) {
        if (positive) {
            positiveN = 0;
        } else {
            negativeN = 0;
        }
        int offset = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                expectWireType(wireType, VARINT, "Buckets.offset");
                offset = zigZag32(readVarint(end));
            } else if (field == 2) {
                if (wireType == VARINT) {
                    addBucketCount(readVarint(end), positive);
                } else {
                    int packedEnd = endOf(wireType, end, "Buckets.bucket_counts");
                    while (pos < packedEnd) {
                        addBucketCount(readVarint(packedEnd), positive);
                    }
                }
            } else {
                skipField(field, wireType, end);
            }
        }
        if (positive) {
            positiveOffset = offset;
        } else {
            negativeOffset = offset;
        }
    }

    private void addBucketCount(long v, boolean positive) {
        if (positive) {
            if (positiveN == positiveCounts.length) {
                positiveCounts = Arrays.copyOf(positiveCounts, positiveN * 2);
            }
            positiveCounts[positiveN++] = v;
        } else {
            if (negativeN == negativeCounts.length) {
                negativeCounts = Arrays.copyOf(negativeCounts, negativeN * 2);
            }
            negativeCounts[negativeN++] = v;
        }
    }

    /** A sint32 as protobuf-java reads it: the low 32 bits of the varint, zig-zag decoded. */
    private static int zigZag32(long raw) {
        int n = (int) raw;
        return (n >>> 1) ^ -(n & 1);
    }

    // ---- exemplars ----
    //   Exemplar { 7: filtered_attributes  2: time_unix_nano  3: as_double  6: as_int  4: span_id  5: trace_id }
    // Kept as remote write exemplars: labels trace_id and span_id (hex, when set), then the filtered attributes unless
    // they would make the label set longer than 128 runes (as Prometheus' translator does); ns -> ms.

    private static final int MAX_EXEMPLAR_RUNES = 128;
    private static final byte[] TRACE_ID = ascii("trace_id");
    private static final byte[] SPAN_ID = ascii("span_id");
    private static final byte[] HEX = ascii("0123456789abcdef");

    private int exemplarN;
    private double[] exValue = new double[4];
    private long[] exTimeMs = new long[4];
    private boolean[] exAttached = new boolean[4];
    /** Exemplar e's labels are [exFirstLabel[e], exFirstLabel[e + 1]) of the label arrays below (exFirstLabel[n] = total) */
    private int[] exFirstLabel = new int[5];
    private final Text exemplarText = new Text();
    private int[] exLabelOff = new int[16];
    /** name length, value length pairs */
    private int[] exLabelLens = new int[16];

    private void parseExemplar(int end) {
        int e = exemplarN;
        if (e == exValue.length) {
            exValue = Arrays.copyOf(exValue, e * 2);
            exTimeMs = Arrays.copyOf(exTimeMs, e * 2);
            exAttached = Arrays.copyOf(exAttached, e * 2);
            exFirstLabel = Arrays.copyOf(exFirstLabel, e * 2 + 1);
        }
        int firstLabel = exFirstLabel[e];
        long time = 0;
        double v = 0;
        int traceOff = -1;
        int traceLen = 0;
        int spanOff = -1;
        int spanLen = 0;
        int start = pos;
        while (pos < end) { // first pass: ids and value; attributes follow the ids in the label set
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 2 -> {
                    expectWireType(wireType, I64, "Exemplar.time_unix_nano");
                    time = readFixed64(end);
                }
                case 3 -> {
                    expectWireType(wireType, I64, "Exemplar.as_double");
                    v = Double.longBitsToDouble(readFixed64(end));
                }
                case 6 -> {
                    expectWireType(wireType, I64, "Exemplar.as_int");
                    v = (double) readFixed64(end);
                }
                case 4 -> {
                    spanLen = lengthOf(wireType, end, "Exemplar.span_id");
                    spanOff = pos;
                    pos += spanLen;
                }
                case 5 -> {
                    traceLen = lengthOf(wireType, end, "Exemplar.trace_id");
                    traceOff = pos;
                    pos += traceLen;
                }
                default -> skipField(field, wireType, end);
            }
        }
        int labels = firstLabel;
        int idTextStart = exemplarText.length;
        labels = hexLabel(labels, TRACE_ID, traceOff, traceLen);
        labels = hexLabel(labels, SPAN_ID, spanOff, spanLen);
        int runes = runes(exemplarText.bytes, idTextStart, exemplarText.length - idTextStart);
        int idLabels = labels;
        int idTextEnd = exemplarText.length;
        pos = start;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 7) {
                int kvEnd = endOf(wireType, end, "Exemplar.filtered_attributes");
                int keyLen = parseKeyValue(kvEnd);
                int keyOff = keyValueKeyOff;
                pos = kvEnd;
                runes += runes(b, keyOff, keyLen) + runes(value.bytes, 0, value.length);
                if (keyLen > 0 && value.length > 0) { // an empty value is no label; an empty name none Prometheus takes
                    labels = exemplarLabel(labels, b, keyOff, keyLen, value.bytes, 0, value.length);
                }
            } else {
                skipField(field, wireType, end);
            }
        }
        if (runes > MAX_EXEMPLAR_RUNES) { // the ids alone, as Prometheus keeps them
            labels = idLabels;
            exemplarText.length = idTextEnd;
        }
        exValue[e] = v;
        exTimeMs[e] = Long.divideUnsigned(time, 1_000_000L);
        exFirstLabel[e + 1] = labels;
        exemplarN = e + 1;
    }

    /** Adds label name = hex(b[off .. + len)) unless the id is absent or all zero (pdata's IsEmpty). */
    private int hexLabel(int labels, byte[] name, int off, int len) {
        boolean set = false;
        for (int i = off; i < off + len && off >= 0; i++) {
            set |= b[i] != 0;
        }
        if (!set) {
            return labels;
        }
        labels = exemplarLabel(labels, name, 0, name.length, NONE, 0, 0);
        exemplarText.reserve(2 * len);
        for (int i = off; i < off + len; i++) {
            exemplarText.bytes[exemplarText.length++] = HEX[(b[i] >> 4) & 15];
            exemplarText.bytes[exemplarText.length++] = HEX[b[i] & 15];
        }
        exLabelLens[2 * (labels - 1) + 1] = 2 * len;
        return labels;
    }

    private int exemplarLabel(int labels, byte[] name, int nOff, int nLen, byte[] val, int vOff, int vLen) {
        if (labels == exLabelOff.length) {
            exLabelOff = Arrays.copyOf(exLabelOff, labels * 2);
            exLabelLens = Arrays.copyOf(exLabelLens, labels * 4);
        }
        exLabelOff[labels] = exemplarText.length;
        exemplarText.append(name, nOff, nLen);
        exemplarText.append(val, vOff, vLen);
        exLabelLens[2 * labels] = nLen;
        exLabelLens[2 * labels + 1] = vLen;
        return labels + 1;
    }

    private static int runes(byte[] s, int off, int len) {
        int n = 0;
        for (int i = off; i < off + len; i++) {
            n += (s[i] & 0xC0) != 0x80 ? 1 : 0;
        }
        return n;
    }

    /**
     * Adds the point's exemplars to the open series: all of them ({@code all}), or those not yet attached whose value
     * is at most {@code bound} (a classic histogram's bucket, as Prometheus places them).
     */
    private void attachExemplars(double bound, boolean all) {
        for (int e = 0; e < exemplarN; e++) {
            if (!all && (exAttached[e] || !(exValue[e] <= bound))) {
                continue;
            }
            exAttached[e] = true;
            out.addExemplar(exValue[e], exTimeMs[e]);
            byte[] text = exemplarText.bytes;
            for (int l = exFirstLabel[e]; l < exFirstLabel[e + 1]; l++) {
                int nLen = exLabelLens[2 * l];
                int at = exLabelOff[l];
                out.addExemplarLabelCopy(text, at, nLen, text, at + nLen, exLabelLens[2 * l + 1]);
            }
        }
    }

    private String summaryPoint(int end) {
        pointAttrs.clear(b);
        long time = 0;
        long count = 0;
        long sumBits = 0;
        long flags = 0;
        quantileN = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 7 -> pointAttribute(endOf(wireType, end, "SummaryDataPoint.attributes"));
                case 3 -> {
                    expectWireType(wireType, I64, "SummaryDataPoint.time_unix_nano");
                    time = readFixed64(end);
                }
                case 4 -> {
                    expectWireType(wireType, I64, "SummaryDataPoint.count");
                    count = readFixed64(end);
                }
                case 5 -> {
                    expectWireType(wireType, I64, "SummaryDataPoint.sum");
                    sumBits = readFixed64(end);
                }
                case 6 -> quantileValue(endOf(wireType, end, "SummaryDataPoint.quantile_values"));
                case 8 -> {
                    expectWireType(wireType, VARINT, "SummaryDataPoint.flags");
                    flags = readVarint(end);
                }
                default -> skipField(field, wireType, end);
            }
        }
        latest(time);
        pointAttrs.finish();
        boolean stale = (flags & NO_RECORDED_VALUE) != 0;
        double staleNaN = Double.longBitsToDouble(STALE_NAN_BITS);
        long ts = Long.divideUnsigned(time, 1_000_000L);
        int first = out.seriesCount();
        byte[] base = namer.name();
        int baseLen = namer.nameLength();
        setSeriesName(base, 0, baseLen, NONE);
        for (int i = 0; i < quantileN; i++) {
            int code = addSeries(pointAttrs, QUANTILE, floatLabels.get(quantiles[i]), ts, stale ? staleNaN : quantileValues[i]);
            if (code != OK) {
                return labelProblem(first, code);
            }
        }
        setSeriesName(base, 0, baseLen, SUM);
        int code = addSeries(pointAttrs, null, null, ts, stale ? staleNaN : Double.longBitsToDouble(sumBits));
        if (code == OK) {
            setSeriesName(base, 0, baseLen, COUNT);
            code = addSeries(pointAttrs, null, null, ts, stale ? staleNaN : unsignedToDouble(count));
        }
        return code == OK ? null : labelProblem(first, code);
    }

    private void quantileValue(int end) {
        long q = 0;
        long v = 0;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                expectWireType(wireType, I64, "ValueAtQuantile.quantile");
                q = readFixed64(end);
            } else if (field == 2) {
                expectWireType(wireType, I64, "ValueAtQuantile.value");
                v = readFixed64(end);
            } else {
                skipField(field, wireType, end);
            }
        }
        if (quantileN == quantiles.length) {
            quantiles = Arrays.copyOf(quantiles, quantileN * 2);
            quantileValues = Arrays.copyOf(quantileValues, quantileN * 2);
        }
        quantiles[quantileN] = Double.longBitsToDouble(q);
        quantileValues[quantileN] = Double.longBitsToDouble(v);
        quantileN++;
    }

    /** Reads a repeated fixed64/double field, packed (LEN) or not (I64), into bucketCounts or bounds. */
    private void readFixed64s(int wireType, int end, boolean counts, String what) {
        if (wireType == I64) {
            addFixed64(readFixed64(end), counts);
            return;
        }
        int fieldEnd = endOf(wireType, end, what);
        if (((fieldEnd - pos) & 7) != 0) {
            throw fail(what + ": packed length " + (fieldEnd - pos) + " is not a multiple of 8");
        }
        while (pos < fieldEnd) {
            addFixed64(readFixed64(fieldEnd), counts);
        }
    }

    private void addFixed64(long v, boolean counts) {
        if (counts) {
            if (bucketCountN == bucketCounts.length) {
                bucketCounts = Arrays.copyOf(bucketCounts, bucketCountN * 2);
            }
            bucketCounts[bucketCountN++] = v;
        } else {
            if (boundN == bounds.length) {
                bounds = Arrays.copyOf(bounds, boundN * 2);
            }
            bounds[boundN++] = Double.longBitsToDouble(v);
        }
    }

    private void latest(long timeNanos) {
        if (Long.compareUnsigned(timeNanos, resourceLatestNanos) > 0) {
            resourceLatestNanos = timeNanos;
        }
    }

    private static double unsignedToDouble(long v) {
        return v >= 0 ? (double) v : ((double) (v >>> 1)) * 2.0;
    }

    // ---- series ----

    private void setSeriesName(byte[] base, int off, int len, byte[] suffix) {
        int size = len + suffix.length;
        if (seriesName.length < size) {
            seriesName = new byte[Math.max(size, seriesName.length * 2)];
        }
        System.arraycopy(base, off, seriesName, 0, len);
        System.arraycopy(suffix, 0, seriesName, len, suffix.length);
        seriesNameLength = size;
    }

    private int seriesNameLength;

    /**
     * Adds one series with one sample: the attributes (less those the translation sets itself), job, instance,
     * {@code __name__} = the current series name, and the extra label (le or quantile) when given.
     */
    private int addSeries(AttributeTable attrs, byte[] extraName, byte[] extraValue, long ts, double v) {
        int s = openSeries(attrs, extraName, extraValue);
        out.addSample(ts, v);
        return out.finishSeries(s);
    }

    /** Begins a series and adds its labels (as {@link #addSeries}); the caller adds its samples and finishes it. */
    private int openSeries(AttributeTable attrs, byte[] extraName, byte[] extraValue) {
        int s = out.beginSeries();
        // The labels the translation sets, in name order ("__name__" < "instance" < "job" < "le" < "quantile"), merged
        // with the name-sorted attributes so that the series arrives sorted and finishSeries' sort is one pass.
        int specials = 0;
        specialName[specials] = NAME;
        specialValue[specials] = seriesName;
        specialLength[specials++] = seriesNameLength;
        int skip = AttributeTable.RESERVED_NAME;
        if (hasInstance) {
            specialName[specials] = INSTANCE;
            specialValue[specials] = instance.bytes;
            specialLength[specials++] = instance.length;
            skip |= AttributeTable.RESERVED_INSTANCE;
        }
        if (hasJob) {
            specialName[specials] = JOB;
            specialValue[specials] = job.bytes;
            specialLength[specials++] = job.length;
            skip |= AttributeTable.RESERVED_JOB;
        }
        if (extraName != null) {
            specialName[specials] = extraName;
            specialValue[specials] = extraValue;
            specialLength[specials++] = extraValue.length;
            skip |= extraName == LE ? AttributeTable.RESERVED_LE : AttributeTable.RESERVED_QUANTILE;
        }
        byte[] names = attrs.names();
        byte[] values = attrs.values();
        int next = 0;
        for (int i = 0, n = attrs.size(); i < n; i++) {
            if ((attrs.reserved(i) & skip) != 0) {
                continue;
            }
            int no = attrs.nameOff(i);
            int nl = attrs.nameLen(i);
            while (next < specials && AttributeTable.compare(specialName[next], 0, specialName[next].length, names, no, nl) < 0) {
                out.addLabel(specialName[next], 0, specialName[next].length, specialValue[next], 0, specialLength[next]);
                next++;
            }
            out.addLabel(names, no, nl, values, attrs.valueOff(i), attrs.valueLen(i));
        }
        for (; next < specials; next++) {
            out.addLabel(specialName[next], 0, specialName[next].length, specialValue[next], 0, specialLength[next]);
        }
        return s;
    }

    private final byte[][] specialName = new byte[4][];
    private final byte[][] specialValue = new byte[4][];
    private final int[] specialLength = new int[4];

    /** Drops the series a refused point had added and says why. */
    private String labelProblem(int firstSeries, int code) {
        rollback(firstSeries);
        return switch (code) {
            case RemoteWriteStatus.MISSING_METRIC_NAME -> "the metric has no name";
            case RemoteWriteStatus.EMPTY_LABEL_NAME -> "an attribute has an empty key";
            default -> "labels refused: " + RemoteWriteStatus.name(code);
        };
    }

    private void rollback(int firstSeries) {
        while (out.seriesCount() > firstSeries) {
            out.dropLastSeries();
        }
    }

    // ---- attributes ----

    private int keyValueKeyOff;

    private void pointAttribute(int end) {
        int keyLen = parseKeyValue(end);
        pointAttrs.add(keyValueKeyOff, keyLen, value.bytes, 0, value.length);
    }

    /** Parses a KeyValue: the key's range goes to keyValueKeyOff (length returned), its value's text to {@link #value}. */
    private int parseKeyValue(int end) {
        int keyOff = pos;
        int keyLen = 0;
        int valueOff = -1;
        int valueEnd = -1;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                keyLen = lengthOf(wireType, end, "KeyValue.key");
                keyOff = pos;
                pos += keyLen;
            } else if (field == 2) {
                valueEnd = endOf(wireType, end, "KeyValue.value");
                valueOff = pos;
                pos = valueEnd;
            } else {
                skipField(field, wireType, end);
            }
        }
        checkUtf8(keyOff, keyLen, "KeyValue.key");
        value.length = 0;
        if (valueOff >= 0) {
            pos = valueOff;
            anyValueText(valueEnd);
            pos = end;
        }
        keyValueKeyOff = keyOff;
        return keyLen;
    }

    private static final int ANY_NONE = 0;
    private static final int ANY_STRING = 1;
    private static final int ANY_BOOL = 2;
    private static final int ANY_INT = 3;
    private static final int ANY_DOUBLE = 4;
    private static final int ANY_ARRAY = 5;
    private static final int ANY_KVLIST = 6;
    private static final int ANY_BYTES = 7;

    private int anyKind;
    private long anyScalar;
    private int anyOff;
    private int anyLen;

    /** Reads an AnyValue at pos (up to end) into anyKind/anyScalar/anyOff/anyLen; the last oneof field set wins. */
    private void readAnyValue(int end) {
        anyKind = ANY_NONE;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            switch (field) {
                case 1, 5, 6, 7 -> {
                    anyLen = lengthOf(wireType, end, "AnyValue");
                    anyOff = pos;
                    pos += anyLen;
                    anyKind = field == 1 ? ANY_STRING : field == 5 ? ANY_ARRAY : field == 6 ? ANY_KVLIST : ANY_BYTES;
                    if (field == 1) {
                        checkUtf8(anyOff, anyLen, "AnyValue.string_value");
                    }
                }
                case 2, 3 -> {
                    expectWireType(wireType, VARINT, "AnyValue");
                    anyScalar = readVarint(end);
                    anyKind = field == 2 ? ANY_BOOL : ANY_INT;
                }
                case 4 -> {
                    expectWireType(wireType, I64, "AnyValue.double_value");
                    anyScalar = readFixed64(end);
                    anyKind = ANY_DOUBLE;
                }
                case 8 -> {
                    expectWireType(wireType, VARINT, "AnyValue.string_value_strindex");
                    readVarint(end);
                    anyKind = ANY_NONE; // a dictionary index of the profiles signal: no text in metrics
                }
                default -> skipField(field, wireType, end);
            }
        }
    }

    /** The value's text as pdata's AsString writes it, into {@link #value}. */
    private void anyValueText(int end) {
        readAnyValue(end);
        switch (anyKind) {
            case ANY_STRING -> value.append(b, anyOff, anyLen);
            case ANY_BOOL -> value.append(anyScalar != 0 ? TRUE : FALSE);
            case ANY_INT -> value.appendLong(anyScalar);
            case ANY_DOUBLE -> {
                String s = FloatText.es6(Double.longBitsToDouble(anyScalar));
                if (s != null) {
                    value.appendAscii(s);
                }
            }
            case ANY_BYTES -> value.appendAscii(Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, anyOff, anyOff + anyLen)));
            case ANY_ARRAY, ANY_KVLIST -> {
                int kind = anyKind;
                int off = anyOff;
                int len = anyLen;
                StringBuilder json = new StringBuilder();
                boolean ok = kind == ANY_ARRAY ? jsonArray(off, off + len, json, 0) : jsonObject(off, off + len, json, 0);
                if (ok) {
                    value.appendUtf8(json);
                }
            }
            default -> { } // unset: empty text, and an empty label value is no label
        }
    }

    /** @return false when the value has no JSON form (NaN or Inf inside), as Go's json.Marshal fails there */
    private boolean jsonAnyValue(int off, int end, StringBuilder json, int depth) {
        pos = off;
        readAnyValue(end);
        switch (anyKind) {
            case ANY_STRING -> jsonString(new String(b, anyOff, anyLen, StandardCharsets.UTF_8), json);
            case ANY_BOOL -> json.append(anyScalar != 0 ? "true" : "false");
            case ANY_INT -> json.append(anyScalar);
            case ANY_DOUBLE -> {
                String s = FloatText.es6(Double.longBitsToDouble(anyScalar));
                if (s == null) {
                    return false;
                }
                json.append(s);
            }
            case ANY_BYTES -> json.append('"').append(Base64.getEncoder().encodeToString(Arrays.copyOfRange(b, anyOff, anyOff + anyLen))).append('"');
            case ANY_ARRAY -> {
                return jsonArray(anyOff, anyOff + anyLen, json, depth + 1);
            }
            case ANY_KVLIST -> {
                return jsonObject(anyOff, anyOff + anyLen, json, depth + 1);
            }
            default -> json.append("null");
        }
        return true;
    }

    private boolean jsonArray(int off, int end, StringBuilder json, int depth) {
        checkDepth(depth);
        json.append('[');
        boolean ok = true;
        boolean firstValue = true;
        pos = off;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                int valueEnd = endOf(wireType, end, "ArrayValue.values");
                if (!firstValue) {
                    json.append(',');
                }
                firstValue = false;
                ok &= jsonAnyValue(pos, valueEnd, json, depth);
                pos = valueEnd;
            } else {
                skipField(field, wireType, end);
            }
        }
        json.append(']');
        return ok;
    }

    /** A KeyValueList as a JSON object with sorted keys, the last of equal keys winning (Go's map semantics). */
    private boolean jsonObject(int off, int end, StringBuilder json, int depth) {
        checkDepth(depth);
        java.util.TreeMap<String, int[]> entries = new java.util.TreeMap<>(); // rare path: allocation is fine here
        pos = off;
        while (pos < end) {
            long tag = readTag(end);
            int field = (int) (tag >>> 3);
            int wireType = (int) tag & 7;
            if (field == 1) {
                int kvEnd = endOf(wireType, end, "KeyValueList.values");
                String key = "";
                int vOff = -1;
                int vEnd = -1;
                while (pos < kvEnd) {
                    long t = readTag(kvEnd);
                    int f = (int) (t >>> 3);
                    int w = (int) t & 7;
                    if (f == 1) {
                        int kl = lengthOf(w, kvEnd, "KeyValue.key");
                        checkUtf8(pos, kl, "KeyValue.key");
                        key = new String(b, pos, kl, StandardCharsets.UTF_8);
                        pos += kl;
                    } else if (f == 2) {
                        vEnd = endOf(w, kvEnd, "KeyValue.value");
                        vOff = pos;
                        pos = vEnd;
                    } else {
                        skipField(f, w, kvEnd);
                    }
                }
                entries.put(key, new int[] {vOff, vEnd});
            } else {
                skipField(field, wireType, end);
            }
        }
        json.append('{');
        boolean ok = true;
        boolean firstEntry = true;
        for (var e : entries.entrySet()) {
            if (!firstEntry) {
                json.append(',');
            }
            firstEntry = false;
            jsonString(e.getKey(), json);
            json.append(':');
            int[] r = e.getValue();
            if (r[0] < 0) {
                json.append("null");
            } else {
                ok &= jsonAnyValue(r[0], r[1], json, depth);
            }
        }
        pos = end;
        json.append('}');
        return ok;
    }

    private void checkDepth(int depth) {
        if (depth > MAX_JSON_DEPTH) {
            throw fail("attribute value nested deeper than " + MAX_JSON_DEPTH + " arrays/maps");
        }
    }

    /** A JSON string as Go's encoding/json writes it (HTML-safe escapes for <, >, &; U+2028/2029 escaped). */
    private static void jsonString(String s, StringBuilder json) {
        json.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                case '\b' -> json.append("\\b");
                case '\f' -> json.append("\\f");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
                        json.append(String.format("\\u%04x", (int) c));
                    } else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }

    private boolean is(int off, int len, byte[] word) {
        return Arrays.equals(b, off, off + len, word, 0, word.length);
    }

    private void checkUtf8(int off, int len, String what) {
        if (!Utf8.isValid(b, off, len)) {
            throw fail(what + " is not valid UTF-8 (offset " + off + ")");
        }
    }

    // ---- wire primitives; each one checks against the end of the enclosing message ----

    private Abort fail(String message) {
        errorCode = BAD_PROTOBUF;
        errorMessage = message;
        return ABORT;
    }

    private long readTag(int end) {
        int start = pos;
        long tag = readVarint(end);
        if (tag > 0xFFFF_FFFFL || tag < 0) {
            throw fail("tag out of range at offset " + start);
        }
        if (tag >>> 3 == 0) {
            throw fail("field number 0 at offset " + start);
        }
        return tag;
    }

    private long readVarint(int end) {
        int p = pos;
        if (p < end && b[p] >= 0) {
            pos = p + 1;
            return b[p];
        }
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (p >= end) {
                throw fail("truncated varint at offset " + pos);
            }
            byte x = b[p++];
            result |= (long) (x & 0x7F) << shift;
            if (x >= 0) {
                pos = p;
                return result;
            }
        }
        throw fail("varint longer than 10 bytes at offset " + pos);
    }

    private long readFixed64(int end) {
        if (end - pos < 8) {
            throw fail("truncated fixed64 at offset " + pos);
        }
        long v = (long) LONG_LE.get(b, pos);
        pos += 8;
        return v;
    }

    private int lengthOf(int wireType, int end, String what) {
        expectWireType(wireType, LEN, what);
        int start = pos;
        long len = readVarint(end);
        if (len < 0 || len > end - pos) {
            throw fail(what + ": length " + Long.toUnsignedString(len) + " at offset " + start
                    + " runs past the end of the enclosing message (" + (end - pos) + " bytes left)");
        }
        return (int) len;
    }

    private int endOf(int wireType, int end, String what) {
        int len = lengthOf(wireType, end, what);
        return pos + len;
    }

    private void expectWireType(int wireType, int expected, String what) {
        if (wireType != expected) {
            throw fail(what + ": wrong wire type " + wireType + " (expected " + expected + ") at offset " + pos);
        }
    }

    private void skipField(int field, int wireType, int end) {
        switch (wireType) {
            case VARINT -> readVarint(end);
            case I64 -> skipBytes(8, end, field);
            case LEN -> pos = endOf(LEN, end, "a skipped field");
            case I32 -> skipBytes(4, end, field);
            case START_GROUP, END_GROUP -> throw fail("field " + field + ": group wire type " + wireType
                    + " is not supported (offset " + pos + ")");
            default -> throw fail("field " + field + ": invalid wire type " + wireType + " (offset " + pos + ")");
        }
    }

    private void skipBytes(int n, int end, int field) {
        if (end - pos < n) {
            throw fail("field " + field + ": truncated " + (n == 8 ? "fixed64" : "fixed32") + " at offset " + pos);
        }
        pos += n;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** A growable byte string, reused. */
    private static final class Text {
        byte[] bytes = new byte[64];
        int length;

        void set(Text other) {
            length = 0;
            append(other.bytes, 0, other.length);
        }

        void append(byte[] src) {
            append(src, 0, src.length);
        }

        void append(byte[] src, int off, int len) {
            reserve(len);
            System.arraycopy(src, off, bytes, length, len);
            length += len;
        }

        /** this = other + sep + this */
        void prepend(Text other, byte sep) {
            int add = other.length + 1;
            reserve(add);
            System.arraycopy(bytes, 0, bytes, add, length);
            System.arraycopy(other.bytes, 0, bytes, 0, other.length);
            bytes[other.length] = sep;
            length += add;
        }

        void appendLong(long v) {
            reserve(20);
            if (v == Long.MIN_VALUE) {
                appendAscii("-9223372036854775808");
                return;
            }
            if (v < 0) {
                bytes[length++] = '-';
                v = -v;
            }
            int start = length;
            do {
                bytes[length++] = (byte) ('0' + v % 10);
                v /= 10;
            } while (v != 0);
            for (int i = start, j = length - 1; i < j; i++, j--) {
                byte t = bytes[i];
                bytes[i] = bytes[j];
                bytes[j] = t;
            }
        }

        void appendAscii(String s) {
            reserve(s.length());
            for (int i = 0; i < s.length(); i++) {
                bytes[length++] = (byte) s.charAt(i);
            }
        }

        void appendUtf8(CharSequence s) {
            append(s.toString().getBytes(StandardCharsets.UTF_8));
        }

        void reserve(int more) {
            if (bytes.length - length < more) {
                bytes = Arrays.copyOf(bytes, Math.max(length + more, bytes.length * 2));
            }
        }
    }
}
