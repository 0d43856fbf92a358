package io.weir.bench;

import io.weir.engine.series.SeriesResolver;
import io.weir.engine.series.SeriesTable;
import io.weir.net.ingest.IngestLimits;
import io.weir.net.remotewrite.DecodedWriteRequest;
import io.weir.net.remotewrite.RemoteWriteDecoder;
import io.weir.net.remotewrite.RemoteWriteEncoder;
import io.weir.net.remotewrite.RemoteWriteStatus;
import io.weir.net.security.Authenticator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per-request costs this issue adds to the ingest path, one request of {@code seriesCount} series (one sample
 * each, as Prometheus sends) per operation: the shape limits ({@code shapeLimits}: labels, name and value lengths,
 * series per request, the defaults), the same plus the new-series check on series that all exist
 * ({@code withNewSeriesLimits}: a front-cache probe per series), and the authentication of a cached basic-auth
 * credential ({@code cachedBasicAuth}).
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class IngestLimitsBenchmark extends WeirForkedBenchmark {
    @Param({"500"})
    public int seriesCount;

    private Path dir;
    private SeriesTable table;
    private SeriesResolver resolver;
    private final DecodedWriteRequest request = new DecodedWriteRequest();
    private IngestLimits shape;
    private IngestLimits withNew;
    private Authenticator authenticator;
    private String header;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        RemoteWriteEncoder encoder = new RemoteWriteEncoder();
        int length = SyntheticSeries.encode(encoder, 0, seriesCount, 1);
        RemoteWriteDecoder decoder = new RemoteWriteDecoder(256 << 20);
        if (decoder.decode(encoder.compressed(), 0, length, request) != RemoteWriteStatus.OK) {
            throw new IllegalStateException(decoder.errorMessage());
        }
        dir = TempDirs.create("weir-bench-limits-");
        table = SeriesTable.open(dir, seriesCount);
        resolver = table.newResolver();
        for (int s = 0; s < seriesCount; s++) {
            resolver.resolve(request.buf(), request.labelNameOffsets(), request.labelNameLengths(),
                request.labelValueOffsets(), request.labelValueLengths(), request.seriesFirstLabel(s), request.seriesLabelCount(s));
        }
        shape = new IngestLimits(IngestLimits.Config.defaults(), table::size);
        IngestLimits.Config d = IngestLimits.Config.defaults();
        withNew = new IngestLimits(new IngestLimits.Config(d.maxLabelsPerSeries(), d.maxLabelNameLength(),
            d.maxLabelValueLength(), d.maxSeriesPerRequest(), 1000, 10_000_000), table::size);
        String hash = at.favre.lib.crypto.bcrypt.BCrypt.withDefaults().hashToString(10, "secret".toCharArray());
        authenticator = new Authenticator(Map.of("prometheus", hash), null, List.<Authenticator.BearerToken>of(),
            Executors.newSingleThreadExecutor());
        header = "Basic " + Base64.getEncoder().encodeToString("prometheus:secret".getBytes(StandardCharsets.UTF_8));
        if (!authenticator.verifyAsync(header).get().authenticated() || shape.check(request, resolver) != null
                || withNew.check(request, resolver) != null) {
            throw new IllegalStateException("set-up request refused");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        authenticator.close();
        table.close();
        TempDirs.delete(dir);
    }

    @Benchmark
    public Object shapeLimits() {
        return shape.check(request, resolver);
    }

    @Benchmark
    public Object withNewSeriesLimits() {
        return withNew.check(request, resolver);
    }

    @Benchmark
    public Set<?> cachedBasicAuth() {
        return authenticator.quick(header).roles();
    }
}
