package io.weir.net.otlp;

import io.weir.net.otlp.proto.Otlp;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteStatus;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static io.weir.net.otlp.OtlpBodies.T_MS;
import static io.weir.net.otlp.OtlpBodies.T_NANOS;
import static io.weir.net.otlp.OtlpBodies.gauge;
import static io.weir.net.otlp.OtlpBodies.histogram;
import static io.weir.net.otlp.OtlpBodies.kv;
import static io.weir.net.otlp.OtlpBodies.number;
import static io.weir.net.otlp.OtlpBodies.render;
import static io.weir.net.otlp.OtlpBodies.request;
import static io.weir.net.otlp.OtlpBodies.resource;
import static io.weir.net.otlp.OtlpBodies.sum;
import static io.weir.net.otlp.proto.Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE;
import static io.weir.net.otlp.proto.Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_DELTA;
import static io.weir.net.otlp.proto.Otlp.AggregationTemporality.AGGREGATION_TEMPORALITY_UNSPECIFIED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Translation of every metric kind and attribute type against series written down by hand per Prometheus' rules. */
class OtlpMetricsDecoderTest {
    private final OtlpMetricsDecoder decoder = new OtlpMetricsDecoder();
    private final DecodedWriteRequest out = new DecodedWriteRequest();

    private List<String> decode(byte[] body) {
        int code = decoder.decode(body, 0, body.length, out);
        assertEquals(RemoteWriteStatus.OK, code, decoder::errorMessage);
        return render(out);
    }

    private static final Otlp.Resource SHOP = resource(kv("service.name", "shop"), kv("service.namespace", "acme"),
            kv("service.instance.id", "pod-1"), kv("deployment.environment", "test"), kv("host.cpus", 4L));
    private static final String ID = "instance=\"pod-1\",job=\"acme/shop\"";

