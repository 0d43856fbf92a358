package io.weir.server.it;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleCounter;
import io.opentelemetry.api.metrics.DoubleGauge;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.LongUpDownCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.exporter.internal.otlp.metrics.MetricsRequestMarshaler;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.metrics.Aggregation;
import io.opentelemetry.sdk.metrics.InstrumentSelector;
import io.opentelemetry.sdk.metrics.InstrumentType;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.SdkMeterProviderBuilder;
import io.opentelemetry.sdk.metrics.View;
import io.opentelemetry.sdk.metrics.data.AggregationTemporality;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.export.AggregationTemporalitySelector;
import io.opentelemetry.sdk.metrics.export.MetricExporter;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.resources.Resource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static io.opentelemetry.api.common.AttributeKey.longKey;
import static io.opentelemetry.api.common.AttributeKey.stringKey;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The OpenTelemetry Java SDK as a test's metrics source: a resource, a provider, recordings, and captured OTLP bodies. */
final class OtlpSdk {
    private OtlpSdk() {}

    static Resource resource(String instance) {
        return Resource.create(Attributes.builder()
                .put("service.name", "shop").put("service.namespace", "acme").put("service.instance.id", instance)
                .put("deployment.environment", "test").put("host.cpus", 4L).put("weight", 2.5).put("canary", true).build());
    }

    /** A provider for the test's instruments only: the SDK's own otel.sdk.* telemetry is dropped by a view. */
    static SdkMeterProviderBuilder meterProvider(String instance) {
        return SdkMeterProvider.builder().setResource(resource(instance)).registerView(
                InstrumentSelector.builder().setName("otel.sdk.*").build(), View.builder().setAggregation(Aggregation.drop()).build());
    }

    /** Records one known value set on every instrument kind, synchronous and asynchronous. */
    static void record(Meter meter) {
        LongCounter requests = meter.counterBuilder("http.server.requests").setUnit("{request}").build();
        Attributes get = Attributes.of(stringKey("method"), "GET", longKey("status"), 200L);
        requests.add(2, get);
        requests.add(1, get);
        DoubleCounter cpu = meter.counterBuilder("process.cpu.time").ofDoubles().setUnit("s").build();
        cpu.add(1.5);
        LongUpDownCounter queue = meter.upDownCounterBuilder("queue.size").setUnit("{item}").build();
        queue.add(5);
        queue.add(-2);
        DoubleGauge utilization = meter.gaugeBuilder("cpu.utilization").setUnit("1").build();
        utilization.set(0.25, Attributes.of(stringKey("core"), "0"));
        DoubleHistogram duration = meter.histogramBuilder("http.server.duration").setUnit("ms")
                .setExplicitBucketBoundariesAdvice(List.of(5.0, 10.0, 100.0)).build();
        for (double v : new double[] {3, 7, 50, 200}) {
            duration.record(v, Attributes.of(stringKey("route"), "/a"));
        }
        meter.counterBuilder("bytes.sent").setUnit("By").buildWithCallback(m -> m.record(1024, Attributes.of(stringKey("peer"), "db")));
        meter.upDownCounterBuilder("memory.used").ofDoubles().setUnit("MiBy").buildWithCallback(m -> m.record(12.5));
        meter.gaugeBuilder("room.temperature").setUnit("Cel").buildWithCallback(
                m -> m.record(21.5, Attributes.of(stringKey("sensor.id"), "s-1", stringKey("job"), "override-me")));
        meter.gaugeBuilder("threads").ofLongs().buildWithCallback(m -> m.record(8));
    }

    /** A MetricExporter that keeps the first protobuf body the OTLP exporter would have sent. */
    private static final class CapturingExporter implements MetricExporter {
        private final AggregationTemporalitySelector temporality;
        private final Aggregation histogram;
        byte[] body;

        CapturingExporter(AggregationTemporalitySelector temporality, Aggregation histogram) {
            this.temporality = temporality;
            this.histogram = histogram;
        }

        @Override
        public CompletableResultCode export(Collection<MetricData> metrics) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                MetricsRequestMarshaler.create(metrics).writeBinaryTo(out);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (body == null) {
                body = out.toByteArray(); // the forceFlush collection; closing the provider exports another
            }
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public AggregationTemporality getAggregationTemporality(InstrumentType type) {
            return temporality.getAggregationTemporality(type);
        }

        @Override
        public Aggregation getDefaultAggregation(InstrumentType type) {
            return type == InstrumentType.HISTOGRAM ? histogram : Aggregation.defaultAggregation();
        }

        @Override
        public CompletableResultCode flush() { return CompletableResultCode.ofSuccess(); }

        @Override
        public CompletableResultCode shutdown() { return CompletableResultCode.ofSuccess(); }
    }

    /** The first OTLP protobuf body the SDK's exporter would send for {@link #record}, captured with its marshaller. */
    static byte[] body(String instance, AggregationTemporalitySelector temporality, Aggregation histogram) {
        CapturingExporter exporter = new CapturingExporter(temporality, histogram);
        MetricReader reader = PeriodicMetricReader.builder(exporter).setInterval(Duration.ofHours(1)).build();
        try (SdkMeterProvider provider = meterProvider(instance).registerMetricReader(reader).build()) {
            record(provider.get("io.weir.test"));
            assertTrue(provider.forceFlush().join(30, TimeUnit.SECONDS).isSuccess());
        }
        return exporter.body;
    }

}