    @Test
    void everyMetricKindBecomesPrometheusSeries() {
        Otlp.HistogramDataPoint h = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(4).setSum(260)
                .addAllExplicitBounds(List.of(5.0, 10.0, 100.0)).addAllBucketCounts(List.of(1L, 1L, 1L, 1L))
                .addAttributes(kv("route", "/a")).build();
        Otlp.SummaryDataPoint sp = Otlp.SummaryDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(10).setSum(5.5)
                .addQuantileValues(Otlp.SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.5).setValue(0.4))
                .addQuantileValues(Otlp.SummaryDataPoint.ValueAtQuantile.newBuilder().setQuantile(0.99).setValue(1.2)).build();
        byte[] body = request(SHOP,
                gauge("cpu.utilization", "1", number(0.25, kv("core", "0"))),
                sum("http.server.requests", "{request}", true, AGGREGATION_TEMPORALITY_CUMULATIVE,
                        Otlp.NumberDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setAsInt(3)
                                .addAttributes(kv("method", "GET")).addAttributes(kv("status", 200L)).build()),
                sum("queue.size", "{item}", false, AGGREGATION_TEMPORALITY_CUMULATIVE, number(-3)),
                histogram("http.server.duration", "ms", AGGREGATION_TEMPORALITY_CUMULATIVE, h),
                Otlp.Metric.newBuilder().setName("rpc.latency").setUnit("s").setSummary(Otlp.Summary.newBuilder().addDataPoints(sp)).build())
                .toByteArray();
        assertEquals(List.of(
                "cpu_utilization_ratio{core=\"0\"," + ID + "} 0.25 @" + T_MS,
                "http_server_duration_milliseconds_bucket{" + ID + ",le=\"+Inf\",route=\"/a\"} 4.0 @" + T_MS,
                "http_server_duration_milliseconds_bucket{" + ID + ",le=\"10\",route=\"/a\"} 2.0 @" + T_MS,
                "http_server_duration_milliseconds_bucket{" + ID + ",le=\"100\",route=\"/a\"} 3.0 @" + T_MS,
                "http_server_duration_milliseconds_bucket{" + ID + ",le=\"5\",route=\"/a\"} 1.0 @" + T_MS,
                "http_server_duration_milliseconds_count{" + ID + ",route=\"/a\"} 4.0 @" + T_MS,
                "http_server_duration_milliseconds_sum{" + ID + ",route=\"/a\"} 260.0 @" + T_MS,
                "http_server_requests_total{" + ID + ",method=\"GET\",status=\"200\"} 3.0 @" + T_MS,
                "queue_size{" + ID + "} -3.0 @" + T_MS,
                "rpc_latency_seconds_count{" + ID + "} 10.0 @" + T_MS,
                "rpc_latency_seconds_sum{" + ID + "} 5.5 @" + T_MS,
                "rpc_latency_seconds{" + ID + ",quantile=\"0.5\"} 0.4 @" + T_MS,
                "rpc_latency_seconds{" + ID + ",quantile=\"0.99\"} 1.2 @" + T_MS,
                "target_info{deployment_environment=\"test\",host_cpus=\"4\"," + ID + "} 1.0 @" + T_MS),
                decode(body));
        assertEquals(0, decoder.rejectedPoints());
        assertNull(decoder.rejectionMessage());
    }

    @Test
    void attributeValuesOfEveryTypeBecomeTextAsPdataWritesThem() {
        Otlp.KeyValueList map = Otlp.KeyValueList.newBuilder().addValues(kv("z", 1L)).addValues(kv("a", "<b>")).build();
        byte[] body = request(resource(kv("service.name", "svc")), gauge("g", "", number(1,
                kv("s", "x"), kv("b", true), kv("i", -42L), kv("d", 2.5), kv("d2", 1e-7), kv("d3", 1e21), kv("d4", 123456.0),
                kv("bytes", new byte[] {1, 2, 3}), kv("arr", List.of("a", 1L, true, 0.5)), kv("map", map),
                kv("unset", null), kv("empty", "")))).toByteArray();
        assertEquals(List.of("g{arr=\"[\"a\",1,true,0.5]\",b=\"true\",bytes=\"AQID\",d=\"2.5\",d2=\"1e-7\",d3=\"1e+21\","
                + "d4=\"123456\",i=\"-42\",job=\"svc\",map=\"{\"a\":\"\\u003cb\\u003e\",\"z\":1}\",s=\"x\"} 1.0 @" + T_MS), decode(body));
    }

    @Test
    void labelNamesAreSanitisedCollisionsJoinedAndReservedNamesSetByTheTranslation() {
        byte[] body = request(resource(kv("service.name", "svc"), kv("region", "eu")), gauge("m", "", number(1,
                kv("a_b", "2"), kv("a.b", "1"), kv("1st", "x"), kv("_priv", "y"), kv("__keep", "z"), kv("job", "mine"),
                kv("größe", "7"), kv("__name__", "other")))).toByteArray();
        assertEquals(List.of(
                "m{__keep=\"z\",a_b=\"1;2\",gr__e=\"7\",job=\"svc\",key_1st=\"x\",key_priv=\"y\"} 1.0 @" + T_MS,
                "target_info{job=\"svc\",region=\"eu\"} 1.0 @" + T_MS), decode(body));
    }

    @Test
    void noTargetInfoWithoutJobOrInstanceOrWithoutOtherAttributes() {
        assertEquals(List.of("m{} 1.0 @" + T_MS), decode(request(resource(kv("region", "eu")), gauge("m", "", number(1))).toByteArray()));
        assertEquals(List.of("m{instance=\"i\"} 1.0 @" + T_MS),
                decode(request(resource(kv("service.instance.id", "i")), gauge("m", "", number(1))).toByteArray()));
    }

    @Test
    void metricNamesFollowPrometheusNormalisation() {
        Object[][] cases = {
            {"http.server.duration", "ms", MetricNamer.HISTOGRAM, "http_server_duration_milliseconds"},
            {"bytes.sent", "By", MetricNamer.COUNTER, "bytes_sent_total"},
            {"requests_total", "", MetricNamer.COUNTER, "requests_total"},
            {"total.requests", "", MetricNamer.COUNTER, "requests_total"},
            {"throughput", "By/s", MetricNamer.GAUGE, "throughput_bytes_per_second"},
            {"cpu.utilization", "1", MetricNamer.GAUGE, "cpu_utilization_ratio"},
            {"cpu.ratio", "1", MetricNamer.GAUGE, "cpu_ratio"},
            {"x", "1", MetricNamer.UP_DOWN, "x"},
            {"x", "1", MetricNamer.COUNTER, "x_total"},
            {"2xx.count", "", MetricNamer.GAUGE, "_2xx_count"},
            {"temp", "Cel", MetricNamer.GAUGE, "temp_celsius"},
            {"disk.io", "{operation}", MetricNamer.COUNTER, "disk_io_total"},
            {"mem", "MiBy", MetricNamer.UP_DOWN, "mem_mebibytes"},
            {"speed", "km/h", MetricNamer.GAUGE, "speed_km_per_hour"},
            {"foo", "requests.made", MetricNamer.GAUGE, "foo_requests_made"},
            {"load", "%", MetricNamer.GAUGE, "load_percent"},
            {"latency_seconds", "s", MetricNamer.HISTOGRAM, "latency_seconds"},
            {"rate", " s / min ", MetricNamer.GAUGE, "rate_seconds_per_min"},
            {"héllo-world", "", MetricNamer.GAUGE, "h_llo_world"},
            {"", "", MetricNamer.GAUGE, ""},
            {"...", "s", MetricNamer.GAUGE, "seconds"},
        };
        MetricNamer namer = new MetricNamer();
        for (Object[] c : cases) {
            byte[] name = ((String) c[0]).getBytes(StandardCharsets.UTF_8);
            byte[] unit = ((String) c[1]).getBytes(StandardCharsets.UTF_8);
            byte[] src = new byte[name.length + unit.length];
            System.arraycopy(name, 0, src, 0, name.length);
            System.arraycopy(unit, 0, src, name.length, unit.length);
            namer.build(src, 0, name.length, name.length, unit.length, (int) c[2]);
            assertEquals(c[3], new String(namer.name(), 0, namer.nameLength(), StandardCharsets.US_ASCII),
                    () -> "name " + c[0] + " unit " + c[1]);
        }
    }

    @Test
    void pointsPrometheusCannotTakeAreRefusedOneByOneAndTheRestKept() {
        Otlp.Metric exp = Otlp.Metric.newBuilder().setName("exp").setExponentialHistogram(Otlp.ExponentialHistogram.newBuilder()
                .setAggregationTemporality(AGGREGATION_TEMPORALITY_DELTA)
                .addDataPoints(Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(1))).build();
        Otlp.HistogramDataPoint badBuckets = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(2)
                .addAllExplicitBounds(List.of(1.0, 2.0)).addAllBucketCounts(List.of(1L, 1L)).build();
        Otlp.HistogramDataPoint good = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(2)
                .addAllExplicitBounds(List.of(1.0)).addAllBucketCounts(List.of(1L, 1L)).setSum(3).build();
        byte[] body = request(resource(),
                sum("d", "", true, AGGREGATION_TEMPORALITY_DELTA, number(1), number(2)),
                exp,
                histogram("h", "", AGGREGATION_TEMPORALITY_CUMULATIVE, badBuckets, good),
                histogram("hd", "", AGGREGATION_TEMPORALITY_DELTA, good),
                sum("u", "", true, AGGREGATION_TEMPORALITY_UNSPECIFIED, number(1)),
                gauge("", "", number(1)),
                gauge("nokey", "", number(1, kv("", "v"))),
                gauge("kept", "", number(7))).toByteArray();
        assertEquals(List.of(
                "h_bucket{le=\"+Inf\"} 2.0 @" + T_MS,
                "h_bucket{le=\"1\"} 1.0 @" + T_MS,
                "h_count{} 2.0 @" + T_MS,
                "h_sum{} 3.0 @" + T_MS,
                "kept{} 7.0 @" + T_MS), decode(body));
        assertEquals(2 + 1 + 1 + 1 + 1 + 1 + 1, decoder.rejectedPoints());
        String message = decoder.rejectionMessage();
        assertTrue(message.startsWith("metric \"d\": 2 points refused: delta temporality is not supported"), message);
        assertTrue(message.endsWith("(and points of 6 more metrics refused)"), message);

        for (Object[] c : new Object[][] {
            {request(resource(), exp).toByteArray(), "delta temporality is not supported (Prometheus keeps cumulative exponential histograms only"},
            {request(resource(), histogram("h", "", AGGREGATION_TEMPORALITY_CUMULATIVE, badBuckets)).toByteArray(), "2 bucket counts for 2 explicit bounds (want 3)"},
            {request(resource(), sum("u", "", true, AGGREGATION_TEMPORALITY_UNSPECIFIED, number(1))).toByteArray(), "temporality 0 is not valid"},
            {request(resource(), gauge("", "", number(1))).toByteArray(), "the metric has no name"},
            {request(resource(), gauge("nokey", "", number(1, kv("", "v")))).toByteArray(), "an attribute has an empty key"},
        }) {
            assertEquals(List.of(), decode((byte[]) c[0]));
            assertEquals(1, decoder.rejectedPoints());
            assertTrue(decoder.rejectionMessage().contains((String) c[1]), decoder.rejectionMessage());
        }
    }

    private static final com.google.protobuf.ByteString TRACE = com.google.protobuf.ByteString.copyFrom(
            new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, (byte) 0xfe, (byte) 0xff});
    private static final com.google.protobuf.ByteString SPAN = com.google.protobuf.ByteString.copyFrom(
            new byte[] {(byte) 0xa0, 0, 0, 0, 0, 0, 0, 0x0b});
    private static final String TRACE_HEX = "0102030405060708090a0b0c0d0efeff";
    private static final String SPAN_HEX = "a00000000000000b";

    private static Otlp.Exemplar exemplar(double v, Otlp.KeyValue... attrs) {
        return Otlp.Exemplar.newBuilder().setTimeUnixNano(T_NANOS + 1_500_000).setAsDouble(v).setTraceId(TRACE).setSpanId(SPAN)
                .addAllFilteredAttributes(List.of(attrs)).build();
    }

    private static Otlp.Metric exponential(String name, String unit, Otlp.AggregationTemporality t, Otlp.ExponentialHistogramDataPoint... points) {
        return Otlp.Metric.newBuilder().setName(name).setUnit(unit).setExponentialHistogram(Otlp.ExponentialHistogram.newBuilder()
                .setAggregationTemporality(t).addAllDataPoints(List.of(points))).build();
    }

    private static Otlp.ExponentialHistogramDataPoint.Buckets buckets(int offset, long... counts) {
        Otlp.ExponentialHistogramDataPoint.Buckets.Builder b = Otlp.ExponentialHistogramDataPoint.Buckets.newBuilder().setOffset(offset);
        for (long c : counts) {
            b.addBucketCounts(c);
        }
        return b.build();
    }

    /** The extras as protobuf-java reads them: one line per native histogram or exemplar, sorted. */
    private List<String> extras() throws Exception {
        byte[] bytes = new byte[out.extrasLength()];
        assertEquals(bytes.length, out.writeExtras(bytes, 0));
        List<String> lines = new java.util.ArrayList<>();
        for (var ts : io.weir.net.remotewrite.proto.Remote.WriteRequest.parseFrom(bytes).getTimeseriesList()) {
            String series = ts.getLabelsList().stream().map(l -> l.getName() + "=" + l.getValue()).collect(java.util.stream.Collectors.joining(",", "{", "}"));
            for (var h : ts.getHistogramsList()) {
                assertEquals(io.weir.net.remotewrite.proto.Remote.Histogram.CountCase.COUNT_INT, h.getCountCase());
                assertEquals(io.weir.net.remotewrite.proto.Remote.Histogram.ResetHint.UNKNOWN, h.getResetHint());
                lines.add(series + " histogram count=" + Long.toHexString(h.getCountInt()) + " sum=" + Long.toHexString(Double.doubleToRawLongBits(h.getSum()))
                        + " schema=" + h.getSchema() + " zt=" + h.getZeroThreshold() + " zc=" + h.getZeroCountInt()
                        + " neg=" + spans(h.getNegativeSpansList()) + h.getNegativeDeltasList()
                        + " pos=" + spans(h.getPositiveSpansList()) + h.getPositiveDeltasList() + " @" + h.getTimestamp());
            }
            for (var e : ts.getExemplarsList()) {
                lines.add(series + " exemplar " + e.getLabelsList().stream().map(l -> l.getName() + "=" + l.getValue())
                        .collect(java.util.stream.Collectors.joining(",", "{", "}")) + " " + e.getValue() + " @" + e.getTimestamp());
            }
        }
        lines.sort(null);
        return lines;
    }

    private static String spans(List<io.weir.net.remotewrite.proto.Remote.BucketSpan> spans) {
        return spans.stream().map(sp -> sp.getOffset() + ":" + sp.getLength()).collect(java.util.stream.Collectors.joining(",", "[", "]"));
    }

    private static final String ONE_SUM = Long.toHexString(Double.doubleToRawLongBits(7.5));

    @Test
    void exponentialHistogramsBecomeNativeHistogramsInTheExtras() throws Exception {
        Otlp.ExponentialHistogramDataPoint p = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS)
                .setCount(5).setSum(7.5).setScale(0).setZeroCount(1).addAttributes(kv("route", "/a"))
                .setPositive(buckets(0, 2, 1)).setNegative(buckets(-1, 1)).build();
        List<String> floats = decode(request(SHOP, exponential("latency", "s", AGGREGATION_TEMPORALITY_CUMULATIVE, p)).toByteArray());
        // The native histogram is the series' only sample: no float series for it, and nothing refused.
        assertEquals(List.of("target_info{deployment_environment=\"test\",host_cpus=\"4\"," + ID + "} 1.0 @" + T_MS), floats);
        assertEquals(0, decoder.rejectedPoints());
        assertNull(decoder.rejectionMessage());
        assertEquals(1, out.histogramCount());
        // OTLP bucket i covers (2^i, 2^(i+1)], Prometheus bucket i+1 the same: positive buckets 1 and 2, negative bucket 0.
        assertEquals(List.of("{__name__=latency_seconds,instance=pod-1,job=acme/shop,route=/a} histogram count=5 sum=" + ONE_SUM
                + " schema=0 zt=1.0E-128 zc=1 neg=[0:1][1] pos=[1:2][2, -1] @" + T_MS), extras());
    }

    @Test
    void scalesAbove8MergeBucketsDownToSchema8AndLongGapsStartNewSpans() throws Exception {
        // scale 10 -> schema 8: 4 OTLP buckets per native bucket; OTLP 3 -> 1, 4..7 -> 2, 8..19 empty, 22 -> 6.
        long[] counts = new long[20];
        Arrays.fill(counts, 0, 5, 1);
        counts[19] = 4;
        Otlp.ExponentialHistogramDataPoint p = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS)
                .setCount(9).setSum(7.5).setScale(10).setZeroThreshold(0.001).setPositive(buckets(3, counts)).build();
        decode(request(resource(), exponential("x", "", AGGREGATION_TEMPORALITY_CUMULATIVE, p)).toByteArray());
        assertEquals(List.of("{__name__=x} histogram count=9 sum=" + ONE_SUM
                + " schema=8 zt=0.001 zc=0 neg=[][] pos=[1:2,3:1][1, 3, 0] @" + T_MS), extras());

        // A short gap (<= 2 empty buckets) is filled with zero deltas; negative offsets and the lowest schema.
        p = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(7).setSum(7.5).setScale(-4)
                .setPositive(buckets(-3, 3, 0, 0, 4)).setNegative(buckets(5, 0, 2, 0, 0, 0, 1)).build();
        decode(request(resource(), exponential("x", "", AGGREGATION_TEMPORALITY_CUMULATIVE, p)).toByteArray());
        assertEquals(List.of("{__name__=x} histogram count=7 sum=" + ONE_SUM
                + " schema=-4 zt=1.0E-128 zc=0 neg=[6:2,3:1][0, 2, -1] pos=[-2:4][3, -3, 0, 4] @" + T_MS), extras());
    }

    @Test
    void exponentialHistogramsPrometheusCannotTakeAreRefusedPerPoint() throws Exception {
        Otlp.ExponentialHistogramDataPoint ok = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS)
                .setCount(1).setSum(7.5).setScale(3).setPositive(buckets(0, 1)).build();
        Otlp.ExponentialHistogramDataPoint coarse = ok.toBuilder().setScale(-5).build();
        byte[] body = request(resource(), exponential("e", "", AGGREGATION_TEMPORALITY_CUMULATIVE, coarse, ok),
                exponential("d", "", AGGREGATION_TEMPORALITY_DELTA, ok, ok)).toByteArray();
        assertEquals(List.of(), decode(body));
        assertEquals(3, decoder.rejectedPoints());
        assertTrue(decoder.rejectionMessage().startsWith("metric \"e\": 1 point refused: exponential histogram scale -5 is below -4"),
                decoder.rejectionMessage());
        assertTrue(decoder.rejectionMessage().endsWith("(and points of 1 more metrics refused)"), decoder.rejectionMessage());
        assertEquals(List.of("{__name__=e} histogram count=1 sum=" + ONE_SUM + " schema=3 zt=1.0E-128 zc=0 neg=[][] pos=[1:1][1] @" + T_MS),
                extras());
        decode(request(resource(), exponential("d", "", AGGREGATION_TEMPORALITY_DELTA, ok)).toByteArray());
        assertTrue(decoder.rejectionMessage().contains("delta temporality is not supported"), decoder.rejectionMessage());
    }

    @Test
    void noRecordedValueBecomesAStaleNativeHistogram() throws Exception {
        Otlp.ExponentialHistogramDataPoint p = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS)
                .setFlags(1).setScale(2).build();
        decode(request(resource(), exponential("x", "", AGGREGATION_TEMPORALITY_CUMULATIVE, p)).toByteArray());
        String stale = Long.toHexString(OtlpMetricsDecoder.STALE_NAN_BITS);
        assertEquals(List.of("{__name__=x} histogram count=" + stale + " sum=" + stale + " schema=2 zt=1.0E-128 zc=0 neg=[][] pos=[][] @" + T_MS),
                extras());
    }

    @Test
    void exemplarsAreKeptOnTheirSeriesWithTraceAndSpanIdsInHex() throws Exception {
        String at = " @" + (T_MS + 1);
        Otlp.HistogramDataPoint h = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(3)
                .addAllExplicitBounds(List.of(1.0, 10.0)).addAllBucketCounts(List.of(1L, 1L, 1L))
                .addExemplars(exemplar(50)).addExemplars(exemplar(0.5)).addExemplars(exemplar(10)).build();
        Otlp.Exemplar noIds = Otlp.Exemplar.newBuilder().setTimeUnixNano(T_NANOS).setAsInt(3)
                .setTraceId(com.google.protobuf.ByteString.copyFrom(new byte[16])).addFilteredAttributes(kv("user", "bob")).build();
        Otlp.ExponentialHistogramDataPoint e = Otlp.ExponentialHistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS)
                .setCount(1).setSum(7.5).setPositive(buckets(0, 1)).addExemplars(exemplar(1.5, kv("user", "alice"), kv("n", 2L))).build();
        byte[] body = request(resource(), gauge("g", "", number(5).toBuilder().addExemplars(noIds)
                        .addExemplars(exemplar(4, kv("long", "x".repeat(100)))).build()),
                histogram("h", "", AGGREGATION_TEMPORALITY_CUMULATIVE, h),
                exponential("e", "", AGGREGATION_TEMPORALITY_CUMULATIVE, e)).toByteArray();
        decode(body);
        assertEquals(0, decoder.rejectedPoints());
        assertNull(decoder.rejectionMessage());
        String ids = "trace_id=" + TRACE_HEX + ",span_id=" + SPAN_HEX;
        assertEquals(List.of(
                "{__name__=e} exemplar {" + ids + ",user=alice,n=2} 1.5" + at, // attributes in wire order, as pdata ranges them
                "{__name__=e} histogram count=1 sum=" + ONE_SUM + " schema=0 zt=1.0E-128 zc=0 neg=[][] pos=[1:1][1] @" + T_MS,
                // an all-zero trace id is no id; attributes that would pass 128 runes are left off (the ids stay)
                "{__name__=g} exemplar {" + ids + "} 4.0" + at,
                "{__name__=g} exemplar {user=bob} 3.0 @" + T_MS,
                // each on the first bucket whose bound is >= its value
                "{__name__=h_bucket,le=+Inf} exemplar {" + ids + "} 50.0" + at,
                "{__name__=h_bucket,le=10} exemplar {" + ids + "} 10.0" + at,
                "{__name__=h_bucket,le=1} exemplar {" + ids + "} 0.5" + at), extras());
    }

    @Test
    void noRecordedValueBecomesTheStaleMarkerOnEverySeriesOfThePoint() {
        Otlp.HistogramDataPoint h = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setFlags(1)
                .addAllExplicitBounds(List.of(1.0)).addAllBucketCounts(List.of(0L, 0L)).setSum(0).build();
        byte[] body = request(resource(), gauge("g", "", number(5).toBuilder().setFlags(1).build()),
                histogram("h", "", AGGREGATION_TEMPORALITY_CUMULATIVE, h)).toByteArray();
        assertEquals(List.of("g{} STALE @" + T_MS, "h_bucket{le=\"+Inf\"} STALE @" + T_MS, "h_bucket{le=\"1\"} STALE @" + T_MS,
                "h_count{} STALE @" + T_MS, "h_sum{} STALE @" + T_MS), decode(body));
    }

    @Test
    void histogramWithoutSumOrBucketsAndOddBoundsFormatAsGo() {
        Otlp.HistogramDataPoint noSum = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(3)
                .addAllExplicitBounds(List.of(0.005, 1e-7, 2.5e21)).addAllBucketCounts(List.of(1L, 0L, 1L, 1L)).build();
        Otlp.HistogramDataPoint onlyCount = Otlp.HistogramDataPoint.newBuilder().setTimeUnixNano(T_NANOS).setCount(9).build();
        assertEquals(List.of(
                "a_bucket{le=\"+Inf\"} 3.0 @" + T_MS,
                "a_bucket{le=\"0.0000001\"} 1.0 @" + T_MS,
                "a_bucket{le=\"0.005\"} 1.0 @" + T_MS,
                "a_bucket{le=\"2500000000000000000000\"} 2.0 @" + T_MS,
                "a_count{} 3.0 @" + T_MS,
                "b_bucket{le=\"+Inf\"} 9.0 @" + T_MS,
                "b_count{} 9.0 @" + T_MS),
                decode(request(resource(), histogram("a", "", AGGREGATION_TEMPORALITY_CUMULATIVE, noSum),
                        histogram("b", "", AGGREGATION_TEMPORALITY_CUMULATIVE, onlyCount)).toByteArray()));
    }

    @Test
    void fieldsInAnyOrder() {
        // Metric with its data before its name and unit; Sum with temporality and monotonic before its points;
        // ResourceMetrics with the resource after its metrics.
        byte[] point = number(2).toByteArray();
        byte[] sumBody = cat(new byte[] {0x18, 0x01, 0x10, 0x02}, len(1, point));
        byte[] metric = cat(len(7, sumBody), len(3, bytes("s")), len(1, bytes("busy")));
        byte[] scope = len(2, metric);
        byte[] rm = cat(len(2, scope), len(1, resource(kv("service.name", "svc")).toByteArray()));
        byte[] body = len(1, rm);
        assertEquals(List.of("busy_seconds_total{job=\"svc\"} 2.0 @" + T_MS), decode(body));
    }

    @Test
    void malformedBodiesAreRefusedWholeWithAMessage() {
        byte[] good = request(SHOP, gauge("g", "", number(1, kv("a", List.of(1L))))).toByteArray();
        byte[] nested = Otlp.AnyValue.newBuilder().setStringValue("x").build().toByteArray();
        for (int i = 0; i < 40; i++) {
            nested = len(1, nested); // ArrayValue.values
            nested = len(5, nested); // AnyValue.array_value
        }
        byte[] deep = metricBody(cat(len(1, bytes("g")), len(5, len(1, len(7, cat(len(1, bytes("k")), len(2, nested)))))));
        Object[][] cases = {
            {Arrays.copyOf(good, good.length - 1), "past the end"},
            {new byte[] {0x08, 0x01}, "wrong wire type"},
            {new byte[] {0x13}, "group wire type"},
            {new byte[] {0x17}, "invalid wire type"},
            {new byte[] {0x00}, "field number 0"},
            {new byte[] {(byte) 0x80}, "truncated varint"},
            {metricBody(len(1, new byte[] {'a', (byte) 0xFF})), "Metric.name is not valid UTF-8"},
            {metricBody(cat(len(1, bytes("h")), len(9, cat(new byte[] {0x10, 0x02}, len(1, len(7, new byte[7])))))), "not a multiple of 8"},
            {metricBody(cat(len(1, bytes("g")), len(5, len(1, new byte[] {0x19, 1, 2})))), "truncated fixed64"},
            {metricBody(cat(len(1, bytes("g")), len(5, len(1, new byte[] {0x21, 0, 0, 0, 0, 0, 0, 0, 0, 0x38, 0x02})))), "wrong wire type"},
            {deep, "nested deeper"},
            {len(1, len(1, len(1, cat(len(1, bytes("k")), len(2, len(1, new byte[] {(byte) 0xC3, 0x28})))))), "string_value is not valid UTF-8"},
        };
        for (Object[] c : cases) {
            byte[] body = (byte[]) c[0];
            assertEquals(RemoteWriteStatus.BAD_PROTOBUF, decoder.decode(body, 0, body.length, out), () -> "case " + c[1]);
            assertTrue(decoder.errorMessage().contains((String) c[1]), () -> c[1] + " vs " + decoder.errorMessage());
            assertEquals(0, out.seriesCount());
            assertEquals(0, out.sampleCount());
            assertEquals(0, decoder.rejectedPoints());
            assertEquals(1, decode(good).size() - 1, "the decoder still works after garbage"); // g + target_info
        }
    }

    @Test
    void unknownFieldsAndScopeAreSkipped() {
        byte[] body = request(resource(), gauge("g", "", number(1))).toByteArray();
        byte[] withUnknown = cat(body, new byte[] {(byte) 0xF8, 0x07, 0x05}, len(100, new byte[] {1, 2, 3}));
        assertEquals(List.of("g{} 1.0 @" + T_MS), decode(withUnknown));
    }

    @Test
    void partialSuccessResponseEncodesAsOtlp() throws Exception {
        Otlp.ExportMetricsServiceResponse r = Otlp.ExportMetricsServiceResponse.parseFrom(OtlpResponses.export(3, "why"));
        assertEquals(3, r.getPartialSuccess().getRejectedDataPoints());
        assertEquals("why", r.getPartialSuccess().getErrorMessage());
        assertEquals(0, OtlpResponses.export(0, null).length);
    }

    /** A request with one resource, one scope and the given Metric message body. */
    static byte[] metricBody(byte[] metric) {
        return len(1, len(2, len(2, metric)));
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] len(int field, byte[] content) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(field << 3 | 2 & 0x7F | (field >= 16 ? 0x80 : 0));
        if (field >= 16) {
            o.write(field >> 4);
        }
        int n = content.length;
        while (n >= 0x80) {
            o.write((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        o.write(n);
        o.writeBytes(content);
        return o.toByteArray();
    }

    static byte[] cat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            o.writeBytes(p);
        }
        return o.toByteArray();
    }
}
